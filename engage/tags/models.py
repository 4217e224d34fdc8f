"""Shapes for themes on contributions: tagging results, tags, the review queue and model versions.

`engage` never imports `nlp/`: the edges (worker, command line) run the tagger and hand these Structs over.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import msgspec

from engage.safeguarding.models import RiskReason

Sentiment = Literal["negative", "positive", "mixed", "neutral"]
TagSource = Literal["model", "person"]


class ThemeInfo(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str
    description: str = ""


class FrameworkInfo(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str
    themes: list[ThemeInfo]
    builtin: bool = False

    def theme_name(self, theme_id: str) -> str:
        return next((theme.name for theme in self.themes if theme.id == theme_id), theme_id)


class EvidenceSpan(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    start: int
    end: int
    text: str
    cue: str | None = None
    weight: float | None = None


class OtherFramework(msgspec.Struct, frozen=True, kw_only=True):
    """A contribution's themes in a framework besides the primary one (tagged in the same pass)."""

    framework_id: str
    model_version: str
    themes: list[str]
    scores: dict[str, float]
    evidence: dict[str, list[EvidenceSpan]]


class Tagging(msgspec.Struct, frozen=True, kw_only=True):
    """What the tagger found in one contribution."""

    contribution_id: UUID
    themes: list[str]
    scores: dict[str, float]
    evidence: dict[str, list[EvidenceSpan]]
    sentiment: Sentiment | None
    language: str
    needs_translation: bool
    safeguarding: bool
    safeguarding_score: float
    risk: list[RiskReason]
    margin: float
    """Distance of the nearest theme score from its threshold: small means unsure."""
    safeguarding_kinds: list[str] = []
    """The kinds of abuse or neglect the words suggest (ids from nlp.safeguarding.KINDS)."""
    others: list[OtherFramework] = []


class TextToTag(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    text: str


class TaggingOutcome(msgspec.Struct, frozen=True, kw_only=True):
    tagged: int
    tags: int
    flagged: list[UUID]
    """Contributions newly flagged as possible safeguarding concerns by this run."""


class Tag(msgspec.Struct, frozen=True, kw_only=True):
    theme_id: str
    given: bool
    source: TagSource
    confidence: float | None
    evidence: list[EvidenceSpan]
    model_version: str | None
    tagged_by_name: str | None
    tagged_at: datetime


class Analysis(msgspec.Struct, frozen=True, kw_only=True):
    model_version: str
    scores: dict[str, float]
    sentiment: Sentiment | None
    detected_language: str
    needs_translation: bool
    margin: float
    analysed_at: datetime
    reviewed_at: datetime | None
    reviewed_by_name: str | None


class ReviewItem(msgspec.Struct, frozen=True, kw_only=True):
    contribution_id: UUID
    reference: str
    kind: str
    text: str
    received_at: datetime
    analysis: Analysis
    tags: list[Tag]
    translated_from: str | None = None
    """The language of the words as written when `text` is a translation staff added."""
    original: str | None = None


class ModelVersion(msgspec.Struct, frozen=True, kw_only=True):
    version: str
    framework_id: str
    status: Literal["active", "retired", "rejected"]
    dev_micro_f1: float | None
    dev_macro_f1: float | None
    train_examples: int
    corrections: int
    note: str
    trained_at: datetime
    decided_at: datetime


class StoredModel(msgspec.Struct, frozen=True, kw_only=True):
    version: str
    card: bytes
    weights: bytes


class Correction(msgspec.Struct, frozen=True, kw_only=True):
    """A contribution a person reviewed, as a training example: its text and the themes people settled on."""

    text: str
    themes: list[str]


def evidence_list(raw: Any) -> list[EvidenceSpan]:
    return msgspec.convert(raw or [], list[EvidenceSpan])
