"""Shapes for co-design programmes: purpose, neighbourhoods, framework, community of practice and phases."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

import msgspec

from engage.problems import FieldError, Problem

Phase = Literal["discovery", "define", "develop"]
PHASES: tuple[Phase, ...] = ("discovery", "define", "develop")
PHASE_LABELS: dict[str, str] = {
    "discovery": "Discovery",
    "define": "Define",
    "develop": "Develop and approval",
}
PHASE_PURPOSE: dict[str, str] = {
    "discovery": "Workshops and stories: hearing what matters, and who and what already helps.",
    "define": "From the evidence to two or three propositions.",
    "develop": "Refining the propositions with stakeholders until one is approved.",
}
MemberRole = Literal["facilitator", "member"]


class ProgrammeDraft(msgspec.Struct, kw_only=True):
    """A new programme as a facilitator describes it."""

    name: str
    purpose: str
    framework_id: str
    neighbourhoods: list[str]
    discovery_from: date | None
    """None: not given, or not a date (the edge parses dates; the service names each missing one)."""
    define_from: date | None
    develop_from: date | None
    ends_on: date | None


PHASE_DATE_LABELS = {
    "discovery_from": "the date Discovery starts",
    "define_from": "the date Define starts",
    "develop_from": "the date Develop and approval starts",
    "ends_on": "the date the programme ends",
}


class PhaseChange(msgspec.Struct, frozen=True, kw_only=True):
    from_phase: Phase
    to_phase: Phase
    summary: str
    changed_by_name: str | None
    changed_at: datetime


class Member(msgspec.Struct, frozen=True, kw_only=True):
    user_id: UUID
    name: str
    organisation: str | None
    role: MemberRole
    community: bool = False
    """A resident, carer or voluntary-sector member who signs in by emailed links (no staff account)."""
    added_at: datetime | None = None
    active: bool = True
    last_signed_in: datetime | None = None


class ProgrammeChoice(msgspec.Struct, frozen=True, kw_only=True):
    """A programme as a filter or a select option: no counts to compute."""

    slug: str
    name: str


class Programme(msgspec.Struct, frozen=True, kw_only=True):
    slug: str
    name: str
    purpose: str
    framework_id: str
    phase: Phase
    discovery_from: date
    define_from: date
    develop_from: date
    ends_on: date
    neighbourhoods: list[str]
    contributions: int = 0

    def phase_dates(self) -> list[tuple[str, date, date]]:
        return [
            ("discovery", self.discovery_from, self.define_from),
            ("define", self.define_from, self.develop_from),
            ("develop", self.develop_from, self.ends_on),
        ]

    @property
    def next_phase(self) -> Phase | None:
        position = PHASES.index(self.phase)
        return PHASES[position + 1] if position + 1 < len(PHASES) else None


class ProgrammeDetail(msgspec.Struct, frozen=True, kw_only=True):
    programme: Programme
    members: list[Member]
    changes: list[PhaseChange]
    neighbourhood_names: dict[str, str]


class ClusterMember(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    reference: str
    text: str
    """As the reader may read it."""


class Cluster(msgspec.Struct, frozen=True, kw_only=True):
    """A group of contributions saying the same thing, as one reader may see it."""

    label: str
    members: list[ClusterMember]
    hidden: int
    """Members the reader may not read: counted, not shown."""
    quote: ClusterMember | None
    """The member that says it best, when the reader may read it."""
    terms: list[str]
    """Words the group shares (none for groups stored before they were kept)."""


class StoredClusters(msgspec.Struct, frozen=True, kw_only=True):
    clusters: list[Cluster]
    requested_at: datetime | None
    computed_at: datetime | None


class InvalidProgramme(Problem):
    """A programme, a phase change or a member that cannot be accepted: every problem, each naming its field."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        found = [FieldError(field, reason) for field, reason in errors]
        super().__init__(found[0].field, found[0].reason, more=found[1:])
