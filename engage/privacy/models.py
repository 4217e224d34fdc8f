"""Shapes for retention: how long each kind of personal data is kept, and what a run removed."""

from __future__ import annotations

from datetime import date

import msgspec

from engage.settings import Settings


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
