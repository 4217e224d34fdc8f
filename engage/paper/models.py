from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

MAX_FORMS = 200
"""Forms printed at once (a big event; print another batch for more)."""


class PaperForm(msgspec.Struct, frozen=True, kw_only=True):
    reference: str
    contribution_id: UUID
    """The id the contribution will have once the form is typed in: its withdrawal code is derived from it."""
    locale: str
    batch: UUID
    issued_at: datetime
    used_at: datetime | None


class PrintedForm(msgspec.Struct, frozen=True, kw_only=True):
    reference: str
    withdrawal_code: str
    locale: str


class Batch(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    locale: str
    issued_at: datetime
    forms: list[PrintedForm]
    used: int


class BatchSummary(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    locale: str
    issued_at: datetime
    forms: int
    used: int
