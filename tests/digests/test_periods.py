"""Periods: what people type, what they mean, and what is refused."""

from __future__ import annotations

from datetime import date

import pytest

from engage.digests.models import Period, PeriodProblem, last_full_month, last_full_week, parse_period

TODAY = date(2026, 11, 29)  # a Sunday


def test_months_weeks_and_ranges_are_read_as_calendar_days() -> None:
    assert parse_period("2026-10", TODAY) == Period(date(2026, 10, 1), date(2026, 11, 1))
    assert parse_period("2026-W47", TODAY) == Period(date(2026, 11, 16), date(2026, 11, 23))
    assert parse_period("2026-11-01..2026-11-20", TODAY) == Period(date(2026, 11, 1), date(2026, 11, 21))
    assert parse_period("2025-12", TODAY).previous() == Period(date(2025, 11, 1), date(2025, 12, 1))
    assert parse_period("2026-10", TODAY).label == "October 2026"
    assert parse_period("2026-W47", TODAY).label == "16 to 22 November 2026"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2027-01", "in the future"),
        ("2026-12-01..2026-12-03", "in the future"),
        ("2026-11", "has not finished yet"),
        ("2026-W49", "in the future"),
        ("2026-13", "not a real date"),
        ("2026-11-20..2026-11-01", "ends before it starts"),
        ("last tuesday", "is not a period"),
    ],
)
def test_future_unfinished_and_malformed_periods_are_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(PeriodProblem, match=reason):
        parse_period(text, TODAY)


def test_the_latest_finished_week_and_month() -> None:
    assert last_full_week(TODAY) == Period(date(2026, 11, 16), date(2026, 11, 23))
    assert last_full_week(date(2026, 11, 30)) == Period(date(2026, 11, 23), date(2026, 11, 30))
    assert last_full_month(date(2026, 1, 1)) == Period(date(2025, 12, 1), date(2026, 1, 1))


def test_a_period_that_includes_today_has_not_finished() -> None:
    with pytest.raises(PeriodProblem, match="has not finished yet"):
        parse_period("2026-11", date(2026, 11, 30))  # its last day is today
    assert parse_period("2026-11", date(2026, 12, 1)) == Period(date(2026, 11, 1), date(2026, 12, 1))
    with pytest.raises(PeriodProblem, match="has not finished yet"):
        parse_period("2026-W48", date(2026, 11, 29))  # Sunday, the week's last day
    assert parse_period("2026-W48", date(2026, 11, 30)).label == "23 to 29 November 2026"
