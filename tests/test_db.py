"""Pools: the web's pool sends nothing to PostgreSQL when a connection goes back, and still never hands out a
connection in the middle of a transaction."""

from __future__ import annotations

import asyncpg

from engage.db import create_pool
from tests.conftest import Servers


async def last_query_of(pool: asyncpg.Pool, pid: int) -> str:
    async with pool.acquire() as conn:
        return str(await conn.fetchval("SELECT query FROM pg_stat_activity WHERE pid = $1", pid))


async def test_releasing_a_web_connection_costs_no_round_trip(servers: Servers, pool: asyncpg.Pool) -> None:
    web = await create_pool(servers.database_url, size=1, session_state=False)
    worker = await create_pool(servers.database_url, size=1)
    try:
        for which, expected in ((web, "SELECT 'the last thing asked'"), (worker, "pg_advisory_unlock_all")):
            async with which.acquire() as conn:
                pid = conn.get_server_pid()
                await conn.fetchval("SELECT 'the last thing asked'")
            assert expected in await last_query_of(pool, pid)
        # A transaction left open is rolled back before anyone else gets the connection.
        async with web.acquire() as conn:
            await conn.execute("BEGIN")
            await conn.execute("CREATE TEMPORARY TABLE half_done (n int)")
        async with web.acquire() as conn:
            assert not conn.is_in_transaction()
            assert await conn.fetchval("SELECT to_regclass('pg_temp.half_done')") is None
    finally:
        await web.close()
        await worker.close()
