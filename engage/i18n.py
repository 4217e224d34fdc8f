"""The languages citizens can read Engage in.

Each language is one gettext catalogue, ``engage/locale/<code>/LC_MESSAGES/messages.po``, written by a person
(see README, "Languages"). English is the source language and needs none. The catalogues are compiled in memory
when first used (Babel reads the ``.po`` and writes the ``.mo`` into a buffer), so there is no build step and no
binary file in the repository: adding a language is adding a catalogue.

The directory name is the code people see (``?lang=pt``) and what a contribution stores as its locale; the
catalogue's ``Language`` header names the CLDR locale (``pt_PT``) that dates, numbers, plural rules and
``<html lang>`` follow.

Staff pages stay in English. Messages that the domain sends back to citizens (why a form was refused) are marked
with `N_` where they are written, extracted into the catalogues, and translated when they are shown.
"""

from __future__ import annotations

import functools
import gettext as gettext_module
import io
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2
import msgspec
from babel import Locale, UnknownLocaleError
from babel.core import negotiate_locale
from babel.dates import format_date as babel_format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
SOURCE = "en"
"""The language the messages are written in."""
LANGUAGE_COOKIE = "engage_lang"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Mark a message for translation where it is written; it is translated where it is shown."""
    return message


class Language(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    """What a URL (``?lang=``) and a stored contribution say: the catalogue's directory name."""
    tag: str
    """BCP 47, for ``<html lang>`` and ``hreflang`` (``pt-PT``)."""
    name: str
    """The language's own name, as a speaker would look for it (``Português``)."""
    cldr: str
    """The Babel locale that formats dates and numbers (``pt_PT``)."""


def _catalogue_paths() -> dict[str, Path]:
    return {
        path.parent.parent.name: path
        for path in sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
        if path.parent.parent.name != SOURCE
    }


def _describe(code: str, cldr: str) -> Language:
    locale = Locale.parse(cldr)
    own = locale.get_language_name(locale) or code
    return Language(code=code, tag=cldr.replace("_", "-"), name=own[:1].upper() + own[1:], cldr=cldr)


@functools.cache
def _loaded() -> tuple[dict[str, Language], dict[str, gettext_module.GNUTranslations]]:
    languages = {SOURCE: _describe(SOURCE, "en_GB")}
    translations: dict[str, gettext_module.GNUTranslations] = {}
    for code, path in _catalogue_paths().items():
        with path.open("rb") as handle:
            catalogue = read_po(handle, locale=code, domain=DOMAIN)
        cldr = str(catalogue.locale) if catalogue.locale else code
        buffer = io.BytesIO()
        write_mo(buffer, catalogue, use_fuzzy=False)
        buffer.seek(0)
        translations[code] = gettext_module.GNUTranslations(buffer)
        languages[code] = _describe(code, cldr)
    return languages, translations


def languages() -> dict[str, Language]:
    """Every language Engage speaks, English first, then by code."""
    return _loaded()[0]


def supported(code: str | None) -> str | None:
    """The code if Engage speaks it (``pt``, ``PT``, ``pt-PT`` and ``pt_PT`` all mean ``pt``), else None."""
    if not code:
        return None
    code = code.strip().replace("-", "_").lower()
    known = languages()
    if code in known:
        return code
    base = code.split("_", 1)[0]
    return base if base in known else None


def negotiate(accept_language: str) -> str | None:
    """The best of our languages for a browser's ``Accept-Language`` header (quality values honoured), or None."""
    wanted: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and tag != "*" and quality > 0:
            wanted.append((-quality, position, tag.strip()))
    preferred = [tag.replace("-", "_") for _, _, tag in sorted(wanted)]
    found = negotiate_locale(preferred, list(languages()), sep="_")
    return supported(found)


def translations(code: str) -> gettext_module.NullTranslations:
    return _loaded()[1].get(code) or gettext_module.NullTranslations()


def gettext(code: str, message: str, **params: Any) -> str:
    """``message`` in the language ``code``, with ``%(name)s`` parameters filled in."""
    text = translations(code).gettext(message)
    return text % params if params else text


def ngettext(code: str, singular: str, plural: str, n: int, **params: Any) -> str:
    text = translations(code).ngettext(singular, plural, n)
    return text % {"num": n, **params}


def cldr(code: str) -> str:
    language = languages().get(code)
    return language.cldr if language else "en_GB"


def format_date(value: date | datetime | None, code: str, form: str = "long") -> str:
    """A date as people write it in that language: "14 March 2026", "14 de março de 2026", "14 marca 2026"."""
    if value is None:
        return ""
    day = value.date() if isinstance(value, datetime) else value
    return babel_format_date(day, format=form, locale=cldr(code))


def format_number(value: int | float, code: str) -> str:
    """10,000 / 10 000 / 10.000, as the language groups digits."""
    return format_decimal(value, locale=cldr(code))


def language_name(language: str, code: str) -> str:
    """The name of a written language (a contribution's ``en``, ``so``, ``tw``...) in the reader's language."""
    try:
        name = Locale.parse(language).get_display_name(cldr(code))
    except (ValueError, UnknownLocaleError):
        name = None
    if not name:
        return gettext(code, "Another language")
    return name[:1].upper() + name[1:]


def params_in(code: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters of a message, numbers grouped as the language groups them."""
    return {
        key: format_number(value, code) if isinstance(value, int) and not isinstance(value, bool) else value
        for key, value in params.items()
    }


# Templates: web pages and emails. A page learns its language from the request (set by the web's middleware under
# SCOPE_KEY), an email from a ``locale`` in its context.
SCOPE_KEY = "engage.locale"
CURRENT: ContextVar[str] = ContextVar("engage_locale", default=SOURCE)
"""The request's language, for macros imported without the page's context (the middleware sets it too)."""


def _context_locale(context: Any) -> str:
    if "locale" in context:
        return str(context["locale"])
    request = context.get("request")
    if request is None:
        return CURRENT.get()
    return str(request.scope.get("state", {}).get(SCOPE_KEY, SOURCE))


@jinja2.pass_context
def _gettext(context: Any, message: str) -> str:
    return translations(_context_locale(context)).gettext(message)


@jinja2.pass_context
def _ngettext(context: Any, singular: str, plural: str, n: int) -> str:
    return translations(_context_locale(context)).ngettext(singular, plural, n)


def say_in(code: str, message: Any) -> str:
    """A problem in a language: a `FieldError` or `Problem` (translated from its ``msgid`` with its ``params``),
    or a message as written."""
    if isinstance(message, str):
        return translations(code).gettext(message)
    msgid = getattr(message, "msgid", "") or getattr(message, "reason", "")
    if not msgid:
        return str(message)
    text = translations(code).gettext(msgid)
    params = getattr(message, "params", None)
    return text % params_in(code, params) if params else text


@jinja2.pass_context
def _say(context: Any, message: Any) -> str:
    return say_in(_context_locale(context), message)


@jinja2.pass_context
def _language(context: Any) -> Language:
    return languages().get(_context_locale(context)) or languages()[SOURCE]


@jinja2.pass_context
def _localdate(context: Any, value: Any, form: str = "long") -> str:
    return format_date(value, _context_locale(context), form)


@jinja2.pass_context
def _number(context: Any, value: int | float) -> str:
    return format_number(value, _context_locale(context))


@jinja2.pass_context
def _language_name(context: Any, language_code: str) -> str:
    return language_name(language_code, _context_locale(context))


def install_jinja(env: jinja2.Environment) -> None:
    """``_()``, ``ngettext()`` and ``{% trans %}`` in the reader's language, with ``say()`` for problems,
    ``language()`` for the page's language, and the ``localdate`` and ``number`` filters."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(say=_say, language=_language, languages=languages, language_name=_language_name)
    env.filters.update(localdate=_localdate, number=_number, say=_say)


def extract_framework_names(
    fileobj: Any, keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, None, str, list[str]]]:
    """Babel extractor for the shipped frameworks: citizens choose themes by name (subscriptions, "you said, we
    did"), so the names are translated like any message."""
    import json

    document = json.loads(fileobj.read())
    for theme in document.get("themes", []):
        yield 1, None, theme["name"], [f"A theme of the framework {document.get('name', '')}"]
