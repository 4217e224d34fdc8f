"""Faults a production system meets: Valkey down for 30 s, PostgreSQL frozen for 10 s. The web answers throughout
(503 only where the database is needed, quickly, with Retry-After), nothing acknowledged is lost, and tagging
resumes by itself. (A worker killed mid-job: tests/workers/test_events.py and tests/digests; a crashed web or
worker process under `engage run`: tests/test_cli.py.)"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import httpx
import msgspec
import psutil

from engage.embedded import free_port
from engage.settings import Settings
from tests.conftest import Servers, app_client, eventually, stop_process
from tests.proxy import CuttableProxy
from tests.workers.test_events import start_worker_process

STORY = {
    "kind": "story",
    "text": "The pharmacy ran out of my inhaler twice this winter.",
    "consent": {"analysis": True},
}


async def analysed(pool: asyncpg.Pool) -> int:
    async with pool.acquire() as conn:
        return int(await conn.fetchval("SELECT count(*) FROM contribution_analyses"))


async def test_valkey_down_for_30_seconds_loses_nothing_and_the_worker_rides_it_out(
    settings: Settings, servers: Servers, pool: asyncpg.Pool
) -> None:
    assert servers.valkey.port is not None
    proxy = CuttableProxy(free_port(), servers.valkey.port)
    await proxy.start()
    through = msgspec.structs.replace(settings, redis_url=f"redis://127.0.0.1:{proxy.listen_port}/0")
    worker = start_worker_process(through)
    try:
        async with app_client(through) as client:
            assert (await client.post("/api/v1/contributions", json=STORY)).status_code == 201
            await eventually(lambda: analysed(pool), timeout=60)
            proxy.freeze()  # first frozen (every call times out), then gone (connections refused)
            acknowledged = 1
            outage_ends = time.monotonic() + 30
            while time.monotonic() < outage_ends:
                if time.monotonic() > outage_ends - 15 and proxy._server is not None:
                    await proxy.cut()
                answer = await client.post("/api/v1/contributions", json=STORY)
                assert answer.status_code == 201, "intake does not need Valkey"
                assert (await client.get("/healthz")).status_code == 200
                acknowledged += 1
                await asyncio.sleep(1)
            assert (await client.get("/readyz")).status_code == 503
            assert worker.poll() is None, "the worker did not exit"
            back = time.monotonic()
            proxy.thaw()
            await proxy.start()
            await eventually(lambda: _all_analysed(pool, acknowledged), timeout=90, interval=0.5)
            recovered = time.monotonic() - back
            assert (await client.get("/readyz")).status_code == 200
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT count(*) FROM contributions") == acknowledged
        print(
            f"\nValkey down 30 s: {acknowledged} acknowledged and stored, tagged {recovered:.1f} s after it came back"
        )
    finally:
        stop_process(worker, grace_s=20)
        await proxy.cut()


async def _all_analysed(pool: asyncpg.Pool, expected: int) -> bool:
    return await analysed(pool) == expected


@contextmanager
def frozen(pgdata: Path) -> Iterator[None]:
    """SIGSTOP every PostgreSQL process (the postmaster and its backends) for the duration."""
    postmaster = psutil.Process(int((pgdata / "postmaster.pid").read_text().splitlines()[0]))
    processes = [postmaster, *postmaster.children(recursive=True)]
    for process in processes:
        process.suspend()
    try:
        yield
    finally:
        for process in processes:
            process.resume()


async def test_postgresql_frozen_for_10_seconds_gives_quick_503s_and_loses_nothing(
    settings: Settings, servers: Servers, pool: asyncpg.Pool
) -> None:
    quick = msgspec.structs.replace(settings, db_timeout_s=2.0)
    worker = start_worker_process(quick)
    try:
        async with app_client(quick) as client:
            assert (await client.post("/api/v1/contributions", json=STORY)).status_code == 201
            acknowledged, refused, slowest = 1, 0, 0.0
            with frozen(servers.root / "postgres"):
                freeze_ends = time.monotonic() + 10
                while time.monotonic() < freeze_ends:
                    started = time.monotonic()
                    assert (await client.get("/healthz")).status_code == 200, "alive without the database"
                    answer = await client.post("/api/v1/contributions", json=STORY)
                    slowest = max(slowest, time.monotonic() - started)
                    if answer.status_code == 201:
                        acknowledged += 1
                    else:
                        assert answer.status_code == 503, answer.text
                        assert answer.headers["retry-after"] == "5"
                        assert "send it again" in answer.json()["detail"]
                        refused += 1
                    page = await client.get("/give")
                    assert (
                        page.status_code in (200, 503) and "try again" in page.text.lower()
                    ) or page.status_code == 200
            assert refused > 0 and slowest < 6, (refused, slowest)
            thawed = time.monotonic()
            await eventually(lambda: _accepts(client), timeout=30, interval=0.5)
            acknowledged += 1
            async with pool.acquire() as conn:
                stored = int(await conn.fetchval("SELECT count(*) FROM contributions"))
            # A statement sent just before the freeze runs when PostgreSQL wakes: a 503 says the outcome is unknown
            # (send it again with the same Idempotency-Key), never that nothing was stored.
            assert acknowledged <= stored <= acknowledged + refused
            await eventually(lambda: _all_analysed(pool, stored), timeout=90, interval=0.5)
            recovered = time.monotonic() - thawed
        print(
            f"\nPostgreSQL frozen 10 s: {refused} refused with 503 (slowest answer {slowest:.1f} s), "
            f"{acknowledged} acknowledged, {stored} stored, all tagged {recovered:.1f} s after"
        )
    finally:
        stop_process(worker, grace_s=30)


async def _accepts(client: httpx.AsyncClient) -> bool:
    return (await client.post("/api/v1/contributions", json=STORY)).status_code == 201
