"""Shapes for co-design programmes: purpose, neighbourhoods, framework, community of practice and phases."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

import msgspec

from engage.contributions.models import ContributionRow
from engage.problems import Problem

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


class EvidenceQuery(msgspec.Struct, frozen=True, kw_only=True):
    """The evidence board's filters ("" for all)."""

    neighbourhood: str = ""
    """One of the programme's neighbourhoods."""
    kind: str = ""
    age_band: str = ""
    """An equality group: see `EvidenceBoard.counts_only`."""


class ThemeEvidence(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str
    count: int | None
    """How many contributions the reader may see carry the theme; None when the board shows counts only and there
    are fewer than `engage.privacy.models.SMALLEST_GROUP_SHOWN`."""
    newest: list[ContributionRow]
    """The newest few, as the reader may read them (none when the board shows counts only)."""


class EvidenceBoard(msgspec.Struct, frozen=True, kw_only=True):
    """A programme's evidence board as one reader may see it."""

    detail: ProgrammeDetail
    query: EvidenceQuery
    """The filters as applied (a value that names nothing is dropped)."""
    themes: list[ThemeEvidence]
    counts_only: bool
    """Filtered by an equality group, for a reader who may not see equality answers one by one: listing who matched
    would tell them each person's answer, so the board gives counts, small ones suppressed."""
    clusters: StoredClusters | None
    heard: dict[str, list[tuple[str, int]]]
    """Who the programme heard from, by neighbourhood, kind and (for staff) age band."""


class ProgrammeProblem(Problem):
    """A programme, a phase change or a member that cannot be accepted (422, every problem at once, each naming its
    field), a programme that does not exist (404), or a change the viewer may not make (403)."""
