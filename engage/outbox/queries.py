"""The only SQL for the outbox."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec

from engage.db import Connection
from engage.outbox.models import Event


async def insert_event(conn: Connection, topic: str, payload: dict[str, Any]) -> int:
    return await conn.fetchval(  # type: ignore[no-any-return]
        "INSERT INTO outbox (topic, payload) VALUES ($1, $2::jsonb) RETURNING id",
        topic,
        msgspec.json.encode(payload).decode(),
    )


async def claim_unrelayed(conn: Connection, limit: int) -> list[int]:
    """Mark committed rows not yet on the queue as on their way, and return their ids: one statement, committed
    when it returns, so the rows are unlocked before anyone enqueues them. ``SKIP LOCKED`` keeps two relays from
    claiming the same row."""
    records = await conn.fetch(
        """UPDATE outbox SET enqueued_at = now(), enqueue_count = enqueue_count + 1
           WHERE id IN (SELECT id FROM outbox WHERE enqueued_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
           RETURNING id""",
        limit,
    )
    return sorted(r["id"] for r in records)


async def unclaim(conn: Connection, ids: list[int]) -> None:
    """Put claimed rows back on the relay's list (the queue could not take them)."""
    await conn.execute(
        "UPDATE outbox SET enqueued_at = NULL WHERE id = ANY($1::bigint[]) AND processed_at IS NULL", ids
    )


async def release_stale(conn: Connection, older_than_s: int) -> int:
    """Put back on the relay's list events that were enqueued long ago and never processed."""
    result = await conn.execute(
        """UPDATE outbox SET enqueued_at = NULL
           WHERE processed_at IS NULL AND enqueued_at < now() - make_interval(secs => $1)""",
        float(older_than_s),
    )
    return int(result.split()[-1])


async def release_events_of(conn: Connection, topic: str, contribution_ids: list[UUID]) -> int:
    """Put back on the relay's list the unprocessed events about these contributions that were written as already
    on their way (by an intake batch whose commit is in doubt, so nobody handed them over)."""
    result = await conn.execute(
        """UPDATE outbox SET enqueued_at = NULL
           WHERE processed_at IS NULL AND enqueued_at IS NOT NULL AND topic = $1
             AND payload->>'contribution_id' = ANY($2::text[])""",
        topic,
        [str(i) for i in contribution_ids],
    )
    return int(result.split()[-1])


async def claim_for_processing(conn: Connection, ids: list[int]) -> list[Event]:
    """Mark these events processed and return those that were not yet: the caller handles them in the same
    transaction. A second job with the same events waits for the first to commit and then finds nothing left."""
    records = await conn.fetch(
        """UPDATE outbox SET processed_at = now() WHERE id = ANY($1::bigint[]) AND processed_at IS NULL
           RETURNING id, topic, payload""",
        ids,
    )
    events = [Event(id=r["id"], topic=r["topic"], payload=msgspec.json.decode(r["payload"])) for r in records]
    return sorted(events, key=lambda event: event.id)


async def get_events(conn: Connection, ids: list[int]) -> list[Event]:
    records = await conn.fetch("SELECT id, topic, payload FROM outbox WHERE id = ANY($1) ORDER BY id", ids)
    return [Event(id=r["id"], topic=r["topic"], payload=msgspec.json.decode(r["payload"])) for r in records]
