"""Pools: the web's pool sends nothing to PostgreSQL when a connection goes back, and still never hands out a
connection in the middle of a transaction. Migrations: one numbered below those applied is still applied."""

from __future__ import annotations

import shutil
from pathlib import Path

import asyncpg

from engage.db import create_pool, latest_migration, migrate, migration_files
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


async def test_a_migration_numbered_below_the_latest_is_applied_when_missing(
    servers: Servers, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    """A branch's migration (0014, reserved for the performance work) can land after later ones (0015-0018) were
    applied: the runner applies every file not yet recorded, whatever its number, so a database already at 0018 gets
    0014 too."""
    database = "late_migration"
    async with pool.acquire() as conn:
        await conn.execute(f"DROP DATABASE IF EXISTS {database}")
        await conn.execute(f"CREATE DATABASE {database}")
    dsn = servers.database_url.replace("/postgres?", f"/{database}?")
    assert dsn != servers.database_url
    try:
        without = tmp_path / "migrations"
        without.mkdir()
        late = [path for _, path in migration_files() if path.name.startswith("0014_")]
        assert len(late) == 1
        for _, path in migration_files():
            if path != late[0]:
                shutil.copy(path, without / path.name)
        assert late[0].name not in await migrate(dsn, without)
        assert await migrate(dsn) == [late[0].name]
        assert await migrate(dsn) == []
        conn = await asyncpg.connect(dsn)
        try:
            assert await conn.fetchval("SELECT max(version) FROM schema_migrations") == latest_migration()
            assert await conn.fetchval("SELECT to_regclass('contribution_days') IS NOT NULL")
        finally:
            await conn.close()
    finally:
        async with pool.acquire() as conn:
            await conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
