"""engage/web/server.py: each response leaves in one write, a streamed one chunk by chunk, nothing held at close.

The protocol runs over a transport that records what reaches it (a socket's stand-in: the property under test is
how many writes the socket sees); `engage web` itself runs this protocol in the browser tests and `engage run`'s.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from engage.web.server import WRITE_AT_ONCE_BYTES, CoalescingHttpToolsProtocol


class RecordingTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        assert not self.closed, "written after close"
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(name, default)

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0


second_chunk_may_go = asyncio.Event()


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    headers = [(b"content-type", b"text/plain")]
    if scope["path"] == "/big":
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for _ in range(4):
            await send({"type": "http.response.body", "body": b"z" * (WRITE_AT_ONCE_BYTES // 2), "more_body": True})
        await send({"type": "http.response.body", "body": b""})
        return
    if scope["path"] == "/stream":
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"first", "more_body": True})
        await second_chunk_may_go.wait()
        await send({"type": "http.response.body", "body": b"second"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": [*headers, (b"content-length", b"5")]})
    await send({"type": "http.response.body", "body": b"hello"})


def connect(protocol_class: type[HttpToolsProtocol]) -> tuple[HttpToolsProtocol, RecordingTransport]:
    config = Config(app=app, lifespan="off", log_level="warning")
    config.load()
    protocol = protocol_class(config, ServerState(), app_state={})
    transport = RecordingTransport()
    protocol.connection_made(transport)  # type: ignore[arg-type]
    return protocol, transport


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


@pytest.mark.parametrize(("protocol_class", "writes"), [(HttpToolsProtocol, 2), (CoalescingHttpToolsProtocol, 1)])
async def test_a_response_sent_in_one_go_leaves_in_one_write(
    protocol_class: type[HttpToolsProtocol], writes: int
) -> None:
    protocol, transport = connect(protocol_class)
    protocol.data_received(b"GET /one HTTP/1.1\r\nHost: engage\r\n\r\n")
    await settle()
    assert len(transport.writes) == writes  # uvicorn's own protocol: status line and headers, then the body
    response = b"".join(transport.writes)
    assert response.startswith(b"HTTP/1.1 200 OK\r\n") and response.endswith(b"\r\n\r\nhello")
    protocol.connection_lost(None)


async def test_a_streamed_response_leaves_chunk_by_chunk() -> None:
    second_chunk_may_go.clear()
    protocol, transport = connect(CoalescingHttpToolsProtocol)
    protocol.data_received(b"GET /stream HTTP/1.1\r\nHost: engage\r\n\r\n")
    await settle()
    # The first chunk is on the wire while the app still waits: nothing is held until the stream ends.
    assert len(transport.writes) == 1
    assert transport.writes[0].startswith(b"HTTP/1.1 200 OK\r\n") and transport.writes[0].endswith(b"5\r\nfirst\r\n")
    second_chunk_may_go.set()
    await settle()
    assert transport.writes[1:] == [b"6\r\nsecond\r\n0\r\n\r\n"]
    protocol.connection_lost(None)


async def test_a_response_is_written_before_its_connection_closes() -> None:
    protocol, transport = connect(CoalescingHttpToolsProtocol)
    protocol.data_received(b"GET /one HTTP/1.1\r\nHost: engage\r\nConnection: close\r\n\r\n")
    await settle()
    assert transport.closed
    assert len(transport.writes) == 1 and transport.writes[0].endswith(b"hello")
    protocol.connection_lost(None)


async def test_a_large_answer_is_not_held_until_the_pass_ends() -> None:
    """Past WRITE_AT_ONCE_BYTES the gathered writes go straight to the transport, so its flow control sees them."""
    protocol, transport = connect(CoalescingHttpToolsProtocol)
    protocol.data_received(b"GET /big HTTP/1.1\r\nHost: engage\r\n\r\n")
    await settle()
    assert len(transport.writes) == 3  # headers + two chunks, two more chunks, then the last (empty) chunk
    assert b"".join(transport.writes).count(b"z") == 2 * WRITE_AT_ONCE_BYTES
    protocol.connection_lost(None)
