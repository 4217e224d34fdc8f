"""The evidence board as the programmes service gives it: one call decides what each reader may see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import msgspec

from engage.contributions import service as contributions
from engage.contributions.models import ContributionFilters
from engage.db import transaction
from engage.privacy.models import SMALLEST_GROUP_SHOWN
from engage.privacy.visibility import sight_for
from engage.programmes import service as programmes
from engage.programmes.models import EvidenceQuery
from tests.conftest import create_staff, csrf_from, sign_in
from tests.programmes.test_programmes import start
from tests.propositions.test_propositions import PROGRAMME
from tests.seed import FRAMEWORK, add_contributions

OLDEST = datetime(2026, 2, 1, tzinfo=UTC)


async def seed(pool: asyncpg.Pool) -> None:
    """Eight about 'safe' (six from people aged 75 or over), two about 'easier' (both 75 or over), a day apart."""
    rows = [
        {
            "text": f"Getting home safely {i}",
            "themes": ["safe"],
            "equality": {"age_band": "75 or over"} if i < 6 else None,
        }
        for i in range(8)
    ] + [
        {"text": f"Easier to get help {i}", "themes": ["easier"], "equality": {"age_band": "75 or over"}}
        for i in range(2)
    ]
    async with transaction(pool) as conn:
        await add_contributions(
            conn,
            [{**row, "programme": PROGRAMME, "at": OLDEST + timedelta(days=day)} for day, row in enumerate(rows)],
        )


async def test_an_equality_group_gives_counts_only_small_ones_hidden_to_readers_without_equality_answers(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    facilitator = await create_staff(pool, "facilitator")
    admin = await create_staff(pool, "admin")
    await sign_in(client, "facilitator@test.example")
    assert (await start(client)).status_code == 303
    await seed(pool)
    older = EvidenceQuery(age_band="75 or over")
    async with transaction(pool) as conn:
        counted = await programmes.view_evidence(conn, PROGRAMME, facilitator, older)
        listed = await programmes.view_evidence(conn, PROGRAMME, admin, older)
    assert counted is not None and listed is not None
    assert counted.counts_only and not listed.counts_only
    counts = {t.id: t.count for t in counted.themes}
    assert counts["safe"] == 6 >= SMALLEST_GROUP_SHOWN
    assert counts["easier"] is None, "two people: fewer than the smallest group shown"
    assert all(not t.newest for t in counted.themes), "nobody listed: that would tell each person's answer"
    assert {t.id: t.count for t in listed.themes}["easier"] == 2
    page = await client.get(f"/staff/programmes/{PROGRAMME}/evidence?age_band=75+or+over")
    assert f"fewer than {SMALLEST_GROUP_SHOWN}" in page.text and "Getting home safely" not in page.text


async def test_each_themes_newest_come_in_one_query_as_the_contribution_list_gives_them(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    facilitator = await create_staff(pool, "facilitator")
    await sign_in(client, "facilitator@test.example")
    assert (await start(client)).status_code == 303
    await seed(pool)
    sight = sight_for(facilitator)
    async with transaction(pool) as conn:
        board = await programmes.view_evidence(conn, PROGRAMME, facilitator, EvidenceQuery(neighbourhood="nowhere"))
        assert board is not None
        assert board.query.neighbourhood == "", "a neighbourhood not the programme's is ignored"
        filters = ContributionFilters(programme=PROGRAMME, framework=FRAMEWORK, per_page=programmes.NEWEST_PER_THEME)
        for theme in board.themes:
            page = await contributions.list_contributions(conn, sight, msgspec.structs.replace(filters, theme=theme.id))
            assert [c.id for c in theme.newest] == [c.id for c in page.items], theme.id
    safe = next(t for t in board.themes if t.id == "safe")
    assert safe.count == 8 and safe.newest[0].text == "Getting home safely 7", "newest first"
    assert len(safe.newest) == programmes.NEWEST_PER_THEME


async def test_grouping_the_evidence_is_asked_for_by_those_who_run_programmes_and_recorded(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    await create_staff(pool, "facilitator")
    await sign_in(client, "facilitator@test.example")
    assert (await start(client)).status_code == 303
    page = await client.get(f"/staff/programmes/{PROGRAMME}/evidence")
    assert "Group by similarity" in page.text
    asked = await client.post(
        f"/staff/programmes/{PROGRAMME}/evidence/clusters",
        data={"_csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert asked.status_code == 303 and asked.headers["location"] == f"/staff/programmes/{PROGRAMME}/evidence"
    await create_staff(pool, "governance")
    await sign_in(client, "governance@test.example")
    page = await client.get(f"/staff/programmes/{PROGRAMME}/evidence")
    assert page.status_code == 200 and "Group by similarity" not in page.text
    refused = await client.post(
        f"/staff/programmes/{PROGRAMME}/evidence/clusters", data={"_csrf_token": csrf_from(page.text)}
    )
    assert refused.status_code == 403
    async with pool.acquire() as conn:
        events = await conn.fetchval("SELECT count(*) FROM outbox WHERE topic = 'programme.clusters_requested'")
        audited = await conn.fetchval("SELECT count(*) FROM audit_log WHERE action = 'programme.clusters_requested'")
    assert events == 1 and audited == 1
