"""The contribution filters the staff list and the API share, read from a query string."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from engage.contributions.models import ContributionFilters, Kind


def filters_from_query(
    kind: Kind | None,
    neighbourhood: str | None,
    source: str | None,
    received_from: date | None,
    received_to: date | None,
    q: str | None,
    page: int,
) -> ContributionFilters:
    """Dates are whole days in UTC; ``received_to`` includes its day."""
    return ContributionFilters(
        kind=kind,
        neighbourhood=neighbourhood or None,
        source=source or None,
        received_from=datetime.combine(received_from, time.min, tzinfo=UTC) if received_from else None,
        received_to=datetime.combine(received_to, time.min, tzinfo=UTC) + timedelta(days=1) if received_to else None,
        q=(q or "").strip()[:200] or None,
        page=page,
    )
