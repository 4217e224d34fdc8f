"""Shapes of the governance dashboard."""

from __future__ import annotations

from datetime import date, datetime

import msgspec

WINDOWS = (3, 6, 12, 24)
"""Months the dashboard can look back over."""


class DashboardQuery(msgspec.Struct, frozen=True, kw_only=True):
    months: int = 12
    neighbourhood: str = ""
    programme: str = ""


class ThemeMonth(msgspec.Struct, frozen=True, kw_only=True):
    """Contributions given a theme in a month (from the rollup)."""

    month: date
    """The first day of the month."""
    theme_id: str
    n: int


class ThemePlace(msgspec.Struct, frozen=True, kw_only=True):
    """Contributions given a theme in a neighbourhood over the window (from the rollup)."""

    neighbourhood: str
    """A slug, or "" for contributions that named none."""
    theme_id: str
    n: int


class PlaceMonth(msgspec.Struct, frozen=True, kw_only=True):
    """Contributions in a neighbourhood and month, and the safeguarding flags among them (from the rollup)."""

    month: date
    neighbourhood: str
    """A slug, or "" for contributions that named none."""
    n: int
    flagged: int
    flagged_open: int


class DrillContribution(msgspec.Struct, frozen=True, kw_only=True):
    """One contribution behind a number, as the drill-down query reads it (words as the reader may read them)."""

    kind: str
    text: str
    neighbourhood: str | None
    """The neighbourhood's name."""
    received_on: date
    themes: list[str]


class Series(msgspec.Struct, frozen=True, kw_only=True):
    theme_id: str
    name: str
    counts: list[int]
    """One per month of ``Dashboard.months``."""

    @property
    def total(self) -> int:
        return sum(self.counts)


class PlaceRow(msgspec.Struct, frozen=True, kw_only=True):
    slug: str
    name: str
    contributions: int
    by_theme: dict[str, int]


class Dashboard(msgspec.Struct, frozen=True, kw_only=True):
    query: DashboardQuery
    months: list[date]
    totals: list[int]
    series: list[Series]
    places: list[PlaceRow]
    flagged: list[int]
    flagged_open: int
    responses: dict[str, int]
    refreshed_at: datetime | None


class DrillRow(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    text: str
    neighbourhood: str | None
    received_on: date
    themes: list[str]


class DrillQuery(msgspec.Struct, frozen=True, kw_only=True):
    month: date | None = None
    theme: str = ""
    neighbourhood: str = ""
    programme: str = ""
    months: int = 12
