"""While intake surges, the worker holds back the work contributions cause, for a bounded time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import msgspec
import pytest
from arq.connections import ArqRedis

from engage.embedded import free_port
from engage.outbox.service import SURGE_KEY, SurgeGauge, redis_client, surging, wait_out_surge
from engage.settings import Settings
from engage.workers.tasks import refresh_dashboard
from tests.conftest import app_client, eventually, running_worker


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[ArqRedis]:
    client = redis_client(settings.redis_url or "")
    yield client
    await client.aclose()


async def test_a_web_process_says_surge_only_while_its_rate_is_high(redis: ArqRedis) -> None:
    gauge = SurgeGauge(redis, per_s=400)
    await asyncio.sleep(0.3)
    await gauge.handed_over(60)  # 200 a second over the last 0.3 s
    assert not await surging(redis)
    await asyncio.sleep(0.3)
    await gauge.handed_over(300)  # 1,000 a second
    assert await surging(redis)
    assert 0 < await redis.pttl(SURGE_KEY) <= 1000
    await gauge.handed_over(300)  # within the same quarter second: not measured yet, nothing new said
    await asyncio.sleep(1.1)
    assert not await surging(redis)  # the signal lapses by itself
    never = SurgeGauge(redis, per_s=0)
    await asyncio.sleep(0.3)
    await never.handed_over(100_000)
    assert not await surging(redis)


async def test_waiting_out_a_surge_ends_with_it_or_at_the_limit(redis: ArqRedis) -> None:
    assert await wait_out_surge(redis, 5) < 0.1  # no surge: no wait
    await redis.set(SURGE_KEY, b"1", px=600)
    waited = await wait_out_surge(redis, 5)
    assert 0.5 <= waited < 1.2
    await redis.set(SURGE_KEY, b"1", px=10_000)
    waited = await wait_out_surge(redis, 0.5)
    assert 0.5 <= waited < 0.8  # the limit: a surge delays a safeguarding alert by at most this much
    nowhere = redis_client(f"redis://127.0.0.1:{free_port()}/0")
    try:
        assert await wait_out_surge(nowhere, 5) < 1  # no answer from Valkey counts as no surge
    finally:
        await nowhere.aclose()


async def test_the_worker_tags_after_the_surge_and_the_receipt_was_committed_before(
    settings: Settings, pool: asyncpg.Pool, redis: ArqRedis
) -> None:
    settings = msgspec.structs.replace(settings, surge_per_s=500, surge_wait_s=20, job_timeout_s=10)
    async with app_client(settings) as client, running_worker(settings):
        await redis.set(SURGE_KEY, b"1", px=2500)
        response = await client.post(
            "/api/v1/contributions",
            json={
                "kind": "i_statement",
                "text": "I want the bus to stop by the surgery.",
                "consent": {"analysis": True},
            },
        )
        assert response.status_code == 201
        reference = response.json()["reference"]
        received = asyncio.get_running_loop().time()

        async def tagged() -> Any:
            async with pool.acquire() as conn:
                return await conn.fetchval(
                    """SELECT a.analysed_at FROM contribution_analyses a
                       JOIN contributions c ON c.id = a.contribution_id WHERE c.reference = $1""",
                    reference,
                )

        await asyncio.sleep(1.5)
        assert await tagged() is None  # held back while the surge lasts
        await eventually(tagged, timeout=15)
        assert asyncio.get_running_loop().time() - received >= 2.0


async def test_the_dashboard_refresh_waits_for_the_next_minute_while_intake_surges(
    settings: Settings, pool: asyncpg.Pool, redis: ArqRedis
) -> None:
    ctx = {"pool": pool, "settings": settings, "redis": redis}
    await redis.set(SURGE_KEY, b"1", px=10_000)
    assert await refresh_dashboard(ctx) == {"surge": 1}
    await redis.delete(SURGE_KEY)
    assert "folded" in await refresh_dashboard(ctx)
