"""Which language each request is answered in, and what templates need to speak it.

A citizen's page is in the language they chose with the switch (``?lang=pt``, then kept in a cookie for a year),
else the best match for their browser's ``Accept-Language``, else English. Staff pages, the API and the board
archive stay in English. The answer carries ``Content-Language`` and ``Vary`` so caches keep languages apart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

import jinja2
from litestar.connection import ASGIConnection
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from engage import i18n

_LOCALE = i18n.SCOPE_KEY
STAFF_PREFIXES = ("/staff", "/mailbox", "/boards", "/api", "/static", "/healthz")
"""Paths whose pages are for staff (or machines) and stay in English."""
COOKIE_MAX_AGE = 365 * 24 * 3600


_STAFF_SUBPATHS = tuple(prefix + "/" for prefix in STAFF_PREFIXES)


def is_staff_path(path: str) -> bool:
    # str.startswith with a tuple: one call in C (every request asks, twice)
    return path.startswith(_STAFF_SUBPATHS) or path in STAFF_PREFIXES


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return ""


def _cookie(scope: Scope, name: str) -> str:
    for part in _header(scope, b"cookie").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return ""


def choose(scope: Scope) -> tuple[str, bool]:
    """The request's language, and whether it was chosen just now with ``?lang=`` (so the cookie is set)."""
    if is_staff_path(scope.get("path", "")):
        return i18n.SOURCE, False
    query = dict(parse_qsl(bytes(scope.get("query_string", b"")).decode("latin-1")))
    chosen = i18n.supported(query.get("lang"))
    if chosen:
        return chosen, True
    remembered = i18n.supported(_cookie(scope, i18n.LANGUAGE_COOKIE))
    if remembered:
        return remembered, False
    return i18n.negotiate(_header(scope, b"accept-language")) or i18n.SOURCE, False


def request_locale(secure_cookies: bool) -> Callable[[ASGIApp], ASGIApp]:
    """Middleware factory: decide the language before anything renders, and say so in the answer's headers."""

    def middleware(app: ASGIApp) -> ASGIApp:
        async def handle(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":  # type: ignore[comparison-overlap]
                await app(scope, receive, send)
                return
            staff = is_staff_path(scope.get("path", ""))
            code, chosen = (i18n.SOURCE, False) if staff else choose(scope)
            scope.setdefault("state", {})[_LOCALE] = code

            async def send_with_language(message: Message) -> None:
                if message["type"] == "http.response.start":
                    headers = list(message.get("headers", []))
                    headers.append((b"content-language", i18n.languages()[code].tag.encode()))
                    headers.append((b"vary", b"Accept-Language, Cookie"))
                    if chosen:
                        cookie = (
                            f"{i18n.LANGUAGE_COOKIE}={code}; Path=/; Max-Age={COOKIE_MAX_AGE}; SameSite=Lax; HttpOnly"
                            + ("; Secure" if secure_cookies else "")
                        )
                        headers.append((b"set-cookie", cookie.encode()))
                    message["headers"] = headers
                await send(message)

            token = i18n.CURRENT.set(code)
            try:
                # Staff pages and the API add no headers, so their answers skip the wrapper (intake's busy path).
                await app(scope, receive, send if staff else send_with_language)
            finally:
                i18n.CURRENT.reset(token)

        return handle

    return middleware


def ensure_locale(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Decide the language of an answer the middleware never saw (a 404 for an address no route matches)."""
    state = connection.scope.setdefault("state", {})
    if _LOCALE not in state:
        state[_LOCALE], _ = choose(connection.scope)
        i18n.CURRENT.set(state[_LOCALE])


def locale_of(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The language this request is answered in (the middleware decided it)."""
    return str(connection.scope.get("state", {}).get(_LOCALE, i18n.SOURCE))


@jinja2.pass_context
def switch_url(context: Any, code: str) -> str:
    """This page in another language: its own address with ``lang`` set, or the address a page chose for the
    switch (a receipt shown after a form was sent points at a page that can be fetched again)."""
    target = context.get("switch_target")
    if target:
        path, _, query = str(target).partition("?")
    else:
        request = context.get("request")
        path = request.url.path if request is not None else "/"
        query = bytes(request.scope.get("query_string", b"")).decode("latin-1") if request is not None else ""
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "lang"]
    return f"{path}?{urlencode([*pairs, ('lang', code)])}"


@jinja2.pass_context
def staff_page(context: Any) -> bool:
    request = context.get("request")
    return request is not None and is_staff_path(request.url.path)


def use_language(code: str) -> str:
    """From here on in this request, what imported macros render is in ``code`` (a staff page printing forms for
    people who read Polish stays in English around them). Renders nothing."""
    if i18n.supported(code) == code:
        i18n.CURRENT.set(code)
    return ""


def install(env: jinja2.Environment) -> None:
    """Give the web's environment what every template needs to speak the reader's language."""
    i18n.install_jinja(env)
    env.globals.update(switch_url=switch_url, staff_page=staff_page, use_language=use_language)
