"""Retention: nothing past its period remains once the daily job has run, and the privacy notice says the periods."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import uuid4

import asyncpg
import httpx

from engage.db import transaction
from engage.digests.models import LOCAL
from engage.privacy import service as privacy
from engage.privacy.models import RetentionPeriods
from engage.settings import Settings
from tests.conftest import create_staff, eventually, running_worker
from tests.seed import add_contributions

PERIODS = RetentionPeriods(contacts=365, equality=730, sessions=0, mail=90, audit=2190, withdrawals=2190)


async def seed_old_and_new(pool: asyncpg.Pool) -> None:
    """For each kind of data: one row a day past its period, one a day inside it."""
    user = await create_staff(pool, "admin")
    now = datetime.now(LOCAL)
    async with transaction(pool) as conn:
        old, new = await add_contributions(conn, [{"text": "old", "at": now}, {"text": "new", "at": now}])
        for cid, age in ((old, 366), (new, 364)):
            await conn.execute(
                """INSERT INTO contribution_contacts (contribution_id, email, created_at)
                   VALUES ($1, 'a@example.org', $2)""",
                cid,
                now - timedelta(days=age),
            )
        for cid, age in ((old, 731), (new, 729)):
            await conn.execute(
                "INSERT INTO contribution_equality (contribution_id, age_band, created_at) VALUES ($1, '18 to 24', $2)",
                cid,
                now - timedelta(days=age),
            )
        for hours in (-2, 2):
            await conn.execute(
                "INSERT INTO staff_sessions (token_hash, user_id, expires_at) VALUES ($1, $2, $3)",
                uuid4().bytes,
                user.id,
                now + timedelta(hours=hours),
            )
        for status, age in (("sent", 91), ("failed", 91), ("queued", 91), ("sent", 89)):
            await conn.execute(
                """INSERT INTO mail_messages (id, dedupe_key, template, to_address, status, created_at)
                   VALUES ($1, $2, 'receipt', 'a@example.org', $3::mail_status, $4)""",
                uuid4(),
                str(uuid4()),
                status,
                now - timedelta(days=age),
            )
        for age in (2191, 2189):
            await conn.execute(
                "INSERT INTO audit_log (at, action, subject_type, subject_id) VALUES ($1, 'x', 'y', 'z')",
                now - timedelta(days=age),
            )
            await conn.execute(
                """INSERT INTO withdrawals (contribution_id, reference, kind, received_at, withdrawn_at, via)
                   VALUES ($1, $2, 'story', $3, $3, 'citizen')""",
                uuid4(),
                str(uuid4()),
                now - timedelta(days=age),
            )


async def counts(pool: asyncpg.Pool) -> dict[str, int]:
    async with pool.acquire() as conn:
        return {
            table: int(await conn.fetchval(f"SELECT count(*) FROM {table}"))
            for table in (
                "contribution_contacts",
                "contribution_equality",
                "staff_sessions",
                "mail_messages",
                "audit_log",
                "withdrawals",
            )
        }


async def test_the_daily_job_deletes_what_is_past_its_period_and_nothing_else(pool: asyncpg.Pool) -> None:
    await seed_old_and_new(pool)
    async with transaction(pool) as conn:
        run = await privacy.apply_retention(conn, PERIODS, date.today())
    assert run is not None and run.deleted == {
        "contacts": 1,
        "equality": 1,
        "sessions": 1,
        "mail": 2,
        "audit": 1,
        "withdrawals": 1,
    }
    after = await counts(pool)
    # What is left: each kind's newer row (the queued email is still owed; the retention run wrote one audit entry).
    assert after == {
        "contribution_contacts": 1,
        "contribution_equality": 1,
        "staff_sessions": 1,
        "mail_messages": 2,
        "audit_log": 2,
        "withdrawals": 1,
    }
    async with transaction(pool) as conn:
        assert await privacy.apply_retention(conn, PERIODS, date.today()) is None, "once a day"


async def test_the_worker_applies_retention_from_the_settings(pool: asyncpg.Pool, settings: Settings) -> None:
    await seed_old_and_new(pool)
    async with running_worker(settings), pool.acquire() as conn:
        await eventually(lambda: conn.fetchval("SELECT count(*) = 1 FROM retention_runs"))
    assert (await counts(pool))["contribution_contacts"] == 1


async def test_the_privacy_notice_states_each_period(client: httpx.AsyncClient, settings: Settings) -> None:
    page = await client.get("/privacy")
    assert page.status_code == 200
    for days in (
        settings.retain_contacts_days,
        settings.retain_equality_days,
        settings.retain_mail_days,
        settings.retain_audit_days,
    ):
        assert f"{days} days" in page.text
    assert settings.controller_name in page.text and settings.dpo_contact in page.text
    assert "/privacy" in (await client.get("/give")).text and "/accessibility" in (await client.get("/")).text
