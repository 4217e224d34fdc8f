"""Every error answer, in one place: the same shape for the API (``{"status_code", "detail", "errors": [{"field",
"reason"}]}``) and the same error summary for pages, whatever raised it. Expected refusals are logged at INFO in one
line (method, path, status, the fields named, never their values); only what we did not expect gets a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import asyncpg
import msgspec
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import Template
from litestar.types import Scope

from engage.contributions.intake import IntakeClosed
from engage.problems import FieldError, Problem
from engage.web.links import redirect, url

log = logging.getLogger("engage.web")

_AT_PATH = re.compile(r" - at `\$\.?([^`]*)`$")
_UNKNOWN_FIELD = re.compile(r"unknown field `([^`]+)`")
RETRY_AFTER_S = 5
DATABASE_UNAVAILABLE = (
    "We could not reach our database in time. Anything you sent may or may not have been stored: please send it "
    "again in a minute (forms and requests with the same Idempotency-Key are stored only once)."
)

DATABASE_DOWN: tuple[type[Exception], ...] = (
    TimeoutError,
    asyncio.TimeoutError,
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.QueryCanceledError,
    asyncpg.TooManyConnectionsError,
)
"""A stalled, restarting or unreachable PostgreSQL: the answer is 503 with Retry-After, never a hang or a 500."""

_BODY_PROBLEMS = {
    400: "is not valid JSON",
    413: "is too large: the most we accept is 256 KB",
    415: "must be sent as application/json",
}


class FieldProblem(msgspec.Struct, forbid_unknown_fields=True):
    field: str
    """The field, by its name in the request (``consent.analysis``), or ``body`` for the request as a whole."""
    reason: str


class ProblemBody(msgspec.Struct, forbid_unknown_fields=True):
    """Every error answer of the API."""

    status_code: int
    detail: str
    errors: list[FieldProblem] = []
    """What is wrong, field by field (present when the request itself was at fault)."""


_PROBLEM_DESCRIPTIONS = {
    400: "The body is not JSON in UTF-8, or a parameter is malformed; nothing was stored.",
    401: "Not signed in.",
    403: "Signed in, but the role does not give access to this.",
    404: "No such thing, or not one this reader may see.",
    409: "The Idempotency-Key was used before with a different body; nothing was stored.",
    413: "The body is larger than 256 KB; nothing was stored.",
    415: "The body is not sent as application/json.",
    422: "A field is not acceptable: each is named with the reason; nothing was stored.",
    429: "Too many requests from this address; wait as Retry-After says.",
    503: "PostgreSQL did not answer in time; send it again after Retry-After (with the same Idempotency-Key).",
}


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI for the error answers an operation can give, one schema (ProblemBody) each."""
    return {
        status: ResponseSpec(data_container=ProblemBody, description=_PROBLEM_DESCRIPTIONS[status])
        for status in statuses
    }


def _wants_json(request: Request[Any, Any, Any]) -> bool:
    accept = request.headers.get("accept", "")
    return request.url.path.startswith("/api/") or ("json" in accept and "html" not in accept)


def _answer(
    request: Request[Any, Any, Any],
    status: int,
    detail: str | FieldError,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    if _wants_json(request):
        body: dict[str, Any] = {"status_code": status, "detail": detail}
        if errors is not None:
            body["errors"] = [{"field": e.field, "reason": e.reason} for e in errors]
        return Response(body, status_code=status, media_type="application/json", headers=headers)
    template = {403: "errors/403.html", 404: "errors/404.html"}.get(status, "errors/error.html")
    return Template(
        template_name=template,
        context={"status": status, "detail": detail, "errors": errors or [], "viewer": None},
        status_code=status,
        headers=headers,
    )


FIELD_STATUSES = (400, 422)
"""A Problem with one of these is about what was typed: a page lists each field and its reason. Any other status
(403: not yours to change, 404: no such thing, 409 or 410: already done or closed) is a refusal whose reason is the
page's message."""


def _sign_in(request: Request[Any, Any, Any]) -> Response[Any]:
    """A page that needs someone signed in: the sign-in page, coming back here after."""
    if request.url.path.startswith(url(request, "community")):  # members sign in by emailed link
        return redirect(request, "member-sign-in", status_code=302)
    return redirect(request, "sign-in", query={"next": request.url.path}, status_code=302)


def problem(request: Request[Any, Any, Any], exc: Problem) -> Response[Any]:
    headers = {"Retry-After": "60"} if exc.status == 429 else None
    if exc.status == 401 and not _wants_json(request):
        return _sign_in(request)
    if exc.status not in FIELD_STATUSES and not _wants_json(request):
        return _answer(request, exc.status, exc.errors[0], None, headers)
    return _answer(request, exc.status, exc.detail, exc.errors, headers)


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc, NotAuthorizedException) and not _wants_json(request):
        return _sign_in(request)
    reason = _BODY_PROBLEMS.get(exc.status_code)
    errors = [FieldError("body", reason)] if reason and _wants_json(request) else None
    if exc.status_code == 405:
        allowed = ", ".join(sorted(getattr(request.scope.get("route_handler"), "http_methods", []) or []))
        headers = {**(exc.headers or {}), **({"Allow": allowed} if allowed else {})}
        return _answer(request, 405, "This address does not accept that method.", errors, headers)
    return _answer(request, exc.status_code, str(exc.detail), errors, exc.headers)


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
    return _answer(request, status, "The request was not accepted; nothing was stored.", found)


def bad_encoding(request: Request[Any, Any, Any], exc: UnicodeDecodeError) -> Response[Any]:
    errors = [FieldError("body", "is not valid UTF-8")]
    return _answer(request, 400, "The request was not accepted; nothing was stored.", errors)


def bad_value(request: Request[Any, Any, Any], exc: asyncpg.DataError) -> Response[Any]:
    """A value the database cannot hold (out of range, not a valid date): the input's fault, so a 4xx."""
    errors = [FieldError("body", "holds a value out of range or in the wrong form")]
    return _answer(request, 422, "The request was not accepted; nothing was stored.", errors)


def database_unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    return _answer(request, 503, DATABASE_UNAVAILABLE, None, {"Retry-After": str(RETRY_AFTER_S)})


def intake_closed(request: Request[Any, Any, Any], exc: IntakeClosed) -> Response[Any]:
    """The web process is shutting down and took nothing: a client or a proxy tries again (another process)."""
    return _answer(request, 503, str(exc), None, {"Retry-After": str(RETRY_AFTER_S)})


HANDLERS: dict[int | type[Exception], Any] = {
    Problem: problem,
    IntakeClosed: intake_closed,
    ValidationException: validation_failed,
    UnicodeDecodeError: bad_encoding,
    asyncpg.DataError: bad_value,
    HTTPException: http_error,
    **dict.fromkeys(DATABASE_DOWN, database_unavailable),
}


async def log_exception(exc: Exception, scope: Scope) -> None:
    """Expected refusals in one line at INFO (no values: they may be someone's words); the rest with a traceback."""
    where = f"{scope.get('method', '')} {scope.get('path', '')}"
    if isinstance(exc, Problem):
        log.info("%s %s: %s", exc.status, where, ", ".join(e.field for e in exc.errors))
    elif isinstance(exc, HTTPException) and exc.status_code < 500:
        log.info("%s %s", exc.status_code, where)
    elif isinstance(exc, ValidationException | UnicodeDecodeError | asyncpg.DataError):
        log.info("4xx %s: %s", where, type(exc).__name__)
    elif isinstance(exc, IntakeClosed):
        log.warning("503 %s: shutting down", where)
    elif isinstance(exc, DATABASE_DOWN):
        log.warning("503 %s: database unavailable (%s)", where, type(exc).__name__)
    else:
        log.error("500 %s", where, exc_info=exc)


__all__ = ["HANDLERS", "NotFoundException", "PermissionDeniedException", "log_exception"]
