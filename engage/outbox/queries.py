"""The only SQL for the outbox."""

from __future__ import annotations

from typing import Any

import msgspec

from engage.db import Connection
from engage.outbox.models import Event, PendingEvent


async def insert_event(conn: Connection, topic: str, payload: dict[str, Any]) -> int:
    return await conn.fetchval(  # type: ignore[no-any-return]
        "INSERT INTO outbox (topic, payload) VALUES ($1, $2::jsonb) RETURNING id",
        topic,
        msgspec.json.encode(payload).decode(),
    )


async def claim_unrelayed(conn: Connection, limit: int) -> list[PendingEvent]:
    """Rows committed but not yet on the queue, locked so that another relay skips them."""
    records = await conn.fetch(
        """SELECT id, enqueue_count FROM outbox WHERE enqueued_at IS NULL
           ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED""",
        limit,
    )
    return [PendingEvent(id=r["id"], enqueue_count=r["enqueue_count"]) for r in records]


async def mark_enqueued(conn: Connection, ids: list[int]) -> None:
    await conn.execute(
        "UPDATE outbox SET enqueued_at = now(), enqueue_count = enqueue_count + 1 WHERE id = ANY($1)", ids
    )


async def release_stale(conn: Connection, older_than_s: int) -> int:
    """Put back on the relay's list events that were enqueued long ago and never processed."""
    result = await conn.execute(
        """UPDATE outbox SET enqueued_at = NULL
           WHERE processed_at IS NULL AND enqueued_at < now() - make_interval(secs => $1)""",
        float(older_than_s),
    )
    return int(result.split()[-1])


async def lock_unprocessed(conn: Connection, ids: list[int]) -> list[Event]:
    records = await conn.fetch(
        """SELECT id, topic, payload FROM outbox WHERE id = ANY($1) AND processed_at IS NULL
           ORDER BY id FOR UPDATE SKIP LOCKED""",
        ids,
    )
    return [Event(id=r["id"], topic=r["topic"], payload=msgspec.json.decode(r["payload"])) for r in records]


async def get_events(conn: Connection, ids: list[int]) -> list[Event]:
    records = await conn.fetch("SELECT id, topic, payload FROM outbox WHERE id = ANY($1) ORDER BY id", ids)
    return [Event(id=r["id"], topic=r["topic"], payload=msgspec.json.decode(r["payload"])) for r in records]


async def mark_processed(conn: Connection, ids: list[int]) -> None:
    await conn.execute("UPDATE outbox SET processed_at = now() WHERE id = ANY($1)", ids)
