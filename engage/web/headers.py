"""Security headers on every response Engage sends, whatever made it: pages, the API, errors (a 404 for an address
that matches no route never reaches a route's middleware, so this is a ``before_send`` hook, which sees every
message), static files and the board's event stream."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar.types import Message, Scope

from engage.settings import Settings

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


def header_list(settings: Settings) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"x-frame-options", b"DENY"),
        (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]
    if settings.hsts_seconds > 0:
        headers.append((b"strict-transport-security", f"max-age={settings.hsts_seconds}; includeSubDomains".encode()))
    return headers


def security_headers(settings: Settings) -> Callable[[Message, Scope], Awaitable[None]]:
    """A ``before_send`` hook. A response that sets one of these itself (the mailbox's sandboxed email frame sets
    its own policy) keeps its own."""
    ours = header_list(settings)

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] == "http.response.start":
            present = {bytes(name).lower() for name, _ in message.get("headers", [])}
            message["headers"] = [
                *message.get("headers", []),
                *((name, value) for name, value in ours if name not in present),
            ]

    return add_headers
