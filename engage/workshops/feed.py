"""The live board is pushed: PostgreSQL says when a workshop's board has new events, and its streams read them.

A trigger on ``board_events`` notifies ``engage_board_events`` with the workshop's id when the events commit
(migrations/0014). Each web process keeps one connection of its own listening (`BoardFeed`), and wakes the streams
watching that workshop; each stream then reads "everything after the last id I sent" through `events_after`, with
the reader's Sight, exactly as it did when it polled. The notification carries no words and no event, so it
cannot leak anything and losing one loses nothing: a stream also reads every ``safety_s`` on its own, and every
``fallback_s`` while the listening connection is down (it reconnects by itself).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from uuid import UUID

import asyncpg

from engage.db import Connection
from engage.workshops import queries

log = logging.getLogger(__name__)


class BoardFeed:
    def __init__(self, dsn: str, *, safety_s: float = 15.0, fallback_s: float = 0.5) -> None:
        self._dsn = dsn
        self.safety_s = safety_s
        self.fallback_s = fallback_s
        self._watchers: dict[UUID, set[asyncio.Event]] = {}
        self._conn: Connection | None = None
        self._lost = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def listening(self) -> bool:
        return self._conn is not None and not self._conn.is_closed()

    def start(self) -> None:
        self._task = asyncio.create_task(self._keep_listening(), name="board-feed")

    async def stop(self) -> None:
        self._stopping.set()
        self._lost.set()
        if self._task is not None:
            await self._task
            self._task = None

    @contextlib.contextmanager
    def watch(self, workshop_id: UUID) -> Iterator[asyncio.Event]:
        """An event set whenever the workshop's board may have changed (clear it before reading)."""
        changed = asyncio.Event()
        self._watchers.setdefault(workshop_id, set()).add(changed)
        try:
            yield changed
        finally:
            watchers = self._watchers.get(workshop_id)
            if watchers is not None:
                watchers.discard(changed)
                if not watchers:
                    del self._watchers[workshop_id]

    def wait_s(self) -> float:
        """How long a stream may wait for a notification before reading anyway."""
        return self.safety_s if self.listening else self.fallback_s

    def _notified(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            workshop_id = UUID(payload)
        except ValueError:
            return
        for changed in self._watchers.get(workshop_id, ()):
            changed.set()

    def _wake_everyone(self) -> None:
        for watchers in self._watchers.values():
            for changed in watchers:
                changed.set()

    async def _keep_listening(self) -> None:
        backoff = 0.5
        while not self._stopping.is_set():
            self._lost.clear()
            try:
                self._conn = await asyncpg.connect(self._dsn, server_settings={"application_name": "engage-board"})
                self._conn.add_termination_listener(lambda _conn: self._lost.set())
                await queries.listen_for_board_events(self._conn, self._notified)
                backoff = 0.5
                # Anything committed while nobody listened is read now.
                self._wake_everyone()
                await self._lost.wait()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning(
                    "the live board's listener is down (%s); boards read every %.1fs meanwhile",
                    type(exc).__name__,
                    self.fallback_s,
                )
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(backoff):
                        await self._stopping.wait()
                backoff = min(backoff * 2, 10.0)
            finally:
                conn, self._conn = self._conn, None
                self._wake_everyone()
                if conn is not None and not conn.is_closed():
                    with contextlib.suppress(Exception):
                        await conn.close(timeout=2)
