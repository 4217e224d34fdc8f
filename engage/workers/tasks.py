"""The jobs. Each takes ids, re-reads what it needs, and can run twice without doing anything twice."""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

import asyncpg
from arq import Retry

from engage.accounts import queries as accounts
from engage.db import transaction
from engage.mail import queries as mail_queries
from engage.mail import service as mail
from engage.outbox import queries as outbox
from engage.outbox import service as relay
from engage.outbox.models import CONTRIBUTION_RECEIVED, CONTRIBUTION_WITHDRAWN, Event
from engage.settings import Settings
from engage.workers.delivery import deliver_message

log = logging.getLogger(__name__)

Ctx = dict[str, Any]


async def _dispatch(conn: asyncpg.Connection, events: list[Event]) -> None:
    """Handle a batch of events, one statement per topic rather than one per event."""
    received = [UUID(e.payload["contribution_id"]) for e in events if e.topic == CONTRIBUTION_RECEIVED]
    await mail.queue_receipts(conn, received)
    for event in events:
        # Withdrawal: everything derived from a contribution is deleted with it by foreign keys.
        if event.topic not in (CONTRIBUTION_RECEIVED, CONTRIBUTION_WITHDRAWN):
            log.warning("no handler for event topic %s (event %d)", event.topic, event.id)


async def handle_events(ctx: Ctx, event_ids: list[int]) -> dict[str, int]:
    pool: asyncpg.Pool = ctx["pool"]
    settings: Settings = ctx["settings"]
    try:
        async with transaction(pool) as conn:
            events = await outbox.lock_unprocessed(conn, event_ids)
            await _dispatch(conn, events)
            await outbox.mark_processed(conn, [event.id for event in events])
        # Re-read every event of the batch, processed now or earlier: a run that died after the commit above
        # still owes its emails.
        async with pool.acquire() as conn:
            contribution_ids = [
                UUID(event.payload["contribution_id"])
                for event in await outbox.get_events(conn, event_ids)
                if event.topic == CONTRIBUTION_RECEIVED
            ]
            due = await mail_queries.due_message_ids(conn, contribution_ids=contribution_ids, limit=10_000)
    except (OSError, asyncpg.PostgresConnectionStatusError, asyncpg.CannotConnectNowError) as exc:
        raise Retry(defer=min(60, 2 ** ctx.get("job_try", 1))) from exc
    sent = 0
    for message_id in due:
        if await deliver_message(pool, settings, ctx["smtp"], message_id) == "sent":
            sent += 1
    return {"events": len(events), "mail_sent": sent}


async def sweep(ctx: Ctx) -> dict[str, int]:
    """Periodic repair: re-relay events Redis lost, deliver mail whose retry is due, settle stuck sends."""
    pool: asyncpg.Pool = ctx["pool"]
    settings: Settings = ctx["settings"]
    released = await relay.release_stale_events(pool, settings.outbox_stale_after_s)
    relayed = await relay.relay_once(pool, ctx["redis"])
    async with pool.acquire() as conn:
        await accounts.delete_expired_sessions(conn)
        due = await mail_queries.due_message_ids(conn, limit=500)
        # A message in 'sending' whose advisory lock is free lost its sender; deliver_message settles it.
        stuck = await mail_queries.stale_sending_ids(conn, older_than_s=0)
    outcomes: dict[str, int] = {"released": released, "relayed": relayed}
    for message_id in [*due, *stuck]:
        outcome = await deliver_message(pool, settings, ctx["smtp"], message_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes
