"""Group commit (engage.contributions.intake): submissions that arrive together share one statement and one
commit, and each caller still gets an answer of its own."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest

from engage.contributions import queries
from engage.contributions.intake import IntakeBatcher, IntakeClosed, _InDoubt
from engage.contributions.models import (
    Consent,
    Contact,
    IdempotencyConflict,
    InvalidContribution,
    Submission,
)
from engage.contributions.service import Submitted, prepare_submission
from engage.ids import new_reference, uuid7
from engage.outbox.models import CONTRIBUTION_RECEIVED
from engage.settings import Settings
from engage.workers.main import redis_client
from tests.conftest import app_client, eventually

SECRET = "test-secret-key-that-is-long-enough-for-hmac"


def submission(text: str = "I want one phone number that works.", **fields: Any) -> Submission:
    return Submission(
        **{"kind": "i_statement", "text": text, "consent": Consent(analysis=True), "source": "api", **fields}
    )


@contextlib.asynccontextmanager
async def batcher(
    pool: asyncpg.Pool, settings: Settings, *, window_s: float = 0.2, max_batch: int = 64
) -> AsyncIterator[IntakeBatcher]:
    redis = redis_client(settings.redis_url or "")
    intake = IntakeBatcher(pool, redis, secret=SECRET, window_s=window_s, max_batch=max_batch)
    intake.start()
    try:
        yield intake
    finally:
        await intake.stop()
        await redis.aclose()


async def outcome(intake: IntakeBatcher, sub: Submission) -> Submitted | Exception:
    try:
        return await intake.submit(sub)
    except Exception as exc:
        return exc


async def test_submissions_arriving_together_share_one_commit_and_each_gets_its_own_answer(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    async with batcher(pool, settings) as intake:
        results = await asyncio.gather(
            outcome(intake, submission(idempotency_key="k1", fingerprint="same")),
            outcome(intake, submission(idempotency_key="k1", fingerprint="same")),  # a retry in the same batch
            outcome(intake, submission("Kept apart", idempotency_key="k2", fingerprint="first")),
            outcome(intake, submission("Other words", idempotency_key="k2", fingerprint="other")),  # a clash
            outcome(intake, submission(neighbourhood="atlantis")),
            outcome(intake, submission(programme="no-such-programme")),
            outcome(
                intake,
                submission(
                    "With an email",
                    contact=Contact(email="a@example.org"),
                    consent=Consent(analysis=True, contact=True),
                ),
            ),
            outcome(intake, submission("No key at all", neighbourhood="brixton")),
        )
        assert intake.batches == 1
    first, retry, kept, clash, place, programme, emailed, plain = results
    assert isinstance(first, Submitted) and isinstance(retry, Submitted)
    assert first.created and not retry.created and retry.receipt == first.receipt
    assert isinstance(kept, Submitted) and kept.created
    assert isinstance(clash, IdempotencyConflict)
    assert isinstance(place, InvalidContribution) and place.errors[0].field == "neighbourhood"
    assert isinstance(programme, InvalidContribution) and programme.errors[0].field == "programme"
    assert isinstance(emailed, Submitted) and isinstance(plain, Submitted)
    async with pool.acquire() as conn:
        stored = await conn.fetch("SELECT reference, xmin::text AS xmin FROM contributions ORDER BY reference")
        contacts = await conn.fetchval("SELECT count(*) FROM contribution_contacts")
        events = await conn.fetch("SELECT payload, enqueued_at FROM outbox")
    assert sorted(r["reference"] for r in stored) == sorted(
        r.receipt.reference
        for r in (first, kept, emailed, plain)  # type: ignore[union-attr]
    )
    assert len({r["xmin"] for r in stored}) == 1, "one transaction wrote them all"
    assert contacts == 1
    # Each stored contribution has its event, handed to the queue by the batcher itself after the commit.
    assert len(events) == 4 and all(e["enqueued_at"] is not None for e in events)
    redis = redis_client(settings.redis_url or "")
    try:
        queued = [key for key in await redis.keys("arq:job:events:*")]
    finally:
        await redis.aclose()
    assert queued, "the events' job is on the queue"


async def test_while_the_database_is_busy_a_batch_waits_for_its_window_unless_it_fills(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    async def batches_waiting() -> int:
        return int(
            await pool.fetchval(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND backend_type = 'client backend'"
            )
        )

    async def waiting_are(count: int) -> bool:
        return await batches_waiting() == count

    async with batcher(pool, settings, window_s=1.0, max_batch=3) as intake, pool.acquire() as holder:
        lock = holder.transaction()
        await lock.start()
        await holder.execute("LOCK TABLE contributions IN SHARE MODE")  # every INSERT waits behind it
        try:
            first = asyncio.create_task(intake.submit(submission("The first words")))
            await eventually(lambda: waiting_are(1))
            # The database is busy: two arrivals wait for the window, and the third fills the batch, which goes now.
            filled = [asyncio.create_task(intake.submit(submission(f"Words number {n}"))) for n in range(2)]
            await asyncio.sleep(0.2)
            assert await batches_waiting() == 1
            filled.append(asyncio.create_task(intake.submit(submission("Words number 3"))))
            await eventually(lambda: waiting_are(2), timeout=0.4)
            alone = asyncio.create_task(intake.submit(submission("Words on their own")))
            await asyncio.sleep(0.3)
            assert await batches_waiting() == 2, "a batch that is not full waits for its window"
            await eventually(lambda: waiting_are(3), timeout=1.5)
        finally:
            await lock.rollback()
        done = await asyncio.gather(first, *filled, alone)
    assert all(isinstance(result, Submitted) and result.created for result in done)
    assert intake.batches == 3


async def test_a_batch_the_database_refuses_is_written_again_one_by_one(pool: asyncpg.Pool, settings: Settings) -> None:
    """A row the statement cannot check for itself (here: entered by an account that does not exist) fails the
    whole statement; the batch's members are then written one at a time and only that one is refused."""
    async with batcher(pool, settings) as intake:
        results = await asyncio.gather(
            outcome(intake, submission("First words given")),
            outcome(intake, submission("Second words given", entered_by=uuid.uuid4())),
            outcome(intake, submission("Third words given", idempotency_key="k3", fingerprint="f")),
        )
        assert intake.batches == 1
    first, refused, third = results
    assert isinstance(first, Submitted) and isinstance(third, Submitted)
    assert isinstance(refused, asyncpg.ForeignKeyViolationError)
    async with pool.acquire() as conn:
        texts = [r["text"] for r in await conn.fetch("SELECT text FROM contributions ORDER BY text")]
    assert texts == ["First words given", "Third words given"]


async def test_invalid_words_are_refused_before_they_reach_a_batch(pool: asyncpg.Pool, settings: Settings) -> None:
    async with batcher(pool, settings) as intake:
        with pytest.raises(InvalidContribution) as refused:
            await intake.submit(submission("   "))
        assert refused.value.errors[0].field == "text"
        assert intake.batches == 0


async def test_concurrent_api_requests_in_one_batch_get_their_own_answers(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    """Over HTTP: the first request's batch is held in the database (a lock on its neighbourhood) while the
    others arrive, so they are written together, in the next batch."""
    together = msgspec.structs.replace(settings, intake_batch_window_ms=400)
    body = {"kind": "i_statement", "text": "I want one phone number that works.", "consent": {"analysis": True}}
    async with app_client(together) as client:
        blocker = await pool.acquire()
        transaction = blocker.transaction()
        await transaction.start()
        await blocker.execute("SELECT 1 FROM neighbourhoods WHERE slug = 'clapham' FOR UPDATE")
        held = asyncio.create_task(client.post("/api/v1/contributions", json={**body, "neighbourhood": "clapham"}))
        await asyncio.sleep(0.2)  # its batch is now waiting for the lock

        async def post(json: dict[str, Any], key: str | None = None) -> httpx.Response:
            headers = {"Idempotency-Key": key} if key else {}
            return await client.post("/api/v1/contributions", json=json, headers=headers)

        others = asyncio.gather(
            post(body, "same"),
            post(body, "same"),
            post({**body, "text": "Different words entirely"}, "clash"),
            post(body, "clash"),
            post({**body, "neighbourhood": "atlantis"}),
            post({**body, "text": "Just me, on my own"}),
        )
        await asyncio.sleep(0.2)
        await transaction.rollback()
        await pool.release(blocker)
        responses = await others
        assert (await held).status_code == 201
    same1, same2, clash1, clash2, place, alone = responses
    assert same1.status_code == same2.status_code == 201 and same1.json() == same2.json()
    assert sorted([clash1.status_code, clash2.status_code]) == [201, 409]
    assert place.status_code == 422 and place.json()["errors"][0]["field"] == "neighbourhood"
    assert alone.status_code == 201
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT text, xmin::text AS xmin FROM contributions WHERE neighbourhood IS NULL")
    assert len(rows) == 3  # "same" once, "clash" once, "Just me, on my own"
    assert len({r["xmin"] for r in rows}) == 1, "the requests that arrived together were committed together"


async def test_a_stopped_batcher_writes_what_it_was_given_and_refuses_more(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    async with batcher(pool, settings) as intake:
        pending = asyncio.create_task(intake.submit(submission("Sent just before shutting down")))
        await asyncio.sleep(0)
        await intake.stop()
        assert (await pending).created
        with pytest.raises(IntakeClosed):
            await intake.submit(submission("Too late"))
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM contributions") == 1


async def test_a_batch_in_doubt_is_settled_and_its_committed_events_go_to_the_relay(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    """A batch whose statement timed out (or lost its connection) may still have committed, with its events written
    as already on their way that nobody will hand over. Once the database answers, the batcher ends the session
    that sent it and gives those events to the relay. (tests/test_faults.py does this with a frozen PostgreSQL;
    here the batch is written directly and declared in doubt, so the test needs no signals.)"""
    sender = await asyncpg.connect(settings.database_url or "")  # the session whose answer never came
    try:
        sent_at = datetime.now(UTC)
        contribution_id = uuid7()
        row = queries.NewContribution(
            id=contribution_id, reference=new_reference(), submission=prepare_submission(submission())
        )
        async with pool.acquire() as conn:
            written = await queries.insert_batch(conn, [row], CONTRIBUTION_RECEIVED, handed_over=True)
            assert written[0].inserted
            assert await conn.fetchval("SELECT count(*) FROM outbox WHERE enqueued_at IS NULL") == 0
        pid = sender.get_server_pid()

        async def settled() -> bool:
            async with pool.acquire() as conn:
                alive = await conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid)
                pending = await conn.fetchval(
                    "SELECT count(*) FROM outbox WHERE enqueued_at IS NULL AND payload->>'contribution_id' = $1",
                    str(contribution_id),
                )
            return alive == 0 and pending == 1

        async with batcher(pool, settings) as intake:
            intake._doubt(_InDoubt(pid, sent_at, [contribution_id]))  # what a timed-out batch does
            assert await eventually(settled)
    finally:
        with contextlib.suppress(Exception):
            await sender.close()
