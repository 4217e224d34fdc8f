"""How `engage web` speaks HTTP: uvicorn's httptools protocol, each response handed to the socket in one write.

uvicorn writes a response's status line and headers as soon as the app sends `http.response.start`, then its body
with another write: two system calls, two TCP segments and two wake-ups of the client for every answer. At intake
that second loopback write was a tenth of the web process's time (bench/ingest.py). `CoalescingHttpToolsProtocol`
holds whatever a connection writes during one pass of the event loop and writes it once at the end of that pass,
so a response sent in one go (every JSON answer and page) leaves in one write, and a streamed one (the live
board's events) leaves each chunk as soon as the pass that made it ends, and a large one as soon as 64 KiB have
gathered.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

WRITE_AT_ONCE_BYTES = 64 * 1024
"""Gathered writes this large go at once: a big streamed answer (a CSV export) then meets the real transport's flow
control as it would without gathering, instead of piling up in memory until the pass ends."""


class _CoalescingTransport:
    """A transport that gathers the writes of one event-loop pass into one write to the real transport; every
    other call goes straight through (after what is gathered, where order matters)."""

    __slots__ = ("_loop", "_pending", "_pending_bytes", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []
        self._pending_bytes = 0

    def write(self, data: bytes) -> None:
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(data)
        self._pending_bytes += len(data)
        if self._pending_bytes >= WRITE_AT_ONCE_BYTES:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        pending, self._pending, self._pending_bytes = self._pending, [], 0
        if not self._transport.is_closing():
            self._transport.write(pending[0] if len(pending) == 1 else b"".join(pending))

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def pause_reading(self) -> None:
        self._transport.pause_reading()

    def resume_reading(self) -> None:
        self._transport.resume_reading()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + self._pending_bytes

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol writing through `_CoalescingTransport` (pass it as uvicorn's `http`)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # Flow control (pausing reads when the client is slow) keeps the real transport; only writes gather.
        self.transport = _CoalescingTransport(transport, self.loop)  # type: ignore[assignment]
