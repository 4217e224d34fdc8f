"""A citizen with a reference and code sees everything held, stops quoting, sharing or contact, downloads it all,
and nobody without the code gets anything."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from uuid import UUID

import asyncpg
import httpx

from engage.boards import service as boards
from engage.boards.models import BoardDraft
from engage.db import transaction
from engage.digests import service as digests
from engage.digests.models import LOCAL, last_full_week
from engage.recommendations import service as recommendations
from engage.recommendations.models import RecommendationDraft
from engage.workers.redaction import redact_contributions
from tests.conftest import create_staff, csrf_from, sign_in
from tests.seed import FRAMEWORK, add_contributions, many

WORDS = "I want the Stockwell lunch club to open on Saturdays, my name is Grace Mensah"


async def give(client: httpx.AsyncClient) -> dict[str, str]:
    response = await client.post(
        "/api/v1/contributions",
        json={
            "kind": "i_statement",
            "text": WORDS,
            "email": "grace@example.org",
            "consent": {"analysis": True, "quote": True, "share": True, "contact": True},
        },
    )
    assert response.status_code == 201
    return dict(response.json())


async def open_page(client: httpx.AsyncClient, receipt: dict[str, str]) -> httpx.Response:
    page = await client.get(f"/your-words?reference={receipt['reference']}&code={receipt['withdrawal_code']}")
    assert receipt["reference"] in page.text, "the link from the receipt fills the form in"
    return await client.post(
        "/your-words",
        data={
            "_csrf_token": csrf_from(page.text),
            "reference": receipt["reference"],
            "code": receipt["withdrawal_code"],
        },
    )


async def test_a_citizen_sees_everything_held_and_downloads_it(client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    receipt = await give(client)
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO contribution_equality (contribution_id, age_band) VALUES ($1, '65 to 74')",
            UUID(receipt["id"]),
        )
        await conn.execute(
            """INSERT INTO contribution_tags (contribution_id, framework_id, theme_id, source, confidence)
               VALUES ($1, $2, 'thrive', 'model', 0.9)""",
            UUID(receipt["id"]),
            FRAMEWORK,
        )
    page = await open_page(client, receipt)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert WORDS in page.text and "grace@example.org" in page.text and "65 to 74" in page.text
    assert "Help us to thrive" in page.text
    download = await client.post(
        "/your-words/download",
        data={
            "_csrf_token": csrf_from(page.text),
            "reference": receipt["reference"],
            "code": receipt["withdrawal_code"],
        },
    )
    assert "attachment" in download.headers["content-disposition"]
    held = json.loads(download.content)
    assert held["text"] == WORDS and held["contact"]["email"] == "grace@example.org"
    assert held["equality"]["age_band"] == "65 to 74" and [t["id"] for t in held["themes"]] == ["thrive"]
    async with pool.acquire() as conn:
        actions = [r["action"] for r in await conn.fetch("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["contribution.seen_by_author", "contribution.downloaded_by_author"]


async def test_a_wrong_code_shows_nothing(client: httpx.AsyncClient) -> None:
    receipt = await give(client)
    page = await open_page(client, {**receipt, "withdrawal_code": "AAAAA-AAAAA"})
    assert page.status_code == 422 and "do not match" in page.text and WORDS not in page.text
    download = await client.post(
        "/your-words/download",
        data={"_csrf_token": csrf_from(page.text), "reference": receipt["reference"], "code": "AAAAA-AAAAA"},
    )
    assert download.status_code == 422 and WORDS not in download.text


async def test_stopping_each_consent_follows_every_copy(client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    receipt = await give(client)
    contribution_id = UUID(receipt["id"])
    week = last_full_week(datetime.now(LOCAL).date())
    day = datetime.combine(week.start, datetime.min.time(), LOCAL) + timedelta(days=2, hours=10)
    admin = await create_staff(pool, "admin")
    async with transaction(pool) as conn:
        await conn.execute(
            "UPDATE contributions SET received_at = $2, quote_approved_at = now() WHERE id = $1", contribution_id, day
        )
        await conn.execute(
            "INSERT INTO contribution_tags (contribution_id, framework_id, theme_id, source, confidence) "
            "VALUES ($1, $2, 'safe', 'model', 0.99)",
            contribution_id,
            FRAMEWORK,
        )
        await add_contributions(conn, many(3, "I want to feel safe", day))
    await redact_contributions(pool, [contribution_id])
    async with transaction(pool) as conn:
        board = await boards.save_board(
            conn,
            admin,
            BoardDraft(id="hwb", name="Board", frequency="weekly", owner_email=admin.email, members=["m@example.org"]),
            framework_id=FRAMEWORK,
        )
        await digests.send_digest(conn, board, week, framework_id=FRAMEWORK)
        assert "lunch club" in await conn.fetchval("SELECT content::text FROM digests")
    page = await open_page(client, receipt)
    assert "1 report" in page.text
    form = {"_csrf_token": csrf_from(page.text), "reference": receipt["reference"], "code": receipt["withdrawal_code"]}
    stopped = await client.post("/your-words/stop", data={**form, "what": "quote"})
    assert "We will not quote your words any more" in stopped.text
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT consent_quote, quote_approved_at FROM contributions WHERE id = $1", contribution_id
        )
        digest = await conn.fetchval("SELECT content::text FROM digests")
    assert row["consent_quote"] is False and row["quote_approved_at"] is None
    assert "lunch club" not in digest and "Removed at its author's request." in digest

    await create_staff(pool, "partner_staff")
    async with httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url)) as partner:
        await sign_in(partner, "partner_staff@test.example")
        assert (await partner.get(f"/staff/contributions/{contribution_id}")).status_code == 200
        await client.post("/your-words/stop", data={**form, "what": "share"})
        assert (await partner.get(f"/staff/contributions/{contribution_id}")).status_code == 404

    await client.post("/your-words/stop", data={**form, "what": "contact"})
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT consent_contact FROM contributions WHERE id = $1", contribution_id) is False
        assert await conn.fetchval("SELECT count(*) FROM contribution_contacts") == 0
        assert (
            await conn.fetchval("SELECT count(*) FROM mail_messages WHERE contribution_id = $1", contribution_id) == 0
        )
    nothing = await client.post("/your-words/stop", data={**form, "what": "everything"})
    assert nothing.status_code == 422


async def test_workshop_participants_get_their_reference_and_code_on_their_phone_only(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    from tests.workshops.test_workshops import open_session, plan, prompt_ids

    workshop_id = await plan(client, pool)
    code = await open_session(client, workshop_id)
    async with httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url)) as phone:
        page = await phone.get(f"/w/{code}")
        assert 'name="consent_analysis" value="yes" checked' not in page.text, "consent is never ticked for them"
        unticked = await phone.post(
            f"/w/{code}",
            data={
                "_csrf_token": csrf_from(page.text),
                "prompt_id": prompt_ids(page.text)[0],
                "text": "More benches",
                "client_key": "a",
            },
        )
        assert unticked.status_code == 422
        posted = await phone.post(
            f"/w/{code}",
            data={
                "_csrf_token": csrf_from(page.text),
                "prompt_id": prompt_ids(page.text)[0],
                "text": "More benches",
                "client_key": "b",
                "consent_analysis": "yes",
            },
        )
    async with pool.acquire() as conn:
        reference = await conn.fetchval("SELECT reference FROM contributions")
    assert reference in posted.text and "Withdrawal code" in posted.text
    board = await client.get(f"/staff/workshops/{workshop_id}/board")
    assert reference not in board.text


async def test_a_citizen_sees_the_recommendation_their_words_are_behind(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    receipt = await give(client)
    admin = await create_staff(pool, "admin")
    async with transaction(pool) as conn:
        board = await boards.save_board(
            conn,
            admin,
            BoardDraft(id="scrutiny", name="Health Scrutiny", frequency="monthly", owner_email=admin.email),
            framework_id=FRAMEWORK,
        )
        await recommendations.record_recommendation(
            conn,
            admin,
            board,
            RecommendationDraft(
                text="Open lunch clubs at weekends.",
                owner="Head of Libraries",
                made_on=datetime.now(LOCAL).date(),
                due_on=datetime.now(LOCAL).date() + timedelta(days=90),
                references=[receipt["reference"]],
            ),
        )
    page = await open_page(client, receipt)
    assert (
        "Behind a recommendation of Health Scrutiny: “Open lunch clubs at weekends.” (awaiting a response" in page.text
    )
