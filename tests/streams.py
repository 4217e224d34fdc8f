"""A streaming GET driven straight through the ASGI app: httpx's test transport waits for a response to end, and
a server-sent event stream never ends by itself."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from litestar import Litestar


@asynccontextmanager
async def streaming_get(
    app: Litestar,
    path: str,
    cookies: httpx.Cookies,
    on_message: Callable[[dict[str, Any]], None],
    headers: list[tuple[bytes, bytes]] | None = None,
) -> AsyncIterator[None]:
    """GET ``path`` as the holder of ``cookies``, handing every message the app sends to ``on_message``, until the
    block ends (the client then goes away)."""
    requested = False

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        on_message(message)

    cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver.local"), (b"cookie", cookie.encode()), *(headers or [])],
        "client": ("203.0.113.7", 50000),
        "server": ("testserver.local", 80),
    }
    task = asyncio.create_task(app(scope, receive, send))  # type: ignore[arg-type]
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
