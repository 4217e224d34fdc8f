"""The day counts a digest reads (migrations/0014) say exactly what the contributions themselves say, whichever
way the contributions, their themes and their equality answers were written, changed or removed."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import asyncpg

from engage.contributions.models import Consent, Equality, Submission
from engage.contributions.service import submit_contribution
from engage.db import transaction
from engage.digests import queries
from engage.digests.models import LOCAL, Period, last_full_month
from engage.digests.queries import Filters
from engage.tags import queries as tag_queries
from tests.conftest import create_staff
from tests.seed import FRAMEWORK, add_contributions, many

SECRET = "test-secret-key-that-is-long-enough-for-hmac"
BLACK = "Black, Black British, Caribbean or African"


async def add_programme(conn: asyncpg.Connection, slug: str, admin: Any) -> None:
    await conn.execute(
        """INSERT INTO programmes (slug, name, purpose, framework_id, discovery_from, define_from, develop_from,
                                   ends_on, created_by)
           VALUES ($1, $1, 'Test', $2, '2025-01-01', '2026-06-01', '2026-09-01', '2027-12-31', $3)""",
        slug,
        FRAMEWORK,
        admin.id,
    )


async def both_ways(conn: asyncpg.Connection, period: Period, filters: Filters) -> None:
    """The figures from the day counts equal the figures from the contributions."""
    since, split = period.previous().bounds()
    _, until = period.bounds()
    exact = await queries.counts(conn, since, split, until, filters)
    by_day = await queries.counts_by_day(conn, period.previous().start, period.start, period.end, filters)
    assert by_day == exact, filters
    if not filters.themes:
        assert await queries.equality_counts_by_day(conn, period.start, period.end, filters) == (
            await queries.equality_counts(conn, *period.bounds(), filters)
        ), filters


async def test_day_counts_match_the_contributions_through_every_kind_of_write(pool: asyncpg.Pool) -> None:
    admin = await create_staff(pool, "admin")
    today = datetime.now(LOCAL).date()
    period = Period(today - timedelta(days=14), today - timedelta(days=7))
    month = last_full_month(today)  # read as whole months: one row per key (and the deltas not folded yet)
    start = datetime.combine(period.start, time(), LOCAL)
    before = start - timedelta(days=3)
    first_of_month = datetime.combine(month.start, time(), LOCAL)
    rows = [
        *many(
            3,
            "First thing in the month",
            first_of_month + timedelta(minutes=5),
            themes=["safe"],
            equality={"carer": "No"},
        ),
        *many(
            2,
            "Last thing in the month",
            datetime.combine(month.end, time(), LOCAL) - timedelta(minutes=5),
            themes=["listen"],
            neighbourhood="clapham",
            programme="going-home",
        ),
        *many(2, "The month before", first_of_month - timedelta(days=10), themes=["safe"], equality={"carer": "Yes"}),
        *many(5, "I want to feel safe", start + timedelta(hours=10), themes=["safe"], equality={"ethnicity": BLACK}),
        *many(
            3,
            "Easier booking",
            start + timedelta(days=2),
            themes=["easier", "listen"],
            neighbourhood="clapham",
            programme="going-home",
            equality={"age_band": "25 to 34", "carer": "Yes"},
        ),
        *many(2, "Just past midnight", start + timedelta(minutes=30), themes=["thrive"], neighbourhood="stockwell"),
        *many(2, "Just before midnight", start - timedelta(minutes=30), themes=["thrive"]),
        *many(
            4,
            "The week before",
            before,
            themes=["safe", "quality"],
            programme="going-home",
            equality={"disability": "No"},
        ),
        *many(2, "Nowhere in particular", start + timedelta(days=4), themes=["choice"], neighbourhood=None),
    ]
    async with transaction(pool) as conn:
        await add_programme(conn, "going-home", admin)
        ids = await add_contributions(conn, rows)
        # Through intake's own statement too, with equality answers.
        for n in range(3):
            await submit_contribution(
                conn,
                Submission(
                    kind="story",
                    text=f"Given through intake {n}",
                    consent=Consent(analysis=True),
                    source="web_form",
                    neighbourhood="brixton",
                    received_at=start + timedelta(days=1),
                    equality=Equality(age_band="75 or over", ethnicity="White British"),
                ),
                secret=SECRET,
            )
    filters = [
        Filters(framework_id=FRAMEWORK, themes=[], neighbourhoods=[], programmes=[]),
        Filters(framework_id=FRAMEWORK, themes=[], neighbourhoods=["brixton", "clapham"], programmes=[]),
        Filters(framework_id=FRAMEWORK, themes=[], neighbourhoods=[], programmes=["going-home"]),
        Filters(framework_id=FRAMEWORK, themes=[], neighbourhoods=["clapham"], programmes=["going-home"]),
        # One theme: the board's contributions are those carrying it, counted from the theme's own counts.
        Filters(framework_id=FRAMEWORK, themes=["safe"], neighbourhoods=[], programmes=[]),
        Filters(framework_id=FRAMEWORK, themes=["listen"], neighbourhoods=["clapham"], programmes=["going-home"]),
    ]
    async with pool.acquire() as conn:
        for f in filters:
            await both_ways(conn, period, f)
            await both_ways(conn, month, f)
    async with transaction(pool) as conn:
        # A person's review takes one theme away and gives another; a new model re-tags another contribution.
        await tag_queries.record_review(conn, ids[0], FRAMEWORK, {"safe": False, "choice": True}, admin.id)
        await conn.execute("DELETE FROM contribution_tags WHERE contribution_id = $1 AND source = 'model'", ids[5])
        await conn.execute(
            """INSERT INTO contribution_tags (contribution_id, framework_id, theme_id, source, confidence)
               VALUES ($1, $2, 'safe', 'model', 0.7)""",
            ids[5],
            FRAMEWORK,
        )
        # Should anything ever move a contribution to another place, programme or day, its counts move with it.
        await conn.execute(
            "UPDATE contributions SET neighbourhood = 'stockwell', programme = 'going-home' WHERE id = $1", ids[8]
        )
        await conn.execute(
            "UPDATE contributions SET received_at = received_at - interval '20 days' WHERE id = $1", ids[9]
        )
        # A withdrawal takes the contribution, its themes and its answers; retention takes someone's answers.
        await conn.execute("DELETE FROM contributions WHERE id = $1", ids[1])
        await conn.execute("DELETE FROM contribution_equality WHERE contribution_id = $1", ids[6])
    async with pool.acquire() as conn:
        for f in filters:
            await both_ways(conn, period, f)
            await both_ways(conn, month, f)
        folded = await queries.fold_day_counts(conn)
        assert folded > 0
        assert await conn.fetchval("SELECT count(*) FROM contribution_days WHERE NOT folded") == 0
        assert await conn.fetchval("SELECT count(*) FROM contribution_months WHERE month = $1", month.start)
        for f in filters:
            await both_ways(conn, period, f)
            await both_ways(conn, month, f)
        # A change after the fold is read from its delta, beside the month's row.
        await conn.execute("DELETE FROM contributions WHERE text = 'First thing in the month (0)'")
        for f in filters:
            await both_ways(conn, month, f)
        assert await queries.fold_day_counts(conn) > 0
        # Folding again finds nothing new and changes nothing.
        assert await queries.fold_day_counts(conn) == 0
        for f in filters:
            await both_ways(conn, period, f)
            await both_ways(conn, month, f)
