"""Shapes for a board's recommendations tracker: what a board or scrutiny committee recommended, who owns it, when
it is due, what it is linked to, and each dated update of its status."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

import msgspec

from engage.problems import Problem

Status = Literal["awaiting", "accepted", "in_progress", "done", "rejected"]
STATUS_LABELS: dict[str, str] = {
    "awaiting": "Awaiting a response",
    "accepted": "Accepted",
    "in_progress": "In progress",
    "done": "Done",
    "rejected": "Rejected",
}
UPDATE_STATUSES: tuple[Status, ...] = ("accepted", "in_progress", "done", "rejected")
"""What an update may set; a new recommendation is awaiting a response until its first update."""
CLOSED: tuple[Status, ...] = ("done", "rejected")


class RecommendationDraft(msgspec.Struct, kw_only=True):
    text: str
    owner: str
    """Who answers for it: a post or a team ("Director of Adult Social Care"), not a private person."""
    made_on: date | None
    due_on: date | None = None
    label: str = ""
    """The board's own number for it ("R4"), if it has one."""
    propositions: list[UUID] = []
    references: list[str] = []
    """Contributions it rests on, by reference."""
    responses: list[UUID] = []


class Recommendation(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    board_id: str
    board_name: str
    label: str
    text: str
    owner: str
    made_on: date
    due_on: date | None
    status: Status
    contributions: int
    """Linked contributions still held (a withdrawn one drops out of the count)."""

    def overdue(self, today: date) -> bool:
        return self.due_on is not None and self.due_on < today and self.status not in CLOSED


class Update(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    recommendation_id: UUID
    status: Status
    note: str
    changed_on: date
    recorded_at: datetime


class Linked(msgspec.Struct, frozen=True, kw_only=True):
    """A proposition or a "you said, we did" response a recommendation is linked to."""

    recommendation_id: UUID
    id: UUID
    title: str
    status: str


class LinkedContribution(msgspec.Struct, frozen=True, kw_only=True):
    """A linked contribution as this reader may read it (engage.privacy.visibility)."""

    id: UUID
    reference: str
    text: str


class Tracked(msgspec.Struct, frozen=True, kw_only=True):
    """A recommendation with its history and links."""

    recommendation: Recommendation
    updates: list[Update]
    propositions: list[Linked]
    responses: list[Linked]
    overdue: bool


class RecommendationProblem(Problem):
    """Bad input about a recommendation or its update."""
