"""Use cases for "you said, we did". Callers own the transaction.

Staff with the right to enter contributions record what people said, what was done and its status, linked to a
theme, a neighbourhood, a proposition and the contributions it answers. Everyone who gave one of those
contributions, agreed to be contacted and left an email gets one email about it (the dedupe key makes it one,
whatever retries happen); the public page lists responses by theme and neighbourhood.
"""

from __future__ import annotations

import uuid
from uuid import UUID

import asyncpg

from engage.accounts.models import StaffUser, can
from engage.audit import queries as audit
from engage.ids import normalise_reference
from engage.propositions import queries as proposition_queries
from engage.responses import queries
from engage.responses.models import STATUS_LABELS, ResponseDraft, ResponseProblem


async def publish_response(conn: asyncpg.Connection, viewer: StaffUser, draft: ResponseDraft) -> tuple[UUID, int]:
    """Returns the response's id and how many contributors will be emailed."""
    if not can(viewer.role, "enter_contributions"):
        raise ResponseProblem("title", "Your role does not publish responses.")
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
