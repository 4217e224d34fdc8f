"""Shapes for safeguarding flags: contributions that suggest someone may be at risk of harm now."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

import msgspec

KIND_NAMES: dict[str, str] = {
    "physical": "Physical abuse",
    "domestic": "Domestic abuse",
    "sexual": "Sexual abuse",
    "psychological": "Psychological or emotional abuse",
    "financial": "Financial or material abuse",
    "modern_slavery": "Modern slavery",
    "discriminatory": "Discriminatory abuse",
    "organisational": "Organisational abuse",
    "neglect": "Neglect or acts of omission",
    "self_neglect": "Self-neglect",
    "risk_to_life": "Risk to life",
}
"""The ten kinds of abuse and neglect in the Care Act 2014 statutory guidance, plus risk to life: the vocabulary a
flag names its concern in. The tagger (nlp/safeguarding.py) uses the same ids; a test keeps the two lists equal
(the web process does not import nlp)."""


class RiskReason(msgspec.Struct, frozen=True, kw_only=True):
    """Words that raised a possible concern, and the kind of concern they suggest."""

    kind: str
    start: int
    end: int
    text: str


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
    kinds: list[str] = []


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
    kinds: list[str] = []
    """Kinds of abuse or neglect the words suggest, ids of KIND_NAMES."""

    @property
    def kind_names(self) -> list[str]:
        return [KIND_NAMES.get(kind, kind.replace("_", " ")) for kind in self.kinds]
