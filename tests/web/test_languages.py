"""Citizens read Engage in their language: every message translated in every catalogue shipped, the language
chosen from the browser or the switch (and kept), dates and numbers as each language writes them, and no page a
citizen sees left in English."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import asyncpg
import httpx
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from engage import i18n
from engage.settings import Settings
from engage.web.locale import STAFF_PREFIXES, is_staff_path
from tests.conftest import Servers, csrf_from, eventually, running_worker
from tests.web.test_public import open_form

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = [code for code in i18n.languages() if code != i18n.SOURCE]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def extracted() -> dict[str, tuple[str, ...]]:
    """Every message citizens can read, found in the sources now (as `make messages` finds them)."""
    with (ROOT / "engage/locale/mapping.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found: dict[str, tuple[str, ...]] = {}
    for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, options_map, strip_comment_tags=True):
        ids = (message,) if isinstance(message, str) else tuple(message)
        found[ids[0]] = ids
    return found


def test_engage_speaks_english_portuguese_spanish_and_polish() -> None:
    assert set(i18n.languages()) >= {"en", "pt", "es", "pl"}
    assert i18n.languages()["pt"].tag == "pt-PT"


@pytest.mark.parametrize("code", SHIPPED)
def test_every_message_has_a_translation_in_every_catalogue(code: str) -> None:
    messages = extracted()
    assert len(messages) > 300, "the extraction found the templates"
    with (ROOT / f"engage/locale/{code}/LC_MESSAGES/messages.po").open("rb") as handle:
        catalogue = read_po(handle, locale=code)
    problems = []
    for msgid, ids in messages.items():
        entry = catalogue.get(msgid)
        if entry is None:
            problems.append(f"missing (run make messages): {msgid!r}")
            continue
        strings = [entry.string] if isinstance(entry.string, str) else list(entry.string)
        if entry.fuzzy or not all(s.strip() for s in strings):
            problems.append(f"not translated: {msgid!r}")
            continue
        wanted = set(PLACEHOLDER.findall(" ".join(ids)))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) - wanted or (
                len(strings) == 1 and wanted - set(PLACEHOLDER.findall(string))
            ):
                problems.append(f"placeholders differ: {msgid!r} -> {string!r}")
            if string.count("%") - 2 * string.count("%%") != len(PLACEHOLDER.findall(string)):
                problems.append(f"a bare % (write %%): {string!r}")
    assert not problems, f"{code}: {len(problems)} problems\n" + "\n".join(problems[:40])


class _Text(HTMLParser):
    """The text a person reads on a page, a node at a time, leaving out scripts, styles and marked-up English."""

    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[str] = []
        self._skip: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        english = any(k == "lang" and (v or "").startswith("en") for k, v in attrs)
        hidden = any(k == "class" and (v or "") == "honeypot" for k, v in attrs)
        if tag in ("script", "style", "title") or english or hidden or self._skip:
            self._skip.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._skip and self._skip[-1] == tag:
            self._skip.pop()

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.nodes.append(" ".join(data.split()))


def english_left(html: str, settings: Settings) -> list[str]:
    """Sentences on a page that read as English (settings such as the controller's name are left out: they are
    what an administrator wrote)."""
    from nlp.language import detect_language

    parser = _Text()
    parser.feed(html)
    found = []
    for node in parser.nodes:
        for written in (settings.controller_name, settings.crisis_line, settings.dpo_contact):
            node = node.replace(written, "")
        words = re.findall(r"[a-z']+", node.lower())
        # Two of the commonest English words that no other shipped language uses, and the detector agrees: a
        # sentence left in English (a place name such as "Waterloo and South Bank" is not one).
        if len(words) >= 4 and len(set(words) & ENGLISH_ONLY) >= 2 and detect_language(node).language == "en":
            found.append(node)
    return found


ENGLISH_ONLY = {
    "the",
    "you",
    "your",
    "we",
    "our",
    "and",
    "of",
    "is",
    "are",
    "what",
    "with",
    "for",
    "this",
    "that",
    "have",
    "will",
    "not",
    "can",
    "it",
    "or",
    "if",
    "us",
}


def test_a_sentence_left_in_english_is_found(settings: Settings) -> None:
    page = (
        "<p>Co się stało?</p><p lang='en'>We keep this in English on purpose.</p><p>We will tell you what changed.</p>"
    )
    assert english_left(page, settings) == ["We will tell you what changed."]
    assert english_left("<p>Do czego to wykorzystano</p><p>Waterloo and South Bank</p>", settings) == []


CITIZEN_PAGES = [
    "/",
    "/give",
    "/easy-read",
    "/easy-read/give",
    "/give/paper",
    "/withdraw",
    "/your-words",
    "/subscribe",
    "/you-said-we-did",
    "/privacy",
    "/accessibility",
    "/w",
    "/w/ZZZZZZ",
]
"""The pages a citizen opens by address (the browser's axe test walks them in every language too)."""


@pytest.mark.parametrize("code", SHIPPED)
async def test_no_citizen_page_is_left_in_english(
    client: httpx.AsyncClient, settings: Settings, pool: asyncpg.Pool, code: str
) -> None:
    client.cookies.set(i18n.LANGUAGE_COOKIE, code)
    pages: dict[str, str] = {}
    for path in [*CITIZEN_PAGES, "/give?kind=story", "/r/not-an-invitation", "/no-such-page"]:
        response = await client.get(path)
        assert response.status_code in (200, 404, 410), path
        assert f'<html lang="{i18n.languages()[code].tag}">' in response.text, path
        pages[path] = response.text
    # The pages a form leads to: errors, the receipt, "your words", withdrawal, the easy read receipt.
    form = await open_form(client, "story")
    pages["give: errors"] = (await client.post("/give", data={**form, "text": "a", "email": "nope"})).text
    receipt = await client.post(
        "/give", data={**form, "text": "O autocarro para o hospital nunca chega a horas.", "consent_analysis": "yes"}
    )
    pages["give: receipt"] = receipt.text
    reference, code_ = re.findall(r'class="big-code">([^<]+)<', receipt.text)[:2]
    words = await client.get(f"/your-words?reference={reference}&code={code_}")
    opened = await client.post(
        "/your-words", data={"_csrf_token": csrf_from(words.text), "reference": reference, "code": code_}
    )
    pages["your words"] = opened.text
    pages["withdraw: refused"] = (
        await client.post("/withdraw", data={"_csrf_token": csrf_from(words.text), "reference": reference, "code": "X"})
    ).text
    pages["withdrawn"] = (
        await client.post(
            "/withdraw", data={"_csrf_token": csrf_from(words.text), "reference": reference, "code": code_}
        )
    ).text
    easy = await client.get("/easy-read/give")
    submission = re.findall(r'name="submission_id" value="([^"]+)"', easy.text)[0]
    pages["easy read receipt"] = (
        await client.post(
            "/easy-read/give",
            data={
                "_csrf_token": csrf_from(easy.text),
                "submission_id": submission,
                "kind": "i_statement",
                "text": "Chcę lekarza, który mówi po polsku",
                "consent_analysis": "yes",
            },
        )
    ).text
    pages["form sent after its page expired"] = (
        await client.post("/give", data={"kind": "story", "text": "kept"})
    ).text
    left = {name: english_left(html, settings) for name, html in pages.items()}
    assert {name: found for name, found in left.items() if found} == {}
    assert "ENG-" in pages["easy read receipt"] and "ENG-" in pages["give: receipt"]


async def test_the_browser_language_is_used_and_the_switch_sticks(client: httpx.AsyncClient) -> None:
    home = await client.get("/", headers={"Accept-Language": "fr-FR, pt-BR;q=0.9, en;q=0.5"})
    assert '<html lang="pt-PT">' in home.text and home.headers["content-language"] == "pt-PT"
    assert "Accept-Language" in home.headers["vary"]
    polish_second = await client.get("/", headers={"Accept-Language": "de, pl;q=0.8, es;q=0.3"})
    assert '<html lang="pl">' in polish_second.text
    assert '<html lang="en-GB">' in (await client.get("/", headers={"Accept-Language": "de, fr"})).text
    # The switch is a link on every citizen page, to the same page, and its choice sticks.
    assert 'href="/give?kind=story&amp;lang=es"' in (await client.get("/give?kind=story")).text
    switched = await client.get("/give?lang=es")
    assert f"{i18n.LANGUAGE_COOKIE}=es" in switched.headers["set-cookie"]
    later = await client.get("/privacy", headers={"Accept-Language": "pl"})
    assert '<html lang="es">' in later.text and "Cómo usamos su información" in later.text
    # Staff pages stay in English, whatever the cookie says.
    staff = await client.get("/staff/sign-in")
    assert '<html lang="en-GB">' in staff.text and 'aria-label="Language"' not in staff.text


async def test_dates_and_numbers_are_written_as_each_language_writes_them(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    from datetime import date

    async with pool.acquire() as conn:
        await conn.execute("INSERT INTO retention_runs (ran_on, deleted) VALUES ($1, '{}')", date(2026, 3, 14))
    assert "14 March 2026" in (await client.get("/privacy?lang=en")).text
    assert "14 de março de 2026" in (await client.get("/privacy?lang=pt")).text
    assert "14 de marzo de 2026" in (await client.get("/privacy?lang=es")).text
    assert "14 marca 2026" in (await client.get("/privacy?lang=pl")).text
    assert "Up to 10,000 characters" in (await client.get("/give?lang=en")).text
    assert "Do 10\u00a0000 znaków" in (await client.get("/give?lang=pl")).text
    assert "Até 10\u00a0000 caracteres" in (await client.get("/give?lang=pt")).text


async def test_a_story_given_in_portuguese_gets_its_receipt_and_email_in_portuguese(
    client: httpx.AsyncClient, pool: asyncpg.Pool, servers: Servers, settings: Settings
) -> None:
    client.cookies.set(i18n.LANGUAGE_COOKIE, "pt")
    form = await open_form(client, "story")
    page = await client.get("/give?kind=story")
    assert '<option value="pt" selected>Português</option>' in page.text, "the words' language follows the page"
    receipt = await client.post(
        "/give",
        data={
            **form,
            "text": "A minha mãe esperou seis horas nas urgências e ninguém nos explicou nada.",
            "language": "pt",
            "consent_analysis": "yes",
            "consent_contact": "yes",
            "email": "maria@example.org",
        },
    )
    assert receipt.status_code == 200
    assert "Obrigado, recebemos a sua história" in receipt.text and "Código de retirada" in receipt.text
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT locale, language, reference FROM contributions")
    assert (row["locale"], row["language"]) == ("pt", "pt")
    async with running_worker(settings):
        mail = (await eventually(lambda: servers.sink.to("maria@example.org"), timeout=20))[0]
    assert mail["Subject"] == f"Recebemos a sua história ({row['reference']})"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "Obrigado. Recebemos a sua história." in text and "Código de retirada:" in text
    assert "116 123" in text and "Como usamos a sua informação:" in text
    assert '<html lang="pt-PT">' in html and "Retirar o meu contributo" in html
    assert english_left(html, settings) == [] and "lang=pt" in html


@pytest.mark.parametrize("code", ["en", *SHIPPED])
async def test_no_receipt_or_email_says_your_i_statement(
    client: httpx.AsyncClient, pool: asyncpg.Pool, servers: Servers, settings: Settings, code: str
) -> None:
    client.cookies.set(i18n.LANGUAGE_COOKIE, code)
    form = await open_form(client, "i_statement")
    receipt = await client.post(
        "/give",
        data={
            **form,
            "text": "I want one number to call when things go wrong",
            "consent_analysis": "yes",
            "consent_contact": "yes",
            "email": f"{code}@example.org",
        },
    )
    heading = i18n.gettext(code, "Thank you, we have received your I statement")
    assert heading in receipt.text
    async with running_worker(settings):
        mail = (await eventually(lambda: servers.sink.to(f"{code}@example.org"), timeout=20))[0]
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert i18n.gettext(code, "Thank you. We have received your I statement.") in body
    for said in (receipt.text, body, mail["Subject"]):
        assert not re.search(r"\bi statement", said), "the label keeps its capital I"
        assert not re.search(r"frase «eu quero»|frase «quiero…»|zdanie „chcę…”", said), "nor lower-cased in translation"


async def test_a_subscription_is_confirmed_in_the_language_it_was_asked_in(
    client: httpx.AsyncClient, servers: Servers, settings: Settings
) -> None:
    page = await client.get("/subscribe?lang=pl")
    sent = await client.post(
        "/subscribe",
        data={"_csrf_token": csrf_from(page.text), "email": "ola@example.org", "themes": ["listen", "safe"]},
    )
    assert sent.status_code == 200 and "Sprawdź pocztę" in sent.text
    async with running_worker(settings):
        mail = (await eventually(lambda: servers.sink.to("ola@example.org"), timeout=20))[0]
    assert mail["Subject"] == "Potwierdź swoje cotygodniowe podsumowanie z Engage"
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Słuchajcie nas" in body and "/subscribe/confirm/" in body


def test_staff_and_machine_paths_stay_in_english_and_their_neighbours_do_not() -> None:
    for prefix in STAFF_PREFIXES:
        assert is_staff_path(prefix) and is_staff_path(prefix + "/x/y")
        assert not is_staff_path(prefix + "x") and not is_staff_path("/give" + prefix)
    assert not is_staff_path("/") and not is_staff_path("/give")
