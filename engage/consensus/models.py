"""Shapes for consensus rounds: invitations, ballots and results by group."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from engage.i18n import N_
from engage.problems import Problem

SUPPORT_LABELS = {
    1: N_("Strongly oppose"),
    2: N_("Oppose"),
    3: N_("Neither"),
    4: N_("Support"),
    5: N_("Strongly support"),
}
DEFAULT_QUORUM = 20
"""Fewer votes than this and a round declares nothing (ENGAGE_CONSENSUS_QUORUM)."""
SUPPORTED_OVERALL = 0.6
SUPPORTED_IN_GROUP = 0.5


class RoundProposition(msgspec.Struct, frozen=True, kw_only=True):
    proposition_id: UUID
    title: str
    description: str
    statement: str


class Round(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    programme: str
    title: str
    closes_at: datetime
    propositions: list[RoundProposition]
    ballots: int = 0


class Rating(msgspec.Struct, kw_only=True):
    proposition_id: UUID
    support: int
    statement: str | None = None
    comment: str = ""


class CastRating(msgspec.Struct, frozen=True, kw_only=True):
    """A rating given in a round, with the groups its ballot counts in (never who gave it)."""

    proposition_id: UUID
    support: int
    statement: str | None
    comment: str
    role: str
    """The voter's role ("citizen" for a ballot cast by link)."""
    neighbourhood: str | None
    age_band: str | None


class VoteExport(msgspec.Struct, frozen=True, kw_only=True):
    """A line of a programme's votes CSV: the fields are its columns, in order."""

    round: str
    """The round's title."""
    proposition: str
    """The proposition's current title."""
    support: int
    statement: str | None
    comment: str
    """Empty unless the reader may read words as written (voters' comments are not redacted)."""
    role: str
    neighbourhood: str | None
    age_band: str | None
    cast_at: datetime


class GroupResult(msgspec.Struct, frozen=True, kw_only=True):
    dimension: str
    """neighbourhood, role or age band"""
    group: str
    people: int
    supporting: float | None
    """Share rating 4 or 5; None when the group is too small to show."""


class PropositionResult(msgspec.Struct, frozen=True, kw_only=True):
    proposition_id: UUID
    title: str
    people: int
    mean: float | None
    supporting: float | None
    groups: list[GroupResult]
    consensus: bool
    reason: str
    comments: list[str]
    comments_hidden: int = 0
    """Comments not shown to this reader."""


class VoteProblem(Problem):
    """Bad input about a consensus round or a ballot."""
