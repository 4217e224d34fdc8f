"""Shapes of a digest: the period it covers and everything it says, stored as built so the archive shows exactly
what members were sent."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import msgspec

from engage.problems import Problem

LOCAL = ZoneInfo("Europe/London")
"""Periods are calendar days in the borough's time zone: a story given at 00:30 BST on the 1st is that month's."""


class PeriodProblem(Problem):
    """A digest period that cannot be built: unreadable, in the future or not over yet."""

    def __init__(self, reason: str) -> None:
        super().__init__("period", reason)


class Period(msgspec.Struct, frozen=True):
    start: date
    end: date
    """Exclusive: the first day after the period."""

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def is_month(self) -> bool:
        return self.start.day == 1 and self.end == next_month(self.start)

    def previous(self) -> Period:
        """The period just before this one, for "change since last time": the calendar month before a month,
        otherwise the same number of days."""
        if self.is_month:
            return Period((self.start - timedelta(days=1)).replace(day=1), self.start)
        return Period(self.start - timedelta(days=self.days), self.start)

    def bounds(self) -> tuple[datetime, datetime]:
        return (
            datetime.combine(self.start, time(), LOCAL).astimezone(UTC),
            datetime.combine(self.end, time(), LOCAL).astimezone(UTC),
        )

    @property
    def label(self) -> str:
        last = self.end - timedelta(days=1)
        if self.is_month:
            return self.start.strftime("%B %Y")
        if self.start == last:
            return self.start.strftime("%-d %B %Y")
        if self.start.year != last.year:
            return f"{self.start:%-d %B %Y} to {last:%-d %B %Y}"
        if self.start.month != last.month:
            return f"{self.start:%-d %B} to {last:%-d %B %Y}"
        return f"{self.start:%-d} to {last:%-d %B %Y}"


def next_month(day: date) -> date:
    """The first day of the month after this day's."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def last_full_week(today: date) -> Period:
    monday = today - timedelta(days=today.weekday())
    return Period(monday - timedelta(days=7), monday)


def last_full_month(today: date) -> Period:
    first = today.replace(day=1)
    return Period((first - timedelta(days=1)).replace(day=1), first)


def parse_period(text: str, today: date) -> Period:
    """``2026-11`` (a month), ``2026-W47`` (an ISO week) or ``2026-11-01..2026-11-20`` (days, both included).
    A period must have ended: a digest reports on what happened, not on half a week."""
    text = text.strip()
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
            start = date(int(m[1]), int(m[2]), 1)
            period = Period(start, next_month(start))
        elif m := re.fullmatch(r"(\d{4})-W(\d{2})", text, flags=re.IGNORECASE):
            start = date.fromisocalendar(int(m[1]), int(m[2]), 1)
            period = Period(start, start + timedelta(days=7))
        elif m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", text):
            first, last = date.fromisoformat(m[1]), date.fromisoformat(m[2])
            if last < first:
                raise PeriodProblem(f"{text}: the period ends before it starts.")
            period = Period(first, last + timedelta(days=1))
        else:
            raise PeriodProblem(
                f"{text!r} is not a period: use a month (2026-11), an ISO week (2026-W47) "
                "or a range of days (2026-11-01..2026-11-20)."
            )
    except ValueError as exc:
        if isinstance(exc, PeriodProblem):
            raise
        raise PeriodProblem(f"{text!r} is not a real date: {exc}.") from exc
    if period.start > today:
        raise PeriodProblem(f"{period.label} is in the future: a digest can only cover days that have passed.")
    if period.end > today:  # the end is exclusive: a period including today has not finished
        raise PeriodProblem(
            f"{period.label} has not finished yet (it ends on {period.end - timedelta(days=1):%-d %B %Y}): "
            "a digest covers a finished period."
        )
    return period


class PeriodCounts(msgspec.Struct, frozen=True, kw_only=True):
    """Contributions heard in a period and in the one before it: each count is (this period, the one before)."""

    themes: dict[str, tuple[int, int]]
    """By theme id (themes heard in neither period are absent)."""
    places: dict[str, tuple[int, int]]
    """By neighbourhood name ("Not given" for none)."""
    total: tuple[int, int]


class QuoteCandidate(msgspec.Struct, frozen=True, kw_only=True):
    """A contribution a digest may quote for a theme: consented to, approved, never flagged, redacted."""

    theme_id: str
    id: UUID
    text: str
    """The redacted words (the redacted translation, for words given in another language)."""
    kind: str
    neighbourhood: str | None
    received_at: datetime
    language: str
    translated: bool
    original: str | None
    """The redacted words as written, when ``text`` is a translation."""


class ProgrammeProgress(msgspec.Struct, frozen=True, kw_only=True):
    slug: str
    name: str
    phase: str
    next_workshop: str | None
    next_workshop_on: date | None
    awaiting_decision: int
    """Propositions shortlisted and waiting for the board's decision."""


class ResponseInPeriod(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    title: str
    status: str
    we_did: str


class ThemeLine(msgspec.Struct, frozen=True, kw_only=True):
    theme_id: str
    name: str
    count: int
    previous: int

    @property
    def change(self) -> int:
        return self.count - self.previous


class PlaceLine(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    count: int
    previous: int


class Quote(msgspec.Struct, frozen=True, kw_only=True):
    text: str
    """The redacted words, cut at a sentence; "Withdrawn by its author." once withdrawn (the stored digest is
    rewritten by the database when the contribution is deleted)."""
    kind: str
    neighbourhood: str | None
    month: str
    contribution_id: UUID | None = None
    withdrawn: bool = False
    translated_from: str | None = None
    """The language the words were written in, when the quote is a translation staff added."""
    original: str | None = None
    """The words as written (redacted), for a translated quote: shown on request in the archive."""


class QuoteGroup(msgspec.Struct, frozen=True, kw_only=True):
    theme_id: str
    name: str
    quotes: list[Quote]


class GroupLine(msgspec.Struct, frozen=True, kw_only=True):
    label: str
    count: int | None
    """None: fewer than the suppression threshold (or hidden so that a suppressed group cannot be worked out)."""
    share: float | None
    borough_share: float | None


class HeardFrom(msgspec.Struct, frozen=True, kw_only=True):
    question: str
    answered: int
    lines: list[GroupLine]


class ProgrammeLine(msgspec.Struct, frozen=True, kw_only=True):
    slug: str
    name: str
    phase: str
    next_workshop: str | None
    next_workshop_on: date | None
    awaiting_decision: int


class ResponseLine(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    title: str
    status: str
    we_did: str


class RecommendationLine(msgspec.Struct, frozen=True, kw_only=True):
    """One of the board's recommendations: still open, or closed in the period."""

    id: UUID
    label: str
    text: str
    owner: str
    due_on: date | None
    status: str
    overdue: bool
    changes: list[str]
    """Its updates dated in the period ("3 March 2026: In progress. The pilot started.")."""


class DigestContent(msgspec.Struct, frozen=True, kw_only=True):
    board_id: str
    board_name: str
    period: Period
    period_label: str
    previous_label: str
    filters: list[str]
    """The board's filters in words ("Themes: Safe; Neighbourhoods: Brixton"); empty means everything."""
    total: int
    previous_total: int
    themes: list[ThemeLine]
    rising: list[ThemeLine]
    neighbourhoods: list[PlaceLine]
    quotes: list[QuoteGroup]
    heard_from: list[HeardFrom]
    programmes: list[ProgrammeLine]
    responses: list[ResponseLine]
    built_at: datetime
    recommendations: list[RecommendationLine] = []
    """The board's recommendations tracker (digests built before it existed have none)."""

    @property
    def empty(self) -> bool:
        return self.total == 0

    @property
    def overdue(self) -> int:
        return sum(1 for r in self.recommendations if r.overdue)


class Digest(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    board_id: str
    period_start: date
    period_end: date
    built_at: datetime
    recipients: int
    sent: int = 0
    waiting: int = 0
    problems: int = 0

    @property
    def label(self) -> str:
        return Period(self.period_start, self.period_end).label


class StoredDigest(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    board_id: str
    content: DigestContent
    recipients: int
