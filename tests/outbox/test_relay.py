"""The outbox relay hands a job to arq only once the job's rows are committed and unlocked."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from arq.connections import ArqRedis
from arq.jobs import Job
from redis.exceptions import ConnectionError as RedisConnectionError

from engage.outbox import queries as outbox
from engage.outbox.models import RETRAIN_REQUESTED
from engage.outbox.service import HANDLE_EVENTS_JOB, relay_once
from engage.settings import Settings
from engage.workers.main import redis_client


class StartedAtOnce(ArqRedis):
    """A queue whose job starts the moment it is enqueued: enqueue_job returns only after a worker has run the
    job (the race the relay used to lose when a worker was idle and quick)."""

    async def enqueue_job(self, function: str, *args: Any, **kwargs: Any) -> Job | None:
        job = await super().enqueue_job(function, *args, **kwargs)
        assert job is not None
        self.results = getattr(self, "results", [])
        self.results.append(await job.result(timeout=15, poll_delay=0.05))
        return job


def started_at_once(settings: Settings) -> StartedAtOnce:
    plain = redis_client(settings.redis_url or "")
    return StartedAtOnce(connection_pool=plain.connection_pool)


async def test_a_worker_that_starts_the_job_at_once_finds_its_events(
    pool: asyncpg.Pool, settings: Settings, worker: Any
) -> None:
    async with pool.acquire() as conn:
        await outbox.insert_event(conn, RETRAIN_REQUESTED, {"requested_by": "test"})
        await outbox.insert_event(conn, "test.unknown_topic", {"n": 1})
    redis = started_at_once(settings)
    try:
        assert await relay_once(pool, redis) == 2
    finally:
        await redis.aclose()
    # The job ran while enqueue_job was still waiting: it found both events, and nothing is left for the sweep.
    assert [r["events"] for r in redis.results] == [2]
    async with pool.acquire() as conn:
        left = await conn.fetchval("SELECT count(*) FROM outbox WHERE processed_at IS NULL")
    assert left == 0


async def test_events_redis_refused_go_back_to_the_relay(pool: asyncpg.Pool, settings: Settings) -> None:
    from engage.embedded import free_port

    nowhere = redis_client(f"redis://127.0.0.1:{free_port()}/0")
    async with pool.acquire() as conn:
        await outbox.insert_event(conn, RETRAIN_REQUESTED, {"requested_by": "test"})
    try:
        with pytest.raises((OSError, RedisConnectionError)):
            await relay_once(pool, nowhere)
    finally:
        await nowhere.aclose()
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM outbox WHERE enqueued_at IS NULL") == 1
    working = redis_client(settings.redis_url or "")
    try:
        assert await relay_once(pool, working) == 1
        queued = await working.queued_jobs()
        assert [job.function for job in queued] == [HANDLE_EVENTS_JOB]
    finally:
        await working.aclose()
