"""Use cases for the governance dashboard: theme trends, neighbourhoods compared, safeguarding counts (never
content), response status, and the de-identified contributions behind any number. Callers own the transaction.
"""

from __future__ import annotations

from datetime import date, datetime, time

import msgspec

from engage.accounts.models import StaffUser
from engage.audit import queries as audit
from engage.contributions import queries as contribution_queries
from engage.contributions.models import KIND_LABELS
from engage.dashboards import queries
from engage.dashboards.models import WINDOWS, Dashboard, DashboardQuery, DrillQuery, DrillRow, PlaceRow, Series
from engage.db import Connection
from engage.digests.models import LOCAL, next_month
from engage.privacy.visibility import sight_for
from engage.problems import Problem
from engage.programmes import queries as programme_queries
from engage.tags import queries as tag_queries


class DashboardProblem(Problem):
    """A dashboard filter that names nothing we have: a bad query parameter (400)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(field, reason, status=400)


def month_starts(today: date, count: int) -> list[date]:
    year, month = today.year, today.month
    starts = []
    for _ in range(count):
        starts.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return starts[::-1]


async def check_query(conn: Connection, query: DashboardQuery | DrillQuery) -> dict[str, str]:
    """Refuse filters that name nothing we have. Returns every neighbourhood's name by slug."""
    if query.months not in WINDOWS:
        raise DashboardProblem("months", f"Choose {', '.join(map(str, WINDOWS))} months.")
    names = {n.slug: n.name for n in await contribution_queries.list_neighbourhoods(conn, active_only=False)}
    if query.neighbourhood and query.neighbourhood not in names:
        raise DashboardProblem("neighbourhood", "No such neighbourhood.")
    if query.programme and query.programme not in {p.slug for p in await programme_queries.programme_choices(conn)}:
        raise DashboardProblem("programme", "No such programme.")
    return names


async def build_dashboard(conn: Connection, framework_id: str, query: DashboardQuery, today: date) -> Dashboard:
    names = await check_query(conn, query)
    months = month_starts(today, query.months)
    index = {m: i for i, m in enumerate(months)}
    framework = await tag_queries.get_framework(conn, framework_id)
    if framework is None:
        raise DashboardProblem("framework", "No such theme framework.")
    themes = [(t.id, t.name) for t in framework.themes]
    counts: dict[str, list[int]] = {theme_id: [0] * len(months) for theme_id, _ in themes}
    for tm in await queries.theme_months(conn, framework_id, months[0], query.neighbourhood, query.programme):
        if tm.theme_id in counts and tm.month in index:
            counts[tm.theme_id][index[tm.month]] += tm.n
    totals = [0] * len(months)
    flagged = [0] * len(months)
    flagged_open = 0
    by_place: dict[str, int] = {}
    for pm in await queries.contribution_months(conn, months[0], query.neighbourhood, query.programme):
        if pm.month in index:
            totals[index[pm.month]] += pm.n
            flagged[index[pm.month]] += pm.flagged
        flagged_open += pm.flagged_open
        by_place[pm.neighbourhood] = by_place.get(pm.neighbourhood, 0) + pm.n
    place_themes: dict[str, dict[str, int]] = {}
    for tp in await queries.theme_places(conn, framework_id, months[0], query.programme):
        place_themes.setdefault(tp.neighbourhood, {})[tp.theme_id] = tp.n
    if not query.neighbourhood:
        # Every place appears, even one we heard nothing from: a gap is a finding.
        for slug in names:
            by_place.setdefault(slug, 0)
    places = sorted(
        (
            PlaceRow(
                slug=slug,
                name=names.get(slug, "Not given") if slug else "Not given",
                contributions=n,
                by_theme=place_themes.get(slug, {}),
            )
            for slug, n in by_place.items()
            if n or slug
        ),
        key=lambda row: (-row.contributions, row.name),
    )
    return Dashboard(
        query=query,
        months=months,
        totals=totals,
        series=[Series(theme_id=t, name=name, counts=counts[t]) for t, name in themes],
        places=places,
        flagged=flagged,
        flagged_open=flagged_open,
        responses=await queries.response_statuses(conn),
        refreshed_at=await queries.last_refresh(conn),
    )


async def drill_down(
    conn: Connection,
    viewer: StaffUser,
    framework_id: str,
    query: DrillQuery,
    today: date,
    *,
    limit: int,
) -> tuple[int, int, list[DrillRow]]:
    """The contributions behind a number, de-identified: no reference, no contact details, words redacted.
    Safeguarding-flagged contributions are counted, never shown; partner staff see only words shared with
    partners. Each look is written to the audit trail."""
    await check_query(conn, query)
    months = month_starts(today, query.months)
    since = datetime.combine(query.month or months[0], time(), LOCAL)
    until = (
        datetime.combine(next_month(query.month), time(), LOCAL)
        if query.month
        else datetime.combine(today, time.max, LOCAL)
    )
    total, flagged, found = await queries.drill_down(
        conn,
        framework_id,
        since,
        until,
        theme=query.theme,
        neighbourhood=query.neighbourhood,
        programme=query.programme,
        # De-identified for everyone: the visibility rule, with the words always redacted.
        sight=msgspec.structs.replace(sight_for(viewer), raw_words="none", flagged=False),
        limit=limit,
    )
    rows = [
        DrillRow(
            kind=KIND_LABELS[c.kind],
            text=c.text,
            neighbourhood=c.neighbourhood,
            received_on=c.received_on,
            themes=c.themes,
        )
        for c in found
    ]
    await audit.record(
        conn,
        actor=viewer.id,
        action="dashboard.drill_down",
        subject_type="contributions",
        subject_id="dashboard",
        detail={
            "month": str(query.month or ""),
            "theme": query.theme,
            "neighbourhood": query.neighbourhood,
            "programme": query.programme,
            "shown": len(rows),
        },
    )
    return total, flagged, rows


async def refresh_if_stale(conn: Connection, max_age_s: float) -> int | None:
    """Refresh the rollups when they are older than ``max_age_s``; returns the milliseconds taken, or None."""
    last = await queries.last_refresh(conn)
    now = datetime.now(LOCAL)
    if last is not None and (now - last).total_seconds() < max_age_s:
        return None
    return await queries.refresh_rollups(conn)
