"""Shapes for retention: how long each kind of personal data is kept, and what a run removed."""

from __future__ import annotations

from datetime import date

import msgspec

from engage.settings import Settings

SMALLEST_GROUP_SHOWN = 5
"""The fewest people a group on a page inside Engage may have to be shown on its own: a consensus round's results
by neighbourhood, role and age band, and the evidence board's counts by theme when it is filtered by an equality
group. A smaller group is counted in the totals but its own figure is not shown, because with four people or fewer
a reader who knows some of them can work out how the others answered (or which of them said what). These pages are
read by signed-in staff and a programme's own community of practice. Equality-monitoring answers set against the
borough's population in digests, which leave Engage by email, keep their own, larger threshold
(`engage.digests.population.SUPPRESS_BELOW`)."""


class RetentionPeriods(msgspec.Struct, frozen=True, kw_only=True):
    """Days each kind of data is kept (the settings of the same names, documented in engage/settings.py)."""

    contacts: int
    equality: int
    sessions: int
    mail: int
    audit: int
    withdrawals: int

    @classmethod
    def from_settings(cls, settings: Settings) -> RetentionPeriods:
        return cls(
            contacts=settings.retain_contacts_days,
            equality=settings.retain_equality_days,
            sessions=settings.retain_sessions_days,
            mail=settings.retain_mail_days,
            audit=settings.retain_audit_days,
            withdrawals=settings.retain_withdrawals_days,
        )


class RetentionRun(msgspec.Struct, frozen=True, kw_only=True):
    ran_on: date
    deleted: dict[str, int]
