"""PostgreSQL plumbing: pools, the edge-owned transaction, and the migration runner."""

from __future__ import annotations

import gc
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
# Any constant works; it only has to be the same in every process that migrates.
_MIGRATION_LOCK_ID = 0x656E67616765

Pool = asyncpg.Pool
Connection = asyncpg.Connection


async def create_pool(dsn: str, *, size: int = 16, session_state: bool = True) -> asyncpg.Pool:
    """A pool of connections. ``session_state=False`` is for code that leaves nothing behind on a connection but
    an open transaction (the web process: it takes no session advisory locks, LISTENs on its own connection and
    SETs nothing), and saves the reset query asyncpg otherwise sends on every release (``pg_advisory_unlock_all();
    CLOSE ALL; UNLISTEN *; RESET ALL``), a round trip per request. A transaction left open is still rolled back.
    Workers keep the full reset: their mail sender and rollup refresh take session advisory locks."""
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min(2, size),
        max_size=size,
        # Statement cache makes the hot intake path a single round trip per statement.
        statement_cache_size=256,
        server_settings={"application_name": "engage", "timezone": "UTC"},
        reset=None if session_state else _no_session_state,
    )
    assert pool is not None
    return pool


async def _no_session_state(conn: asyncpg.Connection) -> None:
    """Nothing to reset: asyncpg has already rolled back any open transaction and dropped listeners."""


@asynccontextmanager
async def transaction(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """The one transaction of a request or job. Commits when the block ends without an exception."""
    async with pool.acquire() as conn, conn.transaction():
        yield conn


def freeze_heap() -> None:
    """Move every object alive now to the garbage collector's permanent generation, once a process has loaded
    what it keeps for its whole life (modules, templates, the app, a worker's language model). Full collections
    then walk only what was made since, instead of hundreds of thousands of objects that can never be garbage.
    """
    gc.collect()
    gc.freeze()


def migration_files(directory: Path = MIGRATIONS_DIR) -> list[tuple[int, Path]]:
    found: list[tuple[int, Path]] = []
    for path in sorted(directory.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise ValueError(f"{path.name}: migration files are named NNNN_words.sql")
        found.append((int(match.group(1)), path))
    versions = [version for version, _ in found]
    if len(set(versions)) != len(versions):
        raise ValueError("two migration files share a number")
    return found


async def migrate(dsn: str, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply pending migrations, each in its own transaction, under an advisory lock.

    Safe to run from several processes at once: the second waits for the first, then finds nothing to do.
    Returns the names of the files applied.
    """
    conn = await asyncpg.connect(dsn)
    applied: list[str] = []
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK_ID)
        try:
            await conn.execute(
                """CREATE TABLE IF NOT EXISTS schema_migrations (
                       version integer PRIMARY KEY,
                       name text NOT NULL,
                       applied_at timestamptz NOT NULL DEFAULT now())"""
            )
            done = {row["version"] for row in await conn.fetch("SELECT version FROM schema_migrations")}
            for version, path in migration_files(directory):
                if version in done:
                    continue
                async with conn.transaction():
                    await conn.execute(path.read_text())
                    await conn.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", version, path.name
                    )
                log.info("applied migration %s", path.name)
                applied.append(path.name)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK_ID)
    finally:
        await conn.close()
    return applied
