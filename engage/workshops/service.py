"""Use cases for workshops and live capture. Callers own the transaction.

A note posted from a phone is a contribution (kind `workshop_note`, source `workshop`, linked to the programme and
the workshop's neighbourhood), so it is tagged, searchable and withdrawable like any other; its place on the board
(prompt, group, duplicate of) lives in `workshop_notes`, and every change to the board is a row in `board_events`,
which the board reads as a server-sent event stream from the last id it saw.
"""

from __future__ import annotations

import secrets
import uuid
from uuid import UUID

import asyncpg

from engage.accounts.models import StaffUser
from engage.audit import queries as audit
from engage.contributions.models import (
    Consent,
    IdempotencyConflict,
    InvalidContribution,
    Placement,
    PlacementRefused,
    Receipt,
    Submission,
)
from engage.contributions.service import NOTE_MINIMUM, Submitter, text_problem
from engage.db import Connection
from engage.i18n import N_
from engage.ids import fingerprint, uuid7
from engage.privacy.visibility import Sight
from engage.problems import FieldError
from engage.programmes import queries as programme_queries
from engage.programmes.service import runs_programme
from engage.workshops import queries
from engage.workshops.models import MAX_NOTE_CHARS, Note, NoteIn, Workshop, WorkshopDraft, WorkshopProblem

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L: read off a projector across a room


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())[:6]


async def plan_workshop(conn: Connection, programme: str, viewer: StaffUser, draft: WorkshopDraft) -> UUID:
    if await programme_queries.get_programme(conn, programme) is None:
        raise WorkshopProblem("programme", "No programme with this address.", status=404)
    if not await runs_programme(conn, programme, viewer):
        raise WorkshopProblem("programme", "Only this programme's facilitators plan its workshops.", status=403)
    draft.title = draft.title.strip()
    draft.prompts = [p.strip() for p in draft.prompts if p.strip()]
    errors = []
    if not draft.title:
        errors.append(FieldError("title", "Give the workshop a title."))
    if draft.held_on is None:
        errors.append(FieldError("held_on", "Give the date of the workshop, like 2026-03-14."))
    if not draft.prompts:
        errors.append(FieldError("prompts", "Write at least one prompt, one per line."))
    elif len(draft.prompts) > 12 or any(len(p) > 300 for p in draft.prompts):
        errors.append(FieldError("prompts", "Up to 12 prompts, each under 300 characters."))
    if draft.attendance_given and draft.attendance is None:
        errors.append(FieldError("attendance", "Give attendance as a whole number of people, up to 100,000."))
    if errors:
        raise WorkshopProblem.of(errors)
    workshop_id = uuid7()
    try:
        await queries.insert_workshop(
            conn, workshop_id, programme, draft, [uuid.uuid4() for _ in draft.prompts], viewer.id
        )
    except asyncpg.ForeignKeyViolationError as exc:
        raise WorkshopProblem("neighbourhood", "Choose a neighbourhood from the list.") from exc
    await audit.record(
        conn, actor=viewer.id, action="workshop.planned", subject_type="workshop", subject_id=str(workshop_id)
    )
    return workshop_id


async def _workshop_for_staff(conn: Connection, workshop_id: UUID, viewer: StaffUser) -> Workshop:
    workshop = await queries.get_workshop(conn, workshop_id)
    if workshop is None:
        raise WorkshopProblem("workshop", "No workshop with this address.", status=404)
    if not await runs_programme(conn, workshop.programme, viewer):
        raise WorkshopProblem("workshop", "Only this programme's facilitators run its workshops.", status=403)
    return workshop


async def open_live_session(conn: Connection, workshop_id: UUID, viewer: StaffUser) -> str:
    """Open (or re-open) the live session and return its join code."""
    workshop = await _workshop_for_staff(conn, workshop_id, viewer)
    if workshop.is_live and workshop.code:
        return workshop.code
    for _ in range(20):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        if await queries.open_session(conn, workshop_id, code):
            await audit.record(
                conn, actor=viewer.id, action="workshop.opened", subject_type="workshop", subject_id=str(workshop_id)
            )
            return code
    raise RuntimeError("no free join code after 20 tries")


async def close_live_session(conn: Connection, workshop_id: UUID, viewer: StaffUser) -> None:
    """Close the session: no more notes from phones; everything posted stays as workshop-note contributions."""
    await _workshop_for_staff(conn, workshop_id, viewer)
    if await queries.close_session(conn, workshop_id):
        await queries.add_event(conn, workshop_id, "closed", None, {})
        await audit.record(
            conn, actor=viewer.id, action="workshop.closed", subject_type="workshop", subject_id=str(workshop_id)
        )


CLOSED = N_("This session has closed. Thank you for taking part.")
ALREADY_POSTED = N_("That note was already posted with other words. To add these words, post them again.")


async def live_workshop(conn: Connection, code: str) -> Workshop:
    """The workshop a join code belongs to, refusing unknown codes (404) and closed sessions (410)."""
    workshop = await queries.get_by_code(conn, normalise_code(code))
    if workshop is None:
        raise WorkshopProblem(
            "code", N_("There is no session with this code. Check the code on the screen."), status=404
        )
    if not workshop.is_live:
        raise WorkshopProblem("code", CLOSED, status=410)
    return workshop


async def _place_note(
    intake: Submitter, workshop: Workshop, note: NoteIn, *, from_paper: bool, entered_by: UUID | None
) -> Receipt:
    """Put a note on the board (once: the same client key again finds the note already there). The note, its
    place and its board event are written together in one statement (by the web's intake batcher)."""
    text = " ".join(note.text.split())
    if not text:
        raise WorkshopProblem("text", N_("Write your note before posting it."))
    if len(text) > MAX_NOTE_CHARS:
        raise WorkshopProblem(
            "text",
            N_("Keep a note under %(most)s characters; post a second one for more."),
            params={"most": MAX_NOTE_CHARS},
        )
    try:
        prompt_id = UUID(note.prompt_id)
    except ValueError:
        prompt_id = None
    if prompt_id is None or not any(p.id == prompt_id for p in workshop.prompts):
        raise WorkshopProblem("prompt_id", N_("Choose one of this session's prompts."))
    if not from_paper and (problem := text_problem(text, minimum=NOTE_MINIMUM)) is not None:
        raise WorkshopProblem("text", problem.msgid or problem.reason, params=problem.params)
    key = note.client_key.strip()[:64] or uuid.uuid4().hex
    submission = Submission(
        kind="workshop_note",
        text=text,
        consent=Consent(analysis=True, quote=note.consent_quote),
        source="workshop",
        source_name=workshop.title,
        neighbourhood=workshop.neighbourhood,
        programme=workshop.programme,
        entered_by=entered_by,
        locale=note.locale,
        idempotency_key=f"workshop:{workshop.id}:{key}",
        fingerprint=fingerprint(note.prompt_id, text),
        # Notes from phones only while the session is open; notes from paper are typed in during or after it.
        placement=Placement(
            workshop_id=workshop.id, prompt_id=prompt_id, from_paper=from_paper, while_live=not from_paper
        ),
    )
    try:
        return (await intake.submit(submission)).receipt
    except PlacementRefused as exc:
        raise WorkshopProblem("code", CLOSED, status=410) from exc
    except IdempotencyConflict as exc:
        raise WorkshopProblem("text", ALREADY_POSTED) from exc
    except InvalidContribution as exc:
        raise WorkshopProblem.of(exc.errors) from exc


async def post_note(intake: Submitter, workshop: Workshop, note: NoteIn) -> Receipt:
    """A participant's note from a phone, for a session found with `live_workshop` (posting the same note twice
    places it once). Returns the note's reference and withdrawal code, shown on their phone only. A session closing
    while the note is on its way refuses it (410), as a closed session does: the statement that writes the note
    locks the workshop's row and checks it is still open."""
    return await _place_note(intake, workshop, note, from_paper=False, entered_by=None)


async def type_in_note(
    conn: Connection, intake: Submitter, workshop_id: UUID, viewer: StaffUser, note: NoteIn
) -> Receipt:
    """A note from paper, typed in by a facilitator (during or after the session). The reference and code go back
    to whoever wrote it, if they can be reached, so they can withdraw it too."""
    workshop = await _workshop_for_staff(conn, workshop_id, viewer)
    return await _place_note(intake, workshop, note, from_paper=True, entered_by=viewer.id)


async def arrange_note(
    conn: Connection,
    workshop_id: UUID,
    viewer: StaffUser,
    contribution_id: UUID,
    *,
    prompt_id: str | None = None,
    group_label: str | None = None,
    duplicate_of: str | None = None,
) -> None:
    """Move a note to another prompt, put it in a named group, or mark it a duplicate of another note."""
    workshop = await _workshop_for_staff(conn, workshop_id, viewer)
    on_board = await queries.note_ids(conn, workshop_id)
    if contribution_id not in on_board:
        raise WorkshopProblem("note", "That note is not on this board.", status=404)
    if prompt_id is not None:
        try:
            target = UUID(prompt_id)
        except ValueError as exc:
            raise WorkshopProblem("prompt_id", "Choose one of this workshop's prompts.") from exc
        if not any(p.id == target for p in workshop.prompts):
            raise WorkshopProblem("prompt_id", "Choose one of this workshop's prompts.")
        await queries.update_note(conn, workshop_id, contribution_id, prompt_id=target)
        await queries.add_event(
            conn, workshop_id, "moved", contribution_id, {"id": str(contribution_id), "prompt_id": str(target)}
        )
    if group_label is not None:
        label = " ".join(group_label.split())[:80]
        await queries.update_note(conn, workshop_id, contribution_id, group_label=label)
        await queries.add_event(
            conn, workshop_id, "grouped", contribution_id, {"id": str(contribution_id), "group": label}
        )
    if duplicate_of is not None:
        try:
            original = UUID(duplicate_of) if duplicate_of else None
        except ValueError as exc:
            raise WorkshopProblem("duplicate_of", "Choose another note on this board.") from exc
        if original is not None and (original not in on_board or original == contribution_id):
            raise WorkshopProblem("duplicate_of", "Choose another note on this board.")
        await queries.update_note(conn, workshop_id, contribution_id, duplicate_of=original)
        await queries.add_event(
            conn,
            workshop_id,
            "merged",
            contribution_id,
            {"id": str(contribution_id), "duplicate_of": str(original) if original else None},
        )


async def view_notes(conn: Connection, viewer: StaffUser, sight: Sight, workshop_id: UUID) -> list[Note]:
    """A workshop's notes as this reader may read them; showing them is recorded in the audit trail."""
    found = await queries.notes(conn, workshop_id, sight)
    if found:
        await audit.record(
            conn,
            actor=viewer.id,
            action="workshop.notes_viewed",
            subject_type="workshop",
            subject_id=str(workshop_id),
            detail={"notes": len(found), "hidden": sum(n.hidden for n in found)},
        )
    return found


async def record_board_watched(conn: Connection, viewer: StaffUser, workshop_id: UUID) -> None:
    """Opening a board's live stream shows its notes: in the audit trail."""
    await audit.record(
        conn, actor=viewer.id, action="workshop.board_watched", subject_type="workshop", subject_id=str(workshop_id)
    )
