"""Shapes for safeguarding flags: contributions that suggest someone may be at risk of harm now."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

import msgspec

from engage.tags.models import RiskReason

FlagStatus = Literal["open", "actioned", "not_a_concern"]
STATUS_LABELS: dict[str, str] = {
    "open": "Open",
    "actioned": "Actioned (referred or handled)",
    "not_a_concern": "Not a safeguarding concern",
}


class NewFlag(msgspec.Struct, frozen=True, kw_only=True):
    contribution_id: UUID
    raised_by: str
    """"rules", "model" or "rules and model"; or "person" when staff raise one by hand."""
    score: float | None
    reasons: list[RiskReason]


class Flag(msgspec.Struct, frozen=True, kw_only=True):
    contribution_id: UUID
    reference: str
    kind: str
    text: str
    received_at: datetime
    raised_at: datetime
    raised_by: str
    score: float | None
    reasons: list[RiskReason]
    status: FlagStatus
    handled_by_name: str | None
    handled_at: datetime | None
    note: str
