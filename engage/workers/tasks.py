"""The jobs. Each takes ids, re-reads what it needs, and can run twice without doing anything twice."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from arq import Retry

from engage.accounts import queries as accounts
from engage.boards import queries as board_queries
from engage.dashboards import service as dashboards
from engage.db import Connection, Lock, advisory_lock, transaction
from engage.digests import queries as digest_queries
from engage.digests import service as digests
from engage.digests.models import LOCAL
from engage.mail import queries as mail_queries
from engage.mail import service as mail
from engage.outbox import queries as outbox
from engage.outbox import service as relay
from engage.outbox.models import (
    CLUSTERS_REQUESTED,
    COMMENT_POSTED,
    CONTRIBUTION_RECEIVED,
    CONTRIBUTION_TRANSLATED,
    CONTRIBUTION_WITHDRAWN,
    RETRAIN_REQUESTED,
    Event,
)
from engage.privacy import service as privacy
from engage.privacy.models import RetentionPeriods
from engage.settings import Settings
from engage.workers.clustering import cluster_programme
from engage.workers.redaction import redact_comments, redact_contributions
from engage.workers.tagging import retag_stale, tag_contributions

log = logging.getLogger(__name__)

Ctx = dict[str, Any]


async def _dispatch(conn: Connection, events: list[Event]) -> None:
    """Handle a batch of events, one statement per topic rather than one per event."""
    received = [UUID(e.payload["contribution_id"]) for e in events if e.topic == CONTRIBUTION_RECEIVED]
    await mail.queue_receipts(conn, received)
    for event in events:
        # Withdrawal: everything derived from a contribution is deleted with it by foreign keys. A retraining
        # request is acted on after the commit (see handle_events).
        handled = (
            CONTRIBUTION_RECEIVED,
            CONTRIBUTION_TRANSLATED,
            CONTRIBUTION_WITHDRAWN,
            RETRAIN_REQUESTED,
            CLUSTERS_REQUESTED,
            COMMENT_POSTED,
        )
        if event.topic not in handled:
            log.warning("no handler for event topic %s (event %d)", event.topic, event.id)


async def handle_events(ctx: Ctx, event_ids: list[int]) -> dict[str, int]:
    pool: asyncpg.Pool = ctx["pool"]
    settings: Settings = ctx["settings"]
    # While intake surges the web and PostgreSQL need the processors; these events' work (in the worker and in
    # the database) waits, up to surge_wait_s (and half the job's time), and then catches up.
    await relay.wait_out_surge(ctx["redis"], min(settings.surge_wait_s, settings.job_timeout_s / 2))
    try:
        async with transaction(pool) as conn:
            events = await outbox.claim_for_processing(conn, event_ids)
            await _dispatch(conn, events)
        # Re-read every event of the batch, processed now or earlier: a run that died after the commit above
        # still owes its tags and emails. Tagging skips what the current model has already tagged.
        async with pool.acquire() as conn:
            batch = await outbox.get_events(conn, event_ids)
        # A translation is tagged and redacted like new words (its receipt went out when the words arrived).
        contribution_ids = [
            UUID(e.payload["contribution_id"])
            for e in batch
            if e.topic in (CONTRIBUTION_RECEIVED, CONTRIBUTION_TRANSLATED)
        ]
        tagged = await tag_contributions(pool, settings, ctx["tagger"], contribution_ids) if contribution_ids else None
        if contribution_ids:
            await redact_contributions(pool, contribution_ids)
        comment_ids = [UUID(e.payload["comment_id"]) for e in batch if e.topic == COMMENT_POSTED]
        if comment_ids:
            await redact_comments(pool, comment_ids, limit=len(comment_ids))
        async with pool.acquire() as conn:
            due = await mail_queries.due_message_ids(conn, contribution_ids=contribution_ids, limit=10_000)
    except (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError) as exc:
        raise Retry(defer=min(60, 2 ** ctx.get("job_try", 1))) from exc
    if any(event.topic == RETRAIN_REQUESTED for event in events):
        ctx["trainer"].start()
    for slug in {str(e.payload["programme"]) for e in events if e.topic == CLUSTERS_REQUESTED}:
        await cluster_programme(pool, settings, ctx["tagger"], slug)
    delivered = await ctx["mail"].deliver(due, budget_s=settings.job_timeout_s / 2)
    return {
        "events": len(events),
        "tagged": tagged.tagged if tagged else 0,
        "flagged": len(tagged.flagged) if tagged else 0,
        "mail_sent": delivered.get("sent", 0),
    }


async def weekly_retrain(ctx: Ctx) -> dict[str, bool]:
    """Start retraining in the background (see `engage.workers.retraining.TrainingRunner`)."""
    return {"started": ctx["trainer"].start()}


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
    # While intake surges, the events' own jobs wait it out (handle_events): repairing their contributions here
    # would do their work at the very moment it is held back. The next sweep looks again.
    if not await relay.surging(ctx["redis"]):
        # Contributions an older model tagged (after a promotion), or that slipped through: a time-boxed share of
        # each sweep. Any alerts it raises are delivered below.
        outcomes["retagged"] = await retag_stale(pool, settings, ctx["tagger"], budget_s=settings.job_timeout_s / 3)
        outcomes["redacted"] = await ctx["redactions"].run(pool, budget_s=settings.job_timeout_s / 6)
        # Comments an event did not reach, or that an older redactor redacted (few: one small query when none are).
        outcomes["comments_redacted"] = await redact_comments(pool)
        if outcomes["retagged"]:
            async with pool.acquire() as conn:
                due = [*due, *await mail_queries.due_message_ids(conn, limit=500)]
    outcomes.update(await ctx["mail"].deliver([*stuck, *due], budget_s=settings.job_timeout_s / 3))
    return outcomes


async def send_due_digests(ctx: Ctx) -> dict[str, int]:
    """Build every digest a board's schedule owes (one transaction per board: the digest and all its emails,
    or nothing), then deliver them. A second run, or a second worker, finds them built and builds nothing."""
    pool: asyncpg.Pool = ctx["pool"]
    settings: Settings = ctx["settings"]
    now = datetime.now(LOCAL)
    async with pool.acquire() as conn:
        board_ids = await digest_queries.boards_for_schedule(conn)
    built = 0
    for board_id in board_ids:
        async with transaction(pool) as conn:
            board = await board_queries.get_board(conn, board_id)
            period = digests.due_period(board, now.date()) if board else None
            if board is None or period is None or (period.end == now.date() and now.hour < settings.digest_send_hour):
                continue
            if await digest_queries.has_digest(conn, board_id, period.start, period.end):
                continue
            # When this worker first found the digest owed: the grace for an untagged period counts from there.
            since = ctx.setdefault("digests_waiting", {}).setdefault((board_id, period.start), now)
            if not await digests.ready_to_send(conn, period, waiting_since=since, now=now):
                log.info("digest for %s, %s, waits for tagging to catch up", board_id, period.label)
                continue
            ctx["digests_waiting"].pop((board_id, period.start), None)
            framework_id = board.framework_id or settings.framework
            if await digests.send_digest(conn, board, period, framework_id=framework_id, today=now.date()):
                built += 1
                log.info("digest for %s, %s, queued", board_id, period.label)
    outcomes: dict[str, int] = {"built": built}
    if built:  # start delivering now; the sweep carries on with whatever this job's time does not cover
        async with pool.acquire() as conn:
            due = await mail_queries.due_message_ids(conn, limit=10_000)
        outcomes.update(await ctx["mail"].deliver(due, budget_s=settings.job_timeout_s / 2))
    return outcomes


async def refresh_dashboard(ctx: Ctx) -> dict[str, int]:
    """Keep the dashboard's rollups fresh and fold the digests' day counts; one worker at a time (the advisory
    lock), the others skip; nobody while intake surges (digests read unfolded counts too)."""
    pool: asyncpg.Pool = ctx["pool"]
    settings: Settings = ctx["settings"]
    if await relay.surging(ctx["redis"]):  # a refresh is seconds of PostgreSQL's time: the next minute will do
        return {"surge": 1}
    async with pool.acquire() as conn, advisory_lock(conn, Lock.DASHBOARD_ROLLUPS) as held:
        if not held:
            return {"skipped": 1}
        folded = await digest_queries.fold_day_counts(conn)
        took = await dashboards.refresh_if_stale(conn, settings.dashboard_refresh_s)
    return {"folded": folded, **({"refreshed_ms": took} if took is not None else {})}


async def apply_retention(ctx: Ctx) -> dict[str, int]:
    """Delete personal data past its retention period (once a day, whichever worker gets there first)."""
    pool: asyncpg.Pool = ctx["pool"]
    settings: Settings = ctx["settings"]
    async with transaction(pool) as conn:
        run = await privacy.apply_retention(conn, RetentionPeriods.from_settings(settings), datetime.now(LOCAL).date())
    return run.deleted if run else {}
