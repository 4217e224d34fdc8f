"""Handing committed outbox rows to arq.

A job is enqueued only after the rows it names are committed and unlocked, so a worker that starts it at once
finds them. Two ways in:

- the intake batcher writes its events already marked as on their way and hands them over itself right after the
  commit (`hand_over`): the busiest path costs no relay query and no extra write per event;
- the relay, in every web and worker process, claims whatever else was committed (withdrawals, retraining and
  clustering requests, the importer's rows) in one committed statement, then enqueues.

If Redis refuses, the rows go back on the relay's list; if the process dies in between, the worker's sweep puts
back rows enqueued long ago and never processed (``outbox_stale_after_s``). Job handlers are idempotent for the
rare row sent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

import asyncpg
from arq.connections import ArqRedis, RedisSettings
from redis.exceptions import RedisError

from engage.db import transaction
from engage.outbox import queries

log = logging.getLogger(__name__)

HANDLE_EVENTS_JOB = "handle_events"
EVENTS_PER_JOB = 200
"""Events travel in batches so that a burst of intake becomes a few jobs, not one job per row."""


async def enqueue(redis: ArqRedis, ids: list[int]) -> None:
    """Enqueue jobs for these committed events, ``EVENTS_PER_JOB`` at a time."""
    for start in range(0, len(ids), EVENTS_PER_JOB):
        chunk = ids[start : start + EVENTS_PER_JOB]
        # A fresh suffix per enqueue: arq drops a job whose id it still remembers, and a re-relayed batch (or a
        # database restored under an old Redis, with the same row ids) must run again.
        job_id = f"events:{chunk[0]}-{chunk[-1]}:{uuid.uuid4().hex[:12]}"
        await redis.enqueue_job(HANDLE_EVENTS_JOB, chunk, _job_id=job_id)


async def hand_over(pool: asyncpg.Pool, redis: ArqRedis, ids: list[int]) -> None:
    """Enqueue events that were committed as already on their way. If Redis refuses, put them back on the relay's
    list (and re-raise); the relay retries with back-off."""
    try:
        await enqueue(redis, ids)
    except Exception:
        async with pool.acquire() as conn:
            await queries.unclaim(conn, ids)
        raise


async def relay_once(pool: asyncpg.Pool, redis: ArqRedis, *, limit: int = 2000) -> int:
    """Enqueue up to ``limit`` unrelayed events. Returns how many were enqueued."""
    async with pool.acquire() as conn:
        claimed = await queries.claim_unrelayed(conn, limit)
    if claimed:
        await hand_over(pool, redis, claimed)
    return len(claimed)


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


SURGE_KEY = "engage:intake:surge"
"""Present while some web process takes in contributions faster than ``surge_per_s`` (it expires a second after
the last time one said so)."""
SURGE_MEASURE_S = 0.25
"""A web process measures its intake rate over at least this long."""
SURGE_POLL_S = 0.25


class SurgeGauge:
    """A web process's intake rate, told to the workers: while contributions arrive faster than ``per_s``, the
    key `SURGE_KEY` says so, and workers hold back the background work they cause (`wait_out_surge`). On
    processors shared by web, PostgreSQL and workers, the people sending are answered first; tagging, redaction
    and receipts catch up once the surge passes. ``per_s`` 0 never says so."""

    def __init__(self, redis: ArqRedis, per_s: float) -> None:
        self._redis = redis
        self._per_s = per_s
        self._since = asyncio.get_running_loop().time()
        self._count = 0

    async def handed_over(self, count: int) -> None:
        """Count contributions handed to the queue; say "surge" if the rate since the last look was high."""
        if self._per_s <= 0:
            return
        now = asyncio.get_running_loop().time()
        self._count += count
        elapsed = now - self._since
        if elapsed < SURGE_MEASURE_S:
            return
        rate = self._count / elapsed
        self._since, self._count = now, 0
        if rate >= self._per_s:
            with contextlib.suppress(OSError, RedisError):  # a missed signal costs only some speed
                await self._redis.set(SURGE_KEY, b"1", px=1000)


async def surging(redis: ArqRedis) -> bool:
    """Whether intake is surging now (no answer from Redis counts as no)."""
    try:
        return bool(await redis.exists(SURGE_KEY))
    except (OSError, RedisError):
        return False


async def wait_out_surge(redis: ArqRedis, max_wait_s: float) -> float:
    """Wait while intake surges, at most ``max_wait_s`` (so waiting delays tagging, and with it a safeguarding
    alert, by at most that much). Returns the seconds waited."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while await surging(redis):
        left = start + max_wait_s - loop.time()
        if left <= 0:
            break
        await asyncio.sleep(min(SURGE_POLL_S, left))
    return loop.time() - start


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
