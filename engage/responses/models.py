"""Shapes for "you said, we did" responses."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

import msgspec

from engage.i18n import N_
from engage.problems import Problem

Status = Literal["planned", "in_progress", "done", "could_not_do"]
STATUS_LABELS: dict[str, str] = {
    "planned": N_("Planned"),
    "in_progress": N_("In progress"),
    "done": N_("Done"),
    "could_not_do": N_("Could not do"),
}


class ResponseDraft(msgspec.Struct, kw_only=True):
    title: str
    you_said: str
    we_did: str
    status: str
    theme_id: str | None = None
    neighbourhood: str | None = None
    proposition_id: UUID | None = None
    references: list[str] = []
    """Contributions it answers, by reference (a proposition's pinned evidence is added too)."""


class Response(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    title: str
    you_said: str
    we_did: str
    status: Status
    theme_id: str | None
    neighbourhood: str | None
    neighbourhood_name: str | None
    proposition_id: UUID | None
    evidence: int
    published_at: datetime


class Update(msgspec.Struct, frozen=True, kw_only=True):
    """One dated change of a response's status, with a line of what changed."""

    id: UUID
    response_id: UUID
    status: Status
    note: str
    changed_on: date
    recorded_at: datetime


class ResponseDetail(msgspec.Struct, frozen=True, kw_only=True):
    response: Response
    updates: list[Update]
    """Oldest first: the first is its publication."""


class ResponseProblem(Problem):
    """Bad input about a "you said, we did" response."""
