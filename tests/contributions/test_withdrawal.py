"""Withdrawal reaches every copy: one test per place a contribution's words or id live besides its own row."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest

from engage.accounts.models import StaffUser
from engage.assets import service as assets
from engage.assets.models import AssetDraft
from engage.boards import service as boards
from engage.boards.models import BoardDraft
from engage.contributions import queries as contribution_queries
from engage.contributions import service as contributions
from engage.contributions.models import InvalidContribution
from engage.db import transaction
from engage.digests import service as digests
from engage.digests.models import LOCAL, last_full_week
from engage.ids import withdrawal_code
from engage.privacy.visibility import UNRESTRICTED
from engage.programmes import queries as programme_queries
from engage.recommendations import queries as recommendation_queries
from engage.recommendations import service as recommendations
from engage.recommendations.models import RecommendationDraft
from engage.settings import Settings
from engage.tags import queries as tag_queries
from engage.tags import service as tags
from engage.workers.redaction import redact_contributions
from tests.conftest import create_staff, sign_in
from tests.programmes.test_programmes import start
from tests.seed import FRAMEWORK, add_contributions, many

WORDS = "I want the lunch club at the Tate library to open on Saturdays too"


async def withdraw(pool: asyncpg.Pool, settings: Settings, contribution_id: UUID) -> None:
    async with transaction(pool) as conn:
        reference = await conn.fetchval("SELECT reference FROM contributions WHERE id = $1", contribution_id)
        await contributions.withdraw_contribution(
            conn,
            reference,
            withdrawal_code(settings.secret_key, contribution_id),
            secret=settings.secret_key,
            via="citizen",
        )


async def one(pool: asyncpg.Pool, **row: Any) -> UUID:
    async with transaction(pool) as conn:
        return (await add_contributions(conn, [{"text": WORDS, "at": datetime.now(LOCAL), **row}]))[0]


async def test_a_digest_already_built_keeps_its_counts_and_the_quote_says_withdrawn(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    week = last_full_week(datetime.now(LOCAL).date())
    day = datetime.combine(week.start, datetime.min.time(), LOCAL) + timedelta(days=2, hours=10)
    admin = await create_staff(pool, "admin")
    async with transaction(pool) as conn:
        quoted, *_ = await add_contributions(
            conn,
            [{"text": WORDS, "at": day, "quote": True, "approved": True}, *many(4, "I want to feel safe", day)],
        )
        board = await boards.save_board(
            conn,
            admin,
            BoardDraft(id="hwb", name="Board", frequency="weekly", owner_email=admin.email, members=["m@example.org"]),
            framework_id=FRAMEWORK,
        )
        await digests.send_digest(conn, board, week, framework_id=FRAMEWORK)
        before = await conn.fetchval("SELECT content::text FROM digests")
    assert "lunch club" in before
    await withdraw(pool, settings, quoted)
    async with pool.acquire() as conn:
        after = await conn.fetchval("SELECT content::text FROM digests")
    assert "lunch club" not in after and "Withdrawn by its author." in after
    # The counts stay as they were: the digest reported five contributions.
    assert json.loads(after)["total"] == json.loads(before)["total"] == 5


async def test_an_asset_keeps_its_own_facts_and_loses_the_words_copied_from_the_note(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    facilitator = await create_staff(pool, "facilitator")
    note = await one(pool, kind="workshop_note")
    async with transaction(pool) as conn:
        await assets.record_asset(
            conn,
            facilitator,
            AssetDraft(
                kind="group", name="Tate lunch club", offers=WORDS, public_contact="020 7926 1000", from_note=note
            ),
        )
    await withdraw(pool, settings, note)
    async with pool.acquire() as conn:
        asset = await conn.fetchrow("SELECT name, offers, public_contact, from_note FROM community_assets")
    assert asset["name"] == "Tate lunch club" and asset["public_contact"] == "020 7926 1000"
    assert asset["offers"] == "" and asset["from_note"] is None


async def test_clusters_lose_the_member_and_are_computed_again(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings
) -> None:
    await create_staff(pool, "facilitator")
    await sign_in(client, "facilitator@test.example")
    await start(client)
    gone = await one(pool, programme="going-home-from-hospital")
    kept = await one(pool, programme="going-home-from-hospital")
    async with transaction(pool) as conn:
        await programme_queries.save_clusters(
            conn, "going-home-from-hospital", [{"label": "lunch club", "contributions": [str(gone), str(kept)]}]
        )
    await withdraw(pool, settings, gone)
    async with pool.acquire() as conn:
        stored = await conn.fetchval("SELECT clusters::text FROM evidence_clusters")
        requested = await conn.fetchval("SELECT count(*) FROM outbox WHERE topic = 'programme.clusters_requested'")
    assert str(gone) not in stored and str(kept) in stored
    assert requested == 1, "the clusters are computed again, their labels having come from its words too"


async def test_search_no_longer_finds_it(pool: asyncpg.Pool, settings: Settings) -> None:
    contribution_id = await one(pool)
    await redact_contributions(pool, [contribution_id])
    async with pool.acquire() as conn:
        found = "SELECT count(*) FROM contributions WHERE search @@ plainto_tsquery('english', 'lunch club')"
        found_redacted = found.replace("search @@", "search_redacted @@")
        assert await conn.fetchval(found) == 1 and await conn.fetchval(found_redacted) == 1
    await withdraw(pool, settings, contribution_id)
    async with pool.acquire() as conn:
        assert await conn.fetchval(found) == 0 and await conn.fetchval(found_redacted) == 0


async def test_mail_not_yet_sent_goes_with_it(pool: asyncpg.Pool, settings: Settings) -> None:
    contribution_id = await one(pool)
    async with transaction(pool) as conn:
        await conn.execute("UPDATE contributions SET consent_contact = true WHERE id = $1", contribution_id)
        await conn.execute(
            "INSERT INTO contribution_contacts (contribution_id, email) VALUES ($1, 'ama@example.org')",
            contribution_id,
        )
        await conn.execute(
            """INSERT INTO mail_messages (id, dedupe_key, template, to_address, contribution_id)
               VALUES (gen_random_uuid(), 'receipt:x', 'receipt', 'ama@example.org', $1)""",
            contribution_id,
        )
    await withdraw(pool, settings, contribution_id)
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM mail_messages") == 0
        assert await conn.fetchval("SELECT count(*) FROM contribution_contacts") == 0


async def test_a_withdrawn_text_never_trains_a_later_model(pool: asyncpg.Pool, settings: Settings) -> None:
    facilitator: StaffUser = await create_staff(pool, "facilitator")
    contribution_id = await one(pool, themes=["thrive"])
    async with transaction(pool) as conn:
        framework = await tag_queries.get_framework(conn, FRAMEWORK)
        assert framework is not None
        await tags.review_contribution(conn, contribution_id, framework, ["thrive", "listen"], reviewer=facilitator.id)
        assert any(c.text == WORDS for c in await tags.training_corrections(conn, FRAMEWORK))
    await withdraw(pool, settings, contribution_id)
    async with pool.acquire() as conn:
        assert not any(c.text == WORDS for c in await tags.training_corrections(conn, FRAMEWORK))


async def test_the_live_board_forgets_the_note(pool: asyncpg.Pool, settings: Settings) -> None:
    note = await one(pool, kind="workshop_note")
    async with transaction(pool) as conn:
        await conn.execute(
            "INSERT INTO programmes (slug, name, purpose, framework_id, discovery_from, define_from, "
            "develop_from, ends_on) VALUES ('pp', 'P', 'x', $1, '2026-01-01', '2026-02-01', "
            "'2026-03-01', '2026-04-01')",
            FRAMEWORK,
        )
        workshop = await conn.fetchval(
            "INSERT INTO workshops (id, programme, title, held_on) VALUES (gen_random_uuid(), 'pp', 'W', '2026-01-02') "
            "RETURNING id"
        )
        prompt = await conn.fetchval(
            "INSERT INTO workshop_prompts (id, workshop_id, position, text) VALUES (gen_random_uuid(), $1, 1, 'Q') "
            "RETURNING id",
            workshop,
        )
        await conn.execute(
            "INSERT INTO workshop_notes (contribution_id, workshop_id, prompt_id) VALUES ($1, $2, $3)",
            note,
            workshop,
            prompt,
        )
        await conn.execute(
            "INSERT INTO board_events (workshop_id, kind, contribution_id, payload) VALUES ($1, 'note', $2, '{}')",
            workshop,
            note,
        )
    await withdraw(pool, settings, note)
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM board_events") == 0
        assert await conn.fetchval("SELECT count(*) FROM workshop_notes") == 0
        assert await conn.fetchval("SELECT count(*) FROM contributions WHERE id = $1", note) == 0
        assert await conn.fetchval("SELECT count(*) FROM withdrawals") == 1


async def test_staff_withdraw_for_someone_who_asks_with_a_reason_in_the_audit_trail(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    contribution_id = await one(pool)
    governance = await create_staff(pool, "governance")
    facilitator = await create_staff(pool, "facilitator")
    async with transaction(pool) as conn:
        with pytest.raises(InvalidContribution, match="role"):
            await contributions.withdraw_on_behalf(conn, governance, contribution_id, reason="Asked by phone today")
        with pytest.raises(InvalidContribution, match="reason"):
            await contributions.withdraw_on_behalf(conn, facilitator, contribution_id, reason="x")
    async with transaction(pool) as conn:
        reference = await contributions.withdraw_on_behalf(
            conn, facilitator, contribution_id, reason="Asked by phone on 3 March; date and place checked"
        )
        assert await contribution_queries.get_contribution(conn, contribution_id, UNRESTRICTED) is None
        withdrawal = await conn.fetchrow("SELECT * FROM withdrawals")
        entry = await conn.fetchrow("SELECT * FROM audit_log WHERE action = 'contribution.withdrawn'")
    assert withdrawal["reference"] == reference and withdrawal["via"] == "staff"
    assert withdrawal["withdrawn_by"] == facilitator.id and "3 March" in withdrawal["reason"]
    assert entry["actor_user_id"] == facilitator.id and "3 March" in entry["detail"]


async def test_a_recommendation_keeps_its_own_facts_and_counts_one_contribution_fewer(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    contribution_id = await one(pool)
    kept = await one(pool)
    admin = await create_staff(pool, "admin")
    async with transaction(pool) as conn:
        board = await boards.save_board(
            conn,
            admin,
            BoardDraft(id="scrutiny", name="Scrutiny", frequency="monthly", owner_email=admin.email),
            framework_id=FRAMEWORK,
        )
        references = [
            await conn.fetchval("SELECT reference FROM contributions WHERE id = $1", i) for i in (contribution_id, kept)
        ]
        await recommendations.record_recommendation(
            conn,
            admin,
            board,
            RecommendationDraft(
                text="Open the lunch club on Saturdays.",
                owner="Head of Libraries",
                made_on=datetime.now(LOCAL).date(),
                references=references,
            ),
        )
    await withdraw(pool, settings, contribution_id)
    async with pool.acquire() as conn:
        found = await recommendation_queries.list_recommendations(conn)
        assert [(r.text, r.contributions) for r in found] == [("Open the lunch club on Saturdays.", 1)]
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM recommendation_contributions WHERE contribution_id = $1", contribution_id
            )
            == 0
        )
