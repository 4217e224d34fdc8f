"""One door for input: every string from a query, a path, a form or a JSON body is checked here, before any handler
sees it, for characters no person types (NUL and other control characters; newlines and tabs are allowed, for
long text). A refusal is a `Problem` naming the field: 422, and nothing changes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import msgspec
from litestar import Request
from litestar.datastructures import UploadFile

from engage.problems import FieldError, Problem

MAX_FIELD_CHARS = 100_000
"""Longer than any field we accept (a story is at most 10,000 characters); the body limit is 256 KB anyway."""


_UNTYPED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
"""Control characters (Unicode category Cc) but newline, carriage return and tab, and lone surrogates (Cs): one
regular expression scans a field in C, where a loop asking `unicodedata` of each character cost the web process
a tenth of its time at intake (tests/web/test_input.py checks it against the categories, code point by code
point)."""


_JSON_MAY_HIDE = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]|\xed[\xa0-\xbf]|\\[ubf]")
"""What a JSON body's bytes must hold for a string in it to hold a character `_UNTYPED` refuses: the character itself
(a C0 control, DEL, a C1 control in UTF-8, a surrogate's bytes) or an escape that can stand for one (``\\u``,
``\\b``, ``\\f``; ``\\n``, ``\\r`` and ``\\t`` stand for characters we allow). A body with none of them, and too short
for any string to pass MAX_FIELD_CHARS, has nothing to refuse, and is not decoded here (the handler decodes it);
intake's bodies are such. tests/web/test_input.py checks the shortcut against decoding, character by character."""


def control_character(value: str) -> str | None:
    """The first character in ``value`` that no person types, as U+XXXX, or None."""
    found = _UNTYPED.search(value)
    return None if found is None else f"U+{ord(found.group()):04X}"


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                yield from _strings(key, path or "body")
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}.{index}" if path else str(index))


def problems_in(strings: Iterator[tuple[str, str]]) -> list[FieldError]:
    found: dict[str, FieldError] = {}
    for field, value in strings:
        if field in found:
            continue
        if (bad := control_character(value)) is not None:
            found[field] = FieldError(field, f"contains a control character ({bad}) that cannot be accepted")
        elif len(value) > MAX_FIELD_CHARS:
            found[field] = FieldError(field, f"is too long: the most is {MAX_FIELD_CHARS:,} characters")
    return list(found.values())


def _media_type(request: Request[Any, Any, Any]) -> str:
    """The request's media type, lower case, without parameters ("" when none): the raw header read directly,
    since Litestar's full parse of Content-Type (parameters and all) was 3 % of the web process's time at intake.
    ASGI servers give header names in lower case."""
    for name, value in request.scope["headers"]:
        if name == b"content-type":
            return value.split(b";", 1)[0].strip().lower().decode("latin-1")
    return ""


async def check_input(request: Request[Any, Any, Any]) -> None:
    """Litestar ``before_request`` hook for every route. The parsed body is cached, so handlers read it again
    for free."""
    strings: list[tuple[str, str]] = []
    if request.scope["query_string"]:
        for key, value in request.query_params.multi_items():
            strings += [(key, key), (key, str(value))]
    strings += [(key, value) for key, value in request.path_params.items() if isinstance(value, str)]
    if request.method in ("POST", "PUT", "PATCH"):
        media = _media_type(request)
        if media in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for key, value in (await request.form()).multi_items():
                strings.append((key, key))
                if not isinstance(value, UploadFile):
                    strings.append((key, str(value)))
        elif media == "application/json" or media.endswith("+json"):
            body = await request.body()
            if len(body) > MAX_FIELD_CHARS or _JSON_MAY_HIDE.search(body):
                try:
                    decoded = msgspec.json.decode(body)
                except msgspec.DecodeError:
                    decoded = None  # the handler says what is wrong with it
                strings += list(_strings(decoded, ""))
    found = problems_in(iter(strings))
    if found:
        raise Problem.of(found)
