"""Relaying committed outbox rows to arq.

The relay only ever reads committed rows, so a worker never sees a job before the rows it names. It runs in
every web and worker process; ``FOR UPDATE SKIP LOCKED`` keeps two relays from sending the same row, and the
job handlers are idempotent for the rare row sent twice (a relay that enqueued and then lost its database
connection before marking the row).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

import asyncpg
from arq.connections import ArqRedis, RedisSettings

from engage.db import transaction
from engage.outbox import queries

log = logging.getLogger(__name__)

HANDLE_EVENTS_JOB = "handle_events"
EVENTS_PER_JOB = 200
"""Events travel in batches so that a burst of intake becomes a few jobs, not one job per row."""


async def relay_once(pool: asyncpg.Pool, redis: ArqRedis, *, limit: int = 2000) -> int:
    """Enqueue up to ``limit`` unrelayed events. Returns how many were enqueued."""
    async with transaction(pool) as conn:
        pending = await queries.claim_unrelayed(conn, limit)
        if not pending:
            return 0
        for start in range(0, len(pending), EVENTS_PER_JOB):
            chunk = pending[start : start + EVENTS_PER_JOB]
            ids = [event.id for event in chunk]
            # A fresh suffix per enqueue: arq drops a job whose id it still remembers, and a re-relayed batch
            # (or a database restored under an old Redis, with the same row ids) must run again.
            job_id = f"events:{ids[0]}-{ids[-1]}:{uuid.uuid4().hex[:12]}"
            await redis.enqueue_job(HANDLE_EVENTS_JOB, ids, _job_id=job_id)
        await queries.mark_enqueued(conn, [event.id for event in pending])
    return len(pending)


async def release_stale_events(pool: asyncpg.Pool, older_than_s: int) -> int:
    async with transaction(pool) as conn:
        return await queries.release_stale(conn, older_than_s)


class OutboxRelay:
    """Drains the outbox onto arq when woken after a commit, and every ``poll_s`` for other writers."""

    def __init__(self, pool: asyncpg.Pool, redis: ArqRedis, *, poll_s: float = 1.0) -> None:
        self._pool = pool
        self._redis = redis
        self._poll_s = poll_s
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self.relayed = 0
        self.failures = 0

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        """Let the current drain finish, then end. A flag, not a cancellation: on Python 3.11 a cancel that
        races the poll timeout can be swallowed by the timeout, and the relay would never stop."""
        if self._task is None:
            return
        self._stopping.set()
        self._wake.set()
        done, _ = await asyncio.wait([self._task], timeout=10)
        if not done:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None

    async def _run(self) -> None:
        backoff = 0.25
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll_s):
                    await self._wake.wait()
            self._wake.clear()
            if self._stopping.is_set():
                return
            try:
                while (count := await relay_once(self._pool, self._redis)) > 0:
                    self.relayed += count
                backoff = 0.25
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.failures += 1
                log.warning("outbox relay failed (%s); retrying in %.1fs", _describe(exc), backoff)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(backoff):
                        await self._stopping.wait()  # stop() cuts the back-off short; new requests do not
                backoff = min(backoff * 2, 10.0)
                self._wake.set()


def _describe(exc: Any) -> str:
    return f"{type(exc).__name__}: {exc}"


def redis_client(url: str) -> ArqRedis:
    """An arq client that does not need Redis to be up yet: it connects on first use and reconnects."""
    settings = RedisSettings.from_dsn(url)
    return ArqRedis(
        host=settings.host,
        port=settings.port,
        db=settings.database,
        password=settings.password,
        username=settings.username,
        socket_connect_timeout=2,
        socket_timeout=5,
        retry_on_timeout=False,
    )
