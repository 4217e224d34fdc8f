"""Shapes of what Engage holds about one contribution, as its author sees it (a subject access answer)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

import msgspec

from engage.contributions.models import Contact, Equality

ConsentToStop = Literal["quote", "share", "contact"]


class HeldTheme(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str
    given_by: Literal["model", "person"]


class HeldProposition(msgspec.Struct, frozen=True, kw_only=True):
    title: str
    status: str
    programme: str
    decision: str | None
    """"Approved by <board> on <date>" or "Not approved by ..." once a board has decided."""
    approved: bool | None = None
    board: str | None = None
    decided_on: date | None = None


class HeldResponse(msgspec.Struct, frozen=True, kw_only=True):
    title: str
    we_did: str
    status: str
    published_at: datetime


class HeldRecommendation(msgspec.Struct, frozen=True, kw_only=True):
    """A board's recommendation that rests on the contribution, and where it has got to."""

    board: str
    text: str
    status: str
    due_on: date | None


class OwnContribution(msgspec.Struct, frozen=True, kw_only=True):
    """Everything Engage holds about one contribution, for its author. Safeguarding review notes are not part of
    it: they are withheld under the serious-harm exemption, and a full subject access request goes to the data
    protection officer (see the privacy notice)."""

    id: UUID
    reference: str
    kind: str
    text: str
    """The words as written."""
    language: str
    received_at: datetime
    neighbourhood: str | None
    source: str
    consent_analysis: bool
    consent_quote: bool
    consent_share: bool
    consent_contact: bool
    quote_approved_on: date | None
    contact: Contact | None
    equality: Equality | None
    themes: list[HeldTheme]
    sentiment: str | None
    programme: str | None
    workshop: str | None
    workshop_title: str | None = None
    workshop_prompt: str | None = None
    translation: str | None = None
    """The English translation staff added, which the themes come from (the words as written are `text`)."""
    propositions: list[HeldProposition]
    responses: list[HeldResponse]
    quoted_in_digests: int
    recommendations: list[HeldRecommendation] = []
