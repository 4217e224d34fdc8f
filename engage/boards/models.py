"""Shapes of boards, their members and their schedules, and of one person's theme subscription."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

import msgspec

from engage.problems import Problem

Frequency = Literal["weekly", "monthly", "before_meeting"]
FREQUENCY_LABELS: dict[str, str] = {
    "weekly": "Every week (on Monday, for the week before)",
    "monthly": "Every month (on the 1st, for the month before)",
    "before_meeting": "A set number of days before each meeting",
}
BoardKind = Literal["board", "subscription"]

MAX_MEMBERS = 2000
"""A board is a committee, not a mailing list; a paste this long is a mistake."""


class BoardDraft(msgspec.Struct, kw_only=True):
    id: str
    name: str
    frequency: str
    owner_email: str
    days_before: int | None = None
    themes: list[str] = []
    neighbourhoods: list[str] = []
    programmes: list[str] = []
    meetings: list[date] = []
    members: list[str] = []
    framework_id: str | None = None
    """The theme framework the board follows (its digests count and quote by it); None: Engage's main one."""


class Board(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    kind: BoardKind
    name: str
    owner_id: UUID | None
    owner_name: str | None
    owner_email: str | None
    frequency: Frequency
    days_before: int | None
    themes: list[str]
    neighbourhoods: list[str]
    programmes: list[str]
    created_at: datetime
    meetings: list[date]
    members: int
    framework_id: str | None = None


class Member(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    board_id: str
    email: str
    added_at: datetime
    confirmed_at: datetime | None
    unsubscribed_at: datetime | None

    @property
    def receives(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None


class BoardProblem(Problem):
    """Bad input about a board, its members or a subscription."""
