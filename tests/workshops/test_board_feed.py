"""The live board is pushed: a note reaches the board's event stream when it commits, not at the next poll."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest
from litestar import Litestar

from engage.settings import Settings
from engage.workshops import queries
from tests.conftest import client_of, eventually, running_app
from tests.streams import streaming_get
from tests.workshops.test_workshops import open_session, plan, post


class Stream:
    """A board's server-sent event stream, read as it arrives (over ASGI, like a browser's EventSource)."""

    def __init__(self) -> None:
        self.events: list[tuple[float, str, dict[str, Any], int]] = []
        self.taken = 0
        self.arrived = asyncio.Event()
        self._buffer = ""

    def feed(self, chunk: str) -> None:
        self._buffer += chunk.replace("\r\n", "\n")
        while "\n\n" in self._buffer:
            block, self._buffer = self._buffer.split("\n\n", 1)
            fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line and line[0] != ":")
            if "event" in fields:
                self.events.append((time.monotonic(), fields["event"], json.loads(fields["data"]), int(fields["id"])))
                self.arrived.set()

    async def next_event(self, timeout: float) -> tuple[float, str, dict[str, Any], int]:
        """The next event not yet taken (it may have arrived already)."""
        async with asyncio.timeout(timeout):
            while len(self.events) <= self.taken:
                self.arrived.clear()
                await self.arrived.wait()
        self.taken += 1
        return self.events[self.taken - 1]


@asynccontextmanager
async def board_stream(app: Litestar, path: str, cookies: httpx.Cookies, last_id: int = 0) -> AsyncIterator[Stream]:
    stream = Stream()

    def on_message(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            stream.feed(message.get("body", b"").decode())

    headers = [(b"last-event-id", str(last_id).encode())] if last_id else []
    async with streaming_get(app, path, cookies, on_message, headers):
        await asyncio.sleep(0.5)  # connected, and the replay read is done
        yield stream


async def test_a_note_reaches_the_board_when_it_commits_and_a_reconnect_replays_the_rest(
    settings: Settings, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[int] = []
    real_events_after = queries.events_after

    async def counted(conn: Any, workshop_id: UUID, after: int, sight: Any, **kw: Any) -> Any:
        reads.append(after)
        return await real_events_after(conn, workshop_id, after, sight, **kw)

    monkeypatch.setattr(queries, "events_after", counted)
    async with running_app(settings) as app, client_of(app) as staff, client_of(app) as phone:
        workshop_id = await plan(staff, pool)
        code = await open_session(staff, workshop_id)
        feed = app.state.board_feed
        await eventually(lambda: feed.listening, timeout=10)
        path = f"/staff/workshops/{workshop_id}/events"
        async with board_stream(app, path, staff.cookies) as stream:
            # Without a notification the stream would next read the database in feed.safety_s (15 s): a quiet
            # board costs the database nothing.
            assert feed.wait_s() >= 15
            await asyncio.sleep(1.5)
            assert reads == [0], "one read (the replay), no polling"
            posted = time.monotonic()
            assert (await post(phone, code, "Having people to talk to", "n1")).status_code == 200
            arrived, kind, first, first_id = await stream.next_event(timeout=5)
            assert kind == "note" and first["text"] == "Having people to talk to"
            assert arrived - posted < 5  # a read at feed.safety_s would come 15 s after the replay
            await post(phone, code, "The lunch club at St Luke's", "n2")
            _, _, second, _ = await stream.next_event(timeout=5)
            assert second["text"] == "The lunch club at St Luke's"
        assert not feed._watchers, "a closed stream stops watching"
        # A board that reconnects says which event it showed last and gets only what came after.
        async with board_stream(app, path, staff.cookies, last_id=first_id) as again:
            await asyncio.sleep(0.3)
            assert [e[2]["text"] for e in again.events] == ["The lunch club at St Luke's"]


async def test_a_boards_events_are_numbered_in_the_order_they_commit(settings: Settings, pool: asyncpg.Pool) -> None:
    """A board reads "everything after the last id I showed": an event numbered earlier but committed later would
    never be shown. Writers of a workshop's events (a facilitator arranging notes, a batch of notes) queue on its
    row, so numbers follow commits."""
    async with running_app(settings) as app, client_of(app) as staff, client_of(app) as phone:
        workshop_id = await plan(staff, pool)
        code = await open_session(staff, workshop_id)
        first = await pool.acquire()
        try:
            transaction = first.transaction()
            await transaction.start()
            first_id = await queries.add_event(first, UUID(workshop_id), "grouped", None, {"n": 1})

            async def second_writer() -> int:
                async with pool.acquire() as conn, conn.transaction():
                    return await queries.add_event(conn, UUID(workshop_id), "grouped", None, {"n": 2})

            second = asyncio.create_task(second_writer())
            note = asyncio.create_task(post(phone, code, "Posted while the board was busy", "late-1"))
            await asyncio.sleep(0.5)
            assert not second.done(), "the second writer waits for the first to commit"
            assert not note.done(), "so does a note's batch"
            await transaction.commit()
            second_id = await asyncio.wait_for(second, 10)
            assert (await asyncio.wait_for(note, 10)).status_code == 200
        finally:
            await pool.release(first)
    async with pool.acquire() as conn:
        note_id = await conn.fetchval("SELECT id FROM board_events WHERE kind = 'note'")
    assert first_id < min(second_id, note_id)
