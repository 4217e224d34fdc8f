"""Shapes for propositions: versions, the evidence pinned behind them, and the shortlist."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

import msgspec

from engage.i18n import N_
from engage.problems import Problem

Status = Literal["draft", "shortlisted", "approved", "set_aside"]
STATUS_LABELS: dict[str, str] = {
    "draft": N_("Draft"),
    "shortlisted": N_("Shortlisted"),
    "approved": N_("Approved"),
    "set_aside": N_("Set aside"),
}
SHORTLIST_MAX = 3


class PropositionText(msgspec.Struct, kw_only=True):
    title: str
    description: str
    for_whom: str = ""
    themes: list[str] = []


class Version(msgspec.Struct, frozen=True, kw_only=True):
    version: int
    title: str
    description: str
    for_whom: str
    themes: list[str]
    what_changed: str
    why: str
    changed_by_name: str | None
    changed_at: datetime


class Evidence(msgspec.Struct, frozen=True, kw_only=True):
    contribution_id: UUID | None
    """None: the contribution was withdrawn (its words are gone), or is one this reader may not read."""
    reference: str | None
    text: str | None
    kind: str | None
    hidden: bool = False
    """Still there, but not for this reader (flagged, or not shared with partner organisations)."""


class Proposition(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    programme: str
    status: Status
    version: int
    title: str
    description: str
    for_whom: str
    themes: list[str]
    evidence: int
    withdrawn: int
    drafted_in_phase: str | None = None
    """The programme's phase when it was drafted: before Define, the evidence had not been analysed yet."""


class ConsensusSummary(msgspec.Struct, frozen=True, kw_only=True):
    """Where the latest consensus round left a proposition (from the consensus domain, for the decision rule)."""

    round_title: str
    consensus: bool
    reason: str
    supporting: float | None
    people: int
    dissenting: list[str]
    """Groups large enough to show in which support fell short, e.g. "neighbourhood stockwell (0%)"."""


class Decision(msgspec.Struct, kw_only=True):
    """A board's decision on a proposition; an approval carries the implementation plan."""

    approved: bool
    board: str
    decided_on: date
    decision_note: str = ""
    actions: str = ""
    owner: str = ""
    budget: str = ""
    resourcing: str = ""
    milestones: str = ""
    without_consensus: str = ""
    """Why the board approved it although the consensus round did not show consensus (required then)."""


class RecordedDecision(msgspec.Struct, frozen=True, kw_only=True):
    decision: Decision
    version: int
    recorded_by_name: str | None
    recorded_at: datetime


class Comment(msgspec.Struct, frozen=True, kw_only=True):
    """A comment on a proposition, as this reader may read it (engage.privacy.visibility.authored_words)."""

    id: UUID
    author_name: str
    author_organisation: str | None
    community: bool
    """Written by a community of practice member (no staff account)."""
    mine: bool
    """Written by the reader: they may withdraw it."""
    text: str
    created_at: datetime


COMMENT_MAX = 2000


class PropositionDetail(msgspec.Struct, frozen=True, kw_only=True):
    proposition: Proposition
    versions: list[Version]
    evidence: list[Evidence]
    decision: RecordedDecision | None = None
    comments: list[Comment] = []


class UsedIn(msgspec.Struct, frozen=True, kw_only=True):
    """Where a contribution was used: a proposition it is pinned behind."""

    proposition_id: UUID
    programme: str
    title: str
    status: Status


class PropositionProblem(Problem):
    """Bad input about a proposition or its approval."""
