"""PostgreSQL plumbing: pools, the edge-owned transaction, and the migration runner."""

from __future__ import annotations

import asyncio
import gc
import logging
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from enum import IntEnum
from pathlib import Path
from typing import Any, TypeAlias

import asyncpg
from asyncpg.pool import PoolAcquireContext, PoolConnectionProxy

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class Lock(IntEnum):
    """Every advisory lock Engage takes, by name: one key each, the same in every process. A key for one of many
    things (a mail message) is made by ``Lock.for_item``."""

    MIGRATIONS = 0x656E67616765
    RETRAINING = 0x656E7472
    DASHBOARD_ROLLUPS = 0x656E726F
    DEMO_DATA = 7041

    @staticmethod
    def for_item(item: uuid.UUID) -> int:
        """A lock for one row, keyed by its UUID (63 random bits: no clash with the named keys in practice)."""
        return item.int & 0x7FFFFFFFFFFFFFFF


Connection: TypeAlias = asyncpg.Connection | PoolConnectionProxy
"""A connection of either kind: one opened alone (``asyncpg.connect``, the migration runner) or one lent by a pool
(``pool.acquire()``, ``transaction()``, a request's ``conn``), which asyncpg wraps in a proxy with the same methods.
Queries and services take this, so they run on either. Records are asyncpg's ``Record`` (the stubs' default)."""


@asynccontextmanager
async def advisory_lock(conn: Connection, key: int, *, wait: bool = False) -> AsyncIterator[bool]:
    """Hold a session-level advisory lock for the block. Without ``wait``, yields False at once when another
    session holds it (the block then does nothing); with it, waits its turn and yields True."""
    if wait:
        await conn.execute("SELECT pg_advisory_lock($1)", key)
        held = True
    else:
        held = bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", key))
    try:
        yield held
    finally:
        if held:
            await conn.execute("SELECT pg_advisory_unlock($1)", key)


async def advisory_xact_lock(conn: Connection, key: int) -> None:
    """Wait for an advisory lock held until the current transaction ends."""
    await conn.execute("SELECT pg_advisory_xact_lock($1)", key)


class BoundedPool(asyncpg.Pool):
    """A pool whose waits are bounded: taking a connection, connecting, each statement and giving a connection
    back all time out, so a stalled PostgreSQL turns into a quick error (503 at the web edge, a retried job in the
    worker) instead of a hang."""

    def __init__(self, *args: Any, acquire_timeout: float | None, **kwargs: Any) -> None:
        self._acquire_timeout = acquire_timeout
        super().__init__(*args, **kwargs)

    def acquire(self, *, timeout: float | None = None) -> PoolAcquireContext:
        return super().acquire(timeout=timeout if timeout is not None else self._acquire_timeout)

    async def release(self, connection: PoolConnectionProxy, *, timeout: float | None = None) -> None:  # noqa: ASYNC109 - asyncpg's own signature
        await super().release(connection, timeout=timeout if timeout is not None else self._acquire_timeout)


async def create_pool(
    dsn: str, *, size: int = 16, timeout_s: float | None = None, session_state: bool = True
) -> asyncpg.Pool:
    """A pool of up to ``size`` connections. With ``timeout_s``, every wait on the database is bounded by it.

    ``session_state=False`` is for code that leaves nothing behind on a connection but an open transaction (the web
    process: it takes no session advisory locks, LISTENs on its own connection and SETs nothing), and saves the
    reset query asyncpg otherwise sends on every release (``pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET
    ALL``), a round trip per request. A transaction left open is still rolled back. Workers keep the full reset:
    their mail sender and rollup refresh take session advisory locks."""
    pool = BoundedPool(
        dsn,
        acquire_timeout=timeout_s,
        min_size=min(2, size),
        max_size=size,
        max_queries=50_000,
        max_inactive_connection_lifetime=300.0,
        loop=None,
        connection_class=asyncpg.Connection,
        record_class=asyncpg.Record,
        # Statement cache makes the hot intake path a single round trip per statement.
        statement_cache_size=256,
        server_settings={"application_name": "engage", "timezone": "UTC"},
        timeout=timeout_s or 60,
        command_timeout=timeout_s,
        reset=None if session_state else _no_session_state,
    )
    await pool
    return pool


async def _no_session_state(conn: asyncpg.Connection) -> None:
    """Nothing to reset: asyncpg has already rolled back any open transaction and dropped listeners."""


@asynccontextmanager
async def transaction(pool: asyncpg.Pool) -> AsyncIterator[PoolConnectionProxy]:
    """The one transaction of a request or job. Commits when the block ends without an exception."""
    async with pool.acquire() as conn, conn.transaction():
        yield conn


YOUNG_OBJECTS_PER_COLLECTION = 20_000
"""How many new objects start a young-generation collection, after start-up (Python's default is 700). A request
makes hundreds of short-lived objects, nearly all freed by reference counting; collecting every 700 of them cost
the web process about 9 % of its time at intake (bench: 0.192 -> 0.175 ms of CPU per contribution, 4,850 ->
5,317 contributions/s; 100,000 was no better than 20,000). Cyclic garbage waits a little longer to be freed."""


def freeze_heap() -> None:
    """Move every object alive now to the garbage collector's permanent generation, once a process has loaded
    what it keeps for its whole life (modules, templates, the app, a worker's language model). Full collections
    then walk only what was made since, instead of hundreds of thousands of objects that can never be garbage.
    Then collect the young generation less often (YOUNG_OBJECTS_PER_COLLECTION).
    """
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS_PER_COLLECTION, older, oldest)


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
    Pending means not recorded in schema_migrations, whatever its number: a file numbered below ones already applied
    (0014, reserved for a branch that merged after 0015-0018) is applied too. Returns the names of the files applied.
    """
    conn = await asyncpg.connect(dsn)
    applied: list[str] = []
    try:
        async with advisory_lock(conn, Lock.MIGRATIONS, wait=True):
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
        await conn.close()
    return applied


def latest_migration(directory: Path = MIGRATIONS_DIR) -> int:
    return max(version for version, _ in migration_files(directory))


async def readiness(pool: asyncpg.Pool, redis: Any, latest: int, *, timeout_s: float = 2.0) -> dict[str, str]:
    """What a readiness probe reports: "ok" for each part, or why not."""
    checks: dict[str, str] = {}
    try:
        async with pool.acquire(timeout=timeout_s) as conn:
            applied = await conn.fetchval("SELECT max(version) FROM schema_migrations", timeout=timeout_s)
        checks["database"] = "ok"
        checks["migrations"] = "ok" if applied == latest else f"at {applied}, expected {latest}"
    except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        checks["database"] = f"unreachable ({type(exc).__name__})"
        checks["migrations"] = "unknown"
    try:
        await asyncio.wait_for(redis.ping(), timeout_s)
        checks["redis"] = "ok"
    except Exception as exc:
        checks["redis"] = f"unreachable ({type(exc).__name__})"
    return checks
