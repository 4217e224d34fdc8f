"""Shapes for workshops, their prompts, live sessions and the notes on their boards."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import msgspec

from engage.problems import Problem

MAX_NOTE_CHARS = 1000


class WorkshopDraft(msgspec.Struct, kw_only=True):
    title: str
    held_on: date | None
    """None: not given, or not a date (the edge parses it; the service names the field)."""
    venue: str = ""
    neighbourhood: str | None = None
    accessibility: str = ""
    attendance: int | None = None
    attendance_given: str = ""
    """What was typed for attendance: a number from 0 to 100,000, or nothing."""
    equality_summary: str = ""
    prompts: list[str] = []


class Prompt(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    position: int
    text: str


class Workshop(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    programme: str
    programme_name: str
    title: str
    held_on: date
    venue: str
    neighbourhood: str | None
    accessibility: str
    attendance: int | None
    equality_summary: str
    code: str | None
    opened_at: datetime | None
    closed_at: datetime | None
    prompts: list[Prompt]
    notes: int = 0

    @property
    def is_live(self) -> bool:
        return self.code is not None and self.closed_at is None


HIDDEN_NOTE = "A note your role does not give access to."


class Note(msgspec.Struct, frozen=True, kw_only=True):
    contribution_id: UUID
    prompt_id: UUID
    text: str
    group_label: str
    duplicate_of: UUID | None
    from_paper: bool
    received_at: datetime
    hidden: bool = False
    translated_from: str | None = None
    """The language of the note as written, when `text` is a translation staff added."""


class BoardEvent(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    kind: str
    payload: dict[str, Any]


class NoteIn(msgspec.Struct, kw_only=True):
    prompt_id: str
    text: str
    client_key: str
    consent_quote: bool = False
    locale: str = "en"
    """The language of the page the participant posted from."""


class WorkshopProblem(Problem):
    """Bad input about a workshop or a note: the field and the reason, nothing changed."""
