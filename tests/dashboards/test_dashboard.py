"""The governance dashboard: numbers from the rollups, drill-down to de-identified words, CSV, and bad input."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import asyncpg
import httpx

from engage.dashboards import queries as dashboard_queries
from engage.dashboards import service as dashboards
from engage.dashboards.models import DashboardQuery
from engage.db import transaction
from engage.digests.models import LOCAL
from engage.settings import Settings
from tests.conftest import create_staff, eventually, running_worker, sign_in
from tests.seed import FRAMEWORK, add_contributions, many


def this_month_and_last() -> tuple[datetime, datetime]:
    today = datetime.now(LOCAL)
    first = today.replace(day=1, hour=12, minute=0, second=0, microsecond=0)
    return first, (first - timedelta(days=3)).replace(day=1)


async def seed(pool: asyncpg.Pool, *, refresh: bool = False) -> None:
    now, before = this_month_and_last()
    async with transaction(pool) as conn:
        await add_contributions(
            conn,
            [
                *many(7, "I want to feel safe", now, themes=["safe"]),
                *many(3, "I want to be listened to", now, themes=["listen"], neighbourhood="clapham"),
                *many(4, "I want it easier", before, themes=["easier"]),
                {
                    "text": "My name is Amara and my number is 07700 900123. I want to feel safe at home",
                    "at": now,
                    "themes": ["safe"],
                },
                {"text": "SECRET words of a person at risk", "at": now, "themes": ["safe"], "flagged": True},
            ],
        )
        if refresh:  # what the worker does every few minutes (the first test checks that it does)
            await dashboard_queries.refresh_rollups(conn)


async def test_the_dashboard_shows_trends_places_flags_and_responses_from_fresh_rollups(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings
) -> None:
    await seed(pool)
    await create_staff(pool, "governance")
    await sign_in(client, "governance@test.example")
    # The worker refreshes the rollups when it starts.
    async with running_worker(settings), pool.acquire() as conn:
        await eventually(lambda: conn.fetchval("SELECT count(*) = 2 FROM rollup_refreshes"), timeout=20)
    page = await client.get("/staff/dashboard?months=3")
    assert page.status_code == 200
    html = page.text
    now = this_month_and_last()[0]
    assert 'role="img"' in html and "<desc" in html and "<title" in html
    assert "the most mentioned theme was Help us to feel safe, secure and protected from harm (9 contributions)" in html
    assert "2 contributions flagged" not in html and "1 contribution flagged" in html
    assert "SECRET" not in html and "07700" not in html

    async with pool.acquire() as conn:
        dash = await dashboards.build_dashboard(conn, FRAMEWORK, DashboardQuery(months=3), now.date())
    counts = {s.theme_id: s.counts for s in dash.series}
    assert counts["safe"][-1] == 9 and counts["listen"][-1] == 3 and counts["easier"][-2] == 4
    assert dash.totals[-1] == 12 and dash.totals[-2] == 4 and dash.flagged[-1] == 1
    places = {p.name: p.contributions for p in dash.places}
    assert places["Brixton"] == 13 and places["Clapham"] == 3 and places["Vauxhall"] == 0

    download = await client.get("/staff/dashboard?months=3&format=csv")
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[0] == ["month", "theme", "contributions"]
    assert [now.strftime("%Y-%m"), "Listen to us", "3"] in rows

    clapham = await client.get("/staff/dashboard?months=3&neighbourhood=clapham")
    async with pool.acquire() as conn:
        only = await dashboards.build_dashboard(
            conn, FRAMEWORK, DashboardQuery(months=3, neighbourhood="clapham"), now.date()
        )
    assert clapham.status_code == 200 and only.totals[-1] == 3


async def test_drilling_down_shows_redacted_words_never_flagged_ones_and_is_audited(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    await seed(pool, refresh=True)
    await create_staff(pool, "governance")
    await sign_in(client, "governance@test.example")
    month = this_month_and_last()[0].strftime("%Y-%m")
    page = await client.get(f"/staff/dashboard/contributions?month={month}&theme=safe&months=3")
    assert page.status_code == 200
    assert "9 contributions tagged Help us to feel safe" in page.text
    assert "1 flagged as a possible safeguarding concern is counted but not shown" in page.text
    assert "SECRET" not in page.text and "07700 900123" not in page.text and "Amara" not in page.text
    assert "I want to feel safe at home" in page.text and "ENG-" not in page.text
    download = await client.get(f"/staff/dashboard/contributions?month={month}&theme=safe&months=3&format=csv")
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 8 and not any("SECRET" in cell for row in rows for cell in row)
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM audit_log WHERE action = 'dashboard.drill_down'") == 2


async def test_bad_dashboard_input_gets_a_clear_answer(client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    await create_staff(pool, "governance")
    await sign_in(client, "governance@test.example")
    for url, reason in [
        ("/staff/dashboard?months=7", "months: Choose 3, 6, 12, 24 months."),
        ("/staff/dashboard?neighbourhood=atlantis", "neighbourhood: No such neighbourhood."),
        ("/staff/dashboard?programme=nope", "programme: No such programme."),
        ("/staff/dashboard/contributions?month=2026-13", "month: give a month as YYYY-MM."),
        ("/staff/dashboard/contributions?theme=made-up", "is not a theme of"),
    ]:
        response = await client.get(url)
        assert response.status_code == 400 and reason in response.text, (url, response.text[:200])
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM audit_log WHERE action NOT LIKE 'sign_in.%'") == 0


async def test_partner_staff_drill_down_only_to_words_shared_with_partners(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    await seed(pool, refresh=True)
    async with pool.acquire() as conn:
        await conn.execute("UPDATE contributions SET consent_share = true WHERE text LIKE 'I want to be listened to%'")
    await create_staff(pool, "partner_staff")
    await sign_in(client, "partner_staff@test.example")
    page = await client.get("/staff/dashboard/contributions?months=3")
    assert page.status_code == 200 and page.text.count('class="contribution"') == 3
    assert "I want to feel safe" not in page.text


async def test_the_dashboard_follows_any_framework_the_worker_tags(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    await create_staff(pool, "governance")
    await sign_in(client, "governance@test.example")
    outcomes = await client.get("/staff/dashboard?framework=lambeth-outcomes")
    assert outcomes.status_code == 200 and "I live independently" in outcomes.text
    assert "framework=lambeth-outcomes" in outcomes.text, "drill-down links keep the framework"
    areas = await client.get("/staff/dashboard?framework=lambeth-together-outcomes")
    assert areas.status_code == 200 and "Make it easier for us" not in areas.text.split("<table")[1]
    assert (await client.get("/staff/dashboard?framework=nope")).status_code == 400
    assert (await client.get("/staff/dashboard/contributions?framework=nope")).status_code == 400
