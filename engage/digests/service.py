"""Use cases for digests: build one for a board and a period, decide which are due, and send them.

Sending is the outbox pattern again: the digest and one mail row per receiving member are written in one
transaction (each row's dedupe key names the digest and the member), and the mail worker delivers rows in
stages (engage.workers.delivery), so a worker dying half-way through a board of 500 leaves the rest queued and
nobody gets a second copy. Callers own the transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from engage.boards import queries as board_queries
from engage.boards.models import Board
from engage.contributions import queries as contribution_queries
from engage.contributions.models import KIND_LABELS, LANGUAGES
from engage.db import Connection
from engage.digests import queries
from engage.digests.models import (
    LOCAL,
    DigestContent,
    GroupLine,
    HeardFrom,
    Period,
    PlaceLine,
    ProgrammeLine,
    Quote,
    QuoteGroup,
    RecommendationLine,
    ResponseLine,
    ThemeLine,
    last_full_month,
    last_full_week,
)
from engage.digests.population import BOROUGH_SHARES, QUESTIONS, SUPPRESS_BELOW
from engage.digests.queries import Filters
from engage.problems import Problem
from engage.programmes.models import PHASE_LABELS
from engage.recommendations import queries as recommendation_queries
from engage.recommendations.models import STATUS_LABELS as RECOMMENDATION_STATUS
from engage.responses.models import STATUS_LABELS
from engage.tags import queries as tag_queries

LEADING_THEMES = 3
QUOTES_PER_THEME = 5
QUOTE_CHARS = 320


class UnknownBoard(Problem):
    """No board has this id."""

    def __init__(self, board_id: str) -> None:
        super().__init__("board", f"No board has the id {board_id!r}.", status=404)


def today_local() -> date:
    return datetime.now(LOCAL).date()


def due_period(board: Board, today: date) -> Period | None:
    """The latest finished period this board's schedule owes a digest for, or None (a meeting schedule with no
    meeting close enough). Periods that ended before the board existed are never owed."""
    if board.frequency == "weekly":
        period = last_full_week(today)
    elif board.frequency == "monthly":
        period = last_full_month(today)
    else:
        assert board.days_before is not None
        sends = [meeting - timedelta(days=board.days_before) for meeting in board.meetings]
        past = [send for send in sends if send <= today]
        if not past:
            return None
        send = past[-1]
        earlier = [s for s in sends if s < send]
        period = Period(earlier[-1] if earlier else send - timedelta(days=28), send)
    created = board.created_at.astimezone(LOCAL).date()
    return period if period.end > created else None


TAGGING_GRACE = timedelta(hours=6)
"""How long a due digest waits for the tagger to catch up with its period (after a large import, say)."""


async def ready_to_send(conn: Connection, period: Period, *, waiting_since: datetime, now: datetime) -> bool:
    """A digest counts themes, so it waits while contributions in its period are still untagged (after an import,
    or on a fresh install), but not for longer than TAGGING_GRACE: a tagger that is down must not stop digests."""
    if now - waiting_since >= TAGGING_GRACE:
        return True
    return await queries.untagged_between(conn, *period.bounds()) == 0


def _filters(board: Board, framework_id: str) -> Filters:
    return Filters(
        framework_id=framework_id,
        themes=board.themes,
        neighbourhoods=board.neighbourhoods,
        programmes=board.programmes,
    )


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= QUOTE_CHARS:
        return text
    cut = text[:QUOTE_CHARS]
    sentence = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
    return cut[: sentence + 1] if sentence > QUOTE_CHARS // 2 else cut[: cut.rfind(" ")] + " …"


def _heard_from(counts: dict[str, dict[str, int]]) -> list[HeardFrom]:
    """Shares of those who answered, against the borough's. Groups under the threshold are hidden, and when only
    one group in a question would be hidden the next smallest is hidden too, so it cannot be worked out by
    subtraction."""
    found: list[HeardFrom] = []
    for question, label in QUESTIONS.items():
        answers = counts.get(question, {})
        answered = sum(answers.values())
        borough = BOROUGH_SHARES.get(question, {})
        options = list(borough) + sorted(set(answers) - set(borough))
        hidden = {o for o in options if 0 < answers.get(o, 0) < SUPPRESS_BELOW}
        if len(hidden) == 1:
            shown = sorted((answers.get(o, 0), o) for o in options if o not in hidden and answers.get(o, 0) > 0)
            if shown:
                hidden.add(shown[0][1])
        lines = [
            GroupLine(
                label=option,
                count=None if option in hidden else answers.get(option, 0),
                share=None if option in hidden or not answered else answers.get(option, 0) / answered,
                borough_share=borough.get(option),
            )
            for option in options
        ]
        found.append(HeardFrom(question=label, answered=answered if answered >= SUPPRESS_BELOW else 0, lines=lines))
    return found


async def build_digest(
    conn: Connection, board: Board, period: Period, *, framework_id: str, today: date | None = None
) -> DigestContent:
    today = today or today_local()
    framework = await tag_queries.get_framework(conn, framework_id)
    theme_name: Callable[[str], str] = framework.theme_name if framework else str
    filters = _filters(board, framework_id)
    # The day counts cost a period's days, not all history; a board's own contributions are needed only to count
    # those with any of several themes once each, and for the equality answers of a board filtered by theme.
    if len(filters.themes) <= 1:
        counted = await queries.counts_by_day(conn, period.previous().start, period.start, period.end, filters)
    else:
        since, split = period.previous().bounds()
        _, until = period.bounds()
        counted = await queries.counts(conn, since, split, until, filters)
    if filters.themes:
        equality = await queries.equality_counts(conn, *period.bounds(), filters)
    else:
        equality = await queries.equality_counts_by_day(conn, period.start, period.end, filters)
    theme_ids = board.themes or ([t.id for t in framework.themes] if framework else sorted(counted.themes))
    themes = sorted(
        (
            ThemeLine(
                theme_id=t,
                name=theme_name(t),
                count=counted.themes.get(t, (0, 0))[0],
                previous=counted.themes.get(t, (0, 0))[1],
            )
            for t in theme_ids
        ),
        key=lambda line: (-line.count, line.name),
    )
    rising = sorted((t for t in themes if t.change > 0), key=lambda t: (-t.change, t.name))[:3]
    places = sorted(
        (PlaceLine(name=name, count=now, previous=before) for name, (now, before) in counted.places.items()),
        key=lambda line: (-line.count, line.name),
    )
    leading = [t.theme_id for t in themes if t.count > 0][:LEADING_THEMES]
    quotes = await _quotes(conn, period, filters, leading, theme_name)
    programmes = [
        ProgrammeLine(
            slug=r.slug,
            name=r.name,
            phase=PHASE_LABELS[r.phase],
            next_workshop=r.next_workshop,
            next_workshop_on=r.next_workshop_on,
            awaiting_decision=r.awaiting_decision,
        )
        for r in await queries.programme_progress(conn, board.programmes, today)
    ]
    responses = [
        ResponseLine(id=r.id, title=r.title, status=STATUS_LABELS[r.status], we_did=r.we_did)
        for r in await queries.responses_in(conn, *period.bounds(), filters)
    ]
    total, previous_total = counted.total
    return DigestContent(
        recommendations=await _recommendations(conn, board, period, today),
        board_id=board.id,
        board_name=board.name,
        period=period,
        period_label=period.label,
        previous_label=period.previous().label,
        filters=await _describe_filters(conn, board, theme_name),
        total=total,
        previous_total=previous_total,
        themes=themes,
        rising=rising,
        neighbourhoods=places,
        quotes=quotes,
        heard_from=_heard_from(equality),
        programmes=programmes,
        responses=responses,
        built_at=datetime.now(UTC),
    )


async def _quotes(
    conn: Connection, period: Period, filters: Filters, leading: list[str], theme_name: Callable[[str], str]
) -> list[QuoteGroup]:
    if not leading:
        return []
    candidates = await queries.quotable(conn, *period.bounds(), filters, leading, QUOTES_PER_THEME * 2)
    used: set[UUID] = set()
    groups: list[QuoteGroup] = []
    for theme_id in leading:
        chosen: list[Quote] = []
        for c in candidates:
            if c.theme_id != theme_id or c.id in used or len(chosen) >= QUOTES_PER_THEME:
                continue
            used.add(c.id)
            chosen.append(
                Quote(
                    contribution_id=c.id,
                    text=_shorten(c.text),
                    kind=KIND_LABELS[c.kind],
                    neighbourhood=c.neighbourhood,
                    month=c.received_at.astimezone(LOCAL).strftime("%B %Y"),
                    translated_from=LANGUAGES.get(c.language, c.language) if c.translated else None,
                    original=_shorten(c.original) if c.translated and c.original else None,
                )
            )
        groups.append(QuoteGroup(theme_id=theme_id, name=theme_name(theme_id), quotes=chosen))
    return groups


async def choose_programme_quotes(
    conn: Connection, slug: str, framework_id: str, themes: list[str], theme_name: Callable[[str], str]
) -> list[QuoteGroup]:
    """Quotes for a programme's report, theme by theme, chosen as a digest chooses them (consented to, approved by a
    facilitator, never flagged, redacted), from everything the programme has heard."""
    everything = Period(date(2000, 1, 1), datetime.now(LOCAL).date() + timedelta(days=1))
    return await _quotes(
        conn,
        everything,
        Filters(framework_id=framework_id, themes=[], neighbourhoods=[], programmes=[slug]),
        themes,
        theme_name,
    )


async def _recommendations(conn: Connection, board: Board, period: Period, today: date) -> list[RecommendationLine]:
    """The board's recommendations still open (overdue first, then by due date) and those closed in the period,
    each with its updates dated in the period."""
    found = await recommendation_queries.for_digest(conn, board.id, period.start, period.end)
    updates = await recommendation_queries.updates_for(
        conn, [r.id for r in found], since=period.start, until=period.end
    )
    lines = [
        RecommendationLine(
            id=r.id,
            label=r.label,
            text=_shorten(r.text),
            owner=r.owner,
            due_on=r.due_on,
            status=RECOMMENDATION_STATUS[r.status],
            overdue=r.overdue(today),
            changes=[
                f"{u.changed_on:%-d %B %Y}: {RECOMMENDATION_STATUS[u.status]}. {u.note}"
                for u in updates
                if u.recommendation_id == r.id
            ],
        )
        for r in found
    ]
    return sorted(lines, key=lambda line: (not line.overdue, line.due_on or date.max))


async def _describe_filters(conn: Connection, board: Board, theme_name: Callable[[str], str]) -> list[str]:
    described = []
    if board.themes:
        described.append("Themes: " + ", ".join(theme_name(t) for t in board.themes))
    if board.neighbourhoods:
        names = {n.slug: n.name for n in await contribution_queries.list_neighbourhoods(conn, active_only=False)}
        described.append("Neighbourhoods: " + ", ".join(names.get(n, n) for n in board.neighbourhoods))
    if board.programmes:
        described.append("Programmes: " + ", ".join(board.programmes))
    return described


async def preview_digest(
    conn: Connection, board_id: str, period: Period | None, *, framework_id: str, today: date | None = None
) -> DigestContent:
    """What the board would be sent for this period (default: its latest finished one). Sends nothing."""
    today = today or today_local()
    board = await board_queries.get_board(conn, board_id)
    if board is None:
        raise UnknownBoard(board_id)
    period = period or due_period(board, today) or last_full_week(today)
    return await build_digest(conn, board, period, framework_id=framework_id, today=today)


async def send_digest(
    conn: Connection, board: Board, period: Period, *, framework_id: str, today: date | None = None
) -> UUID | None:
    """Build and store the board's digest for the period and queue it for every member. None when it exists."""
    if await queries.has_digest(conn, board.id, period.start, period.end):
        return None
    content = await build_digest(conn, board, period, framework_id=framework_id, today=today)
    digest_id = uuid.uuid4()
    return digest_id if await queries.insert_digest(conn, digest_id, content) else None
