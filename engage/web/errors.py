"""Error answers for the API: every problem names its field and the reason, in plain English."""

from __future__ import annotations

import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from engage.contributions.models import FieldError, InvalidContribution

_AT_PATH = re.compile(r" - at `\$\.?([^`]*)`$")
_UNKNOWN_FIELD = re.compile(r"unknown field `([^`]+)`")


def problem(status: int, detail: str, field_errors: list[FieldError] | None = None) -> Response[Any]:
    body: dict[str, Any] = {"status_code": status, "detail": detail}
    if field_errors is not None:
        body["errors"] = [{"field": e.field, "reason": e.reason} for e in field_errors]
    return Response(body, status_code=status, media_type="application/json")


def invalid_contribution(request: Request[Any, Any, Any], exc: InvalidContribution) -> Response[Any]:
    return problem(422, "The contribution was not accepted; nothing was stored.", exc.errors)


def _field_error(message: str, key: str | None) -> FieldError:
    """Turn msgspec's and Litestar's wording into a field and a reason a person can act on."""
    if match := _UNKNOWN_FIELD.search(message):
        return FieldError(match.group(1), "is not a field we accept")
    # Litestar names the request body "data"; people call it the body, and its fields by their own names.
    field = key if key and key != "data" else "body"
    if match := _AT_PATH.search(message):
        field = match.group(1).replace("[", ".").replace("]", "") or field
        message = message[: match.start()]
    if message.startswith("Object missing required field"):
        missing = message.split("`")[1]
        field = f"{field}.{missing}" if field != "body" else missing
        return FieldError(field, "is required")
    if "malformed" in message.lower() or "utf-8" in message.lower() or "decode" in message.lower():
        return FieldError("body", "is not valid JSON in UTF-8")
    return FieldError(field, message.rstrip(".") or "is not valid")


def validation_failed(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    extra = exc.extra if isinstance(exc.extra, list) else []
    found = [_field_error(str(item.get("message", "")), item.get("key")) for item in extra if isinstance(item, dict)]
    if not found:
        found = [_field_error(str(exc.detail), None)]
    status = 400 if all(e.field == "body" for e in found) else 422
    return problem(status, "The request was not accepted; nothing was stored.", found)


_BODY_PROBLEMS = {
    400: "is not valid JSON",
    413: "is too large: the most we accept is 256 KB",
    415: "must be sent as application/json",
}


def json_http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    reason = _BODY_PROBLEMS.get(exc.status_code)
    return problem(exc.status_code, exc.detail, [FieldError("body", reason)] if reason else None)


def bad_encoding(request: Request[Any, Any, Any], exc: UnicodeDecodeError) -> Response[Any]:
    return problem(400, "The request was not accepted; nothing was stored.", [FieldError("body", "is not valid UTF-8")])
