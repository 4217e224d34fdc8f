"""Use cases for "you said, we did". Callers own the transaction.

Staff who run programmes (the permission run_programmes) record what people said, what was done and its status,
linked to a theme, a neighbourhood, a proposition and the contributions it answers. Everyone who gave one of those
contributions, agreed to be contacted and left an email gets one email about it (the dedupe key makes it one,
whatever retries happen); the public page lists responses by theme and neighbourhood.

A response's status moves (planned, in progress, done, could not do); each change has a date and a line of what
changed, is kept as a dated history shown on the public page, and sends the same people one email about that
change (the dedupe key names the response, the change and the address).
"""

from __future__ import annotations

import uuid
from datetime import date
from uuid import UUID

import asyncpg

from engage.accounts.models import StaffUser, can
from engage.audit import queries as audit
from engage.db import Connection
from engage.ids import normalise_reference, uuid7
from engage.propositions import queries as proposition_queries
from engage.responses import queries
from engage.responses.models import STATUS_LABELS, ResponseDetail, ResponseDraft, ResponseProblem


async def publish_response(
    conn: Connection, viewer: StaffUser, draft: ResponseDraft, *, today: date
) -> tuple[UUID, int]:
    """Returns the response's id and how many contributors will be emailed."""
    if not can(viewer.role, "run_programmes"):
        raise ResponseProblem("title", "Your role does not publish responses.", status=403)
    draft.title, draft.you_said, draft.we_did = draft.title.strip(), draft.you_said.strip(), draft.we_did.strip()
    for field, value, limit in (
        ("title", draft.title, 200),
        ("you_said", draft.you_said, 4000),
        ("we_did", draft.we_did, 4000),
    ):
        if not value:
            raise ResponseProblem(field, "Fill this in: people read it on the public page.")
        if len(value) > limit:
            raise ResponseProblem(field, f"Keep it under {limit:,} characters.")
    if draft.status not in STATUS_LABELS:
        raise ResponseProblem("status", "Choose planned, in progress or done.")
    if draft.proposition_id and await proposition_queries.get_proposition(conn, draft.proposition_id) is None:
        raise ResponseProblem("proposition_id", "No proposition with this id.")
    references = sorted({normalise_reference(r) for r in draft.references if r.strip()})
    response_id = uuid.uuid4()
    try:
        await queries.insert_response(conn, response_id, draft, viewer.id)
    except asyncpg.ForeignKeyViolationError as exc:
        raise ResponseProblem("neighbourhood", "Choose a neighbourhood from the list.") from exc
    unknown = await queries.link_evidence(conn, response_id, references, draft.proposition_id)
    if unknown:
        raise ResponseProblem("references", f"No contribution has the reference {unknown[0]}.")
    # The history starts with the status it was published with; that first email is the response's own.
    await queries.insert_update(conn, uuid7(), response_id, draft.status, "Published.", today, viewer.id)
    emailed = await queries.queue_emails(conn, response_id)
    await audit.record(
        conn,
        actor=viewer.id,
        action="response.published",
        subject_type="response",
        subject_id=str(response_id),
        detail={"emails": emailed},
    )
    return response_id, emailed


async def change_status(
    conn: Connection,
    viewer: StaffUser,
    response_id: UUID,
    *,
    status: str,
    note: str,
    changed_on: date | None,
    expected: str,
    today: date,
) -> int:
    """Move a response to a new status, dated, with a line of what changed; queue one email per person to tell.
    `expected` is the status the form was opened on: a second press of the same button, or two people at once,
    is refused rather than recorded (and emailed) twice. Returns how many people will be emailed."""
    if not can(viewer.role, "run_programmes"):
        raise ResponseProblem("status", "Your role does not change responses.", status=403)
    response = await queries.lock_response(conn, response_id)
    if response is None:
        raise ResponseProblem("response", "No response with this address.", status=404)
    if status not in STATUS_LABELS:
        raise ResponseProblem("status", "Choose planned, in progress, done or could not do.")
    if response.status != expected or response.status == status:
        raise ResponseProblem(
            "status", f"It is already {STATUS_LABELS[response.status].lower()}: choose what it is now."
        )
    note = note.strip()
    if not note or len(note) > 1000:
        raise ResponseProblem("note", "Say in a line what changed (up to 1,000 characters): people read it.")
    history = await queries.updates_for(conn, [response_id])
    last = history[-1].changed_on if history else None
    if changed_on is None or changed_on > today:
        raise ResponseProblem("changed_on", "Give the date it changed, like 2026-03-14, today or before.")
    if last and changed_on < last:
        raise ResponseProblem("changed_on", f"The last change was on {last:%-d %B %Y}: give that date or later.")
    update_id = uuid7()
    await queries.insert_update(conn, update_id, response_id, status, note, changed_on, viewer.id)
    emailed = await queries.queue_update_emails(conn, response_id, update_id)
    await audit.record(
        conn,
        actor=viewer.id,
        action="response.status",
        subject_type="response",
        subject_id=str(response_id),
        detail={"from": response.status, "to": status, "emails": emailed},
    )
    return emailed


async def view_response(conn: Connection, response_id: UUID) -> ResponseDetail | None:
    response = await queries.get_response(conn, response_id)
    if response is None:
        return None
    return ResponseDetail(response=response, updates=await queries.updates_for(conn, [response_id]))
