"""The only SQL for the governance dashboard. Views read the monthly rollups (materialized views, refreshed by
the worker) so that each stays well under 50 ms at a million contributions; drill-down reads the base tables
for one month, which the received_at index keeps quick."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from datetime import time as time_of_day
from typing import Any

import msgspec

from engage.dashboards.models import DrillContribution, PlaceMonth, ThemeMonth, ThemePlace
from engage.db import Connection
from engage.privacy.visibility import Sight, visible, words

ROLLUPS = ("theme_monthly", "contribution_monthly")


async def theme_months(
    conn: Connection, framework_id: str, since: date, neighbourhood: str, programme: str
) -> list[ThemeMonth]:
    records = await conn.fetch(
        """SELECT month, theme_id, sum(contributions)::integer AS n FROM theme_monthly
               WHERE framework_id = $1 AND month >= $2 AND ($3 = '' OR neighbourhood = $3)
                 AND ($4 = '' OR programme = $4)
               GROUP BY 1, 2""",
        framework_id,
        since,
        neighbourhood,
        programme,
    )
    return [msgspec.convert(dict(r), ThemeMonth) for r in records]


async def theme_places(conn: Connection, framework_id: str, since: date, programme: str) -> list[ThemePlace]:
    records = await conn.fetch(
        """SELECT neighbourhood, theme_id, sum(contributions)::integer AS n FROM theme_monthly
               WHERE framework_id = $1 AND month >= $2 AND ($3 = '' OR programme = $3)
               GROUP BY 1, 2""",
        framework_id,
        since,
        programme,
    )
    return [msgspec.convert(dict(r), ThemePlace) for r in records]


async def contribution_months(conn: Connection, since: date, neighbourhood: str, programme: str) -> list[PlaceMonth]:
    """Per month and neighbourhood: contributions, and safeguarding flags raised (and still open)."""
    records = await conn.fetch(
        """SELECT month, neighbourhood, sum(contributions)::integer AS n, sum(flagged)::integer AS flagged,
                      sum(flagged_open)::integer AS flagged_open
               FROM contribution_monthly
               WHERE month >= $1 AND ($2 = '' OR neighbourhood = $2) AND ($3 = '' OR programme = $3)
               GROUP BY 1, 2""",
        since,
        neighbourhood,
        programme,
    )
    return [msgspec.convert(dict(r), PlaceMonth) for r in records]


async def response_statuses(conn: Connection) -> dict[str, int]:
    records = await conn.fetch("SELECT status::text AS status, count(*)::integer AS n FROM responses GROUP BY 1")
    return {r["status"]: r["n"] for r in records}


async def last_refresh(conn: Connection) -> datetime | None:
    value: datetime | None = await conn.fetchval("SELECT min(refreshed_at) FROM rollup_refreshes")
    return value


async def refresh_rollups(conn: Connection) -> int:
    """Recompute the rollups without blocking readers. Returns the milliseconds it took."""
    started = time.perf_counter()
    for view in ROLLUPS:
        await conn.execute(f"REFRESH MATERIALIZED VIEW CONCURRENTLY {view}")
    took = int((time.perf_counter() - started) * 1000)
    await conn.executemany(
        """INSERT INTO rollup_refreshes (name, refreshed_at, took_ms) VALUES ($1, now(), $2)
           ON CONFLICT (name) DO UPDATE SET refreshed_at = now(), took_ms = $2""",
        [(view, took) for view in ROLLUPS],
    )
    return took


async def drill_down(
    conn: Connection,
    framework_id: str,
    since: datetime,
    until: datetime,
    *,
    theme: str,
    neighbourhood: str,
    programme: str,
    sight: Sight,
    limit: int,
) -> tuple[int, int, list[DrillContribution]]:
    """The contributions behind a number: how many (from the rollups, so it is the number that was clicked), how
    many of them are safeguarding-flagged (never shown here), and the words of up to ``limit`` of the rest,
    newest first."""
    # Only the predicates in use, so the plan PostgreSQL caches for the prepared statement fits them (a generic
    # plan for "$4 = '' OR EXISTS (...)" scanned the whole month: 500 ms instead of 10 at a million rows).
    args: list[Any] = [since, until]
    conditions = ["c.received_at >= $1", "c.received_at < $2"]
    if theme:
        args += [framework_id, theme]
        conditions.append(
            f"""EXISTS (SELECT 1 FROM contribution_tags t WHERE t.contribution_id = c.id
                        AND t.framework_id = ${len(args) - 1} AND t.given AND t.theme_id = ${len(args)})"""  # noqa: S608
        )
    if neighbourhood:
        args.append(neighbourhood)
        conditions.append(f"c.neighbourhood = ${len(args)}")
    if programme:
        args.append(programme)
        conditions.append(f"c.programme = ${len(args)}")
    where = " AND ".join(conditions)
    # Rollup months are the first day of each month; the range ends at a month's start or, for "up to today",
    # after today.
    first = since.date()
    last = until.date() if until.timetz().replace(tzinfo=None) == time_of_day.min else until.date() + timedelta(days=1)
    if theme:
        total = await conn.fetchval(
            """SELECT coalesce(sum(contributions), 0)::integer FROM theme_monthly
               WHERE framework_id = $1 AND theme_id = $2 AND month >= $3 AND month < $4
                 AND ($5 = '' OR neighbourhood = $5) AND ($6 = '' OR programme = $6)""",
            framework_id,
            theme,
            first,
            last,
            neighbourhood,
            programme,
        )
    else:
        total = await conn.fetchval(
            """SELECT coalesce(sum(contributions), 0)::integer FROM contribution_monthly
               WHERE month >= $1 AND month < $2 AND ($3 = '' OR neighbourhood = $3) AND ($4 = '' OR programme = $4)""",
            first,
            last,
            neighbourhood,
            programme,
        )
    flagged = await conn.fetchval(
        f"""SELECT count(*)::integer FROM safeguarding_flags f JOIN contributions c ON c.id = f.contribution_id
            WHERE {where}""",  # noqa: S608
        *args,
    )
    rows = await conn.fetch(
        f"""SELECT c.kind::text AS kind, {words(sight)} AS text, n.name AS neighbourhood,
                   (c.received_at AT TIME ZONE 'Europe/London')::date AS received_on,
                   ARRAY(SELECT t.theme_id FROM contribution_tags t WHERE t.contribution_id = c.id
                         AND t.framework_id = ${len(args) + 1} AND t.given ORDER BY t.theme_id) AS themes
            FROM contributions c LEFT JOIN neighbourhoods n ON n.slug = c.neighbourhood
            WHERE {where} AND NOT EXISTS (SELECT 1 FROM safeguarding_flags f WHERE f.contribution_id = c.id)
              AND {visible(sight)}
            ORDER BY c.received_at DESC LIMIT {int(limit)}""",  # noqa: S608
        *args,
        framework_id,
    )
    return total, flagged, [msgspec.convert(dict(r), DrillContribution) for r in rows]
