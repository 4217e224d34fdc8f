"""Use cases for a board's recommendations tracker. Callers own the transaction.

A board or scrutiny committee recommends; whoever the recommendation is addressed to answers, and the answer
moves over months (accepted, in progress, done, or rejected). The board's owner (or an admin) records each
recommendation (its text, owner, due date, and the propositions, contributions and "you said, we did" responses it
rests on) and each dated update. Status and overdue items go into the board's digest and onto the public page
(/recommendations), which carries no personal data: linked contributions are shown there only as a count, and on
staff pages only as the visibility rule allows the reader.
"""

from __future__ import annotations

import uuid
from datetime import date
from uuid import UUID

from engage.accounts.models import StaffUser
from engage.audit import queries as audit
from engage.boards import service as boards
from engage.boards.models import Board
from engage.db import Connection
from engage.ids import normalise_reference, uuid7
from engage.privacy.visibility import Sight
from engage.recommendations import queries
from engage.recommendations.models import (
    STATUS_LABELS,
    UPDATE_STATUSES,
    LinkedContribution,
    Recommendation,
    RecommendationDraft,
    RecommendationProblem,
    Tracked,
)


async def record_recommendation(conn: Connection, viewer: StaffUser, board: Board, draft: RecommendationDraft) -> UUID:
    """Record a board's recommendation (its owner or an admin), awaiting a response."""
    if board.kind != "board" or not boards.may_edit(viewer, board):
        raise RecommendationProblem(
            "text", "Only the board's owner or an administrator records its recommendations.", status=403
        )
    draft.text, draft.owner, draft.label = draft.text.strip(), draft.owner.strip(), draft.label.strip()
    if not draft.text or len(draft.text) > 4000:
        raise RecommendationProblem("text", "Write the recommendation (up to 4,000 characters).")
    if not draft.owner or len(draft.owner) > 200:
        raise RecommendationProblem("owner", "Say who answers for it: a post or a team (up to 200 characters).")
    if len(draft.label) > 20:
        raise RecommendationProblem("label", "Keep the board's number for it short, like R4.")
    if draft.made_on is None:
        raise RecommendationProblem("made_on", "Give the date the board made it, like 2026-03-14.")
    if draft.due_on is not None and draft.due_on < draft.made_on:
        raise RecommendationProblem("due_on", "The due date comes after the date it was made.")
    recommendation_id = uuid.uuid4()
    await queries.insert_recommendation(conn, recommendation_id, board.id, draft, viewer.id)
    references = sorted({normalise_reference(r) for r in draft.references if r.strip()})
    unknown, _, _ = await queries.link(
        conn,
        recommendation_id,
        propositions=draft.propositions,
        references=references,
        responses=draft.responses,
    )
    if unknown:
        raise RecommendationProblem("references", f"No contribution has the reference {unknown[0]}.")
    await audit.record(
        conn,
        actor=viewer.id,
        action="recommendation.recorded",
        subject_type="recommendation",
        subject_id=str(recommendation_id),
        detail={"board": board.id},
    )
    return recommendation_id


async def record_update(
    conn: Connection,
    viewer: StaffUser,
    board: Board,
    recommendation_id: UUID,
    *,
    status: str,
    note: str,
    changed_on: date | None,
    expected: str,
    today: date,
) -> None:
    """A dated update: the new status and a line of what changed. `expected` is the status the form was opened
    on, so a second press of the button (or two people at once) is refused rather than recorded twice."""
    if not boards.may_edit(viewer, board):
        raise RecommendationProblem("status", "Only the board's owner or an administrator updates it.", status=403)
    found = await queries.get_recommendation(conn, recommendation_id, lock=True)
    if found is None or found.board_id != board.id:
        raise RecommendationProblem("recommendation", "No recommendation with this address.", status=404)
    if status not in UPDATE_STATUSES:
        raise RecommendationProblem("status", "Choose accepted, in progress, done or rejected.")
    if found.status != expected:
        raise RecommendationProblem(
            "status", f"Someone updated it meanwhile: it is now {STATUS_LABELS[found.status].lower()}."
        )
    note = note.strip()
    if not note or len(note) > 1000:
        raise RecommendationProblem("note", "Say in a line what changed (up to 1,000 characters).")
    if changed_on is None or changed_on > today:
        raise RecommendationProblem("changed_on", "Give the date it changed, like 2026-03-14, today or before.")
    if changed_on < found.made_on:
        raise RecommendationProblem("changed_on", "An update comes after the date the recommendation was made.")
    await queries.insert_update(conn, uuid7(), recommendation_id, status, note, changed_on, viewer.id)
    await audit.record(
        conn,
        actor=viewer.id,
        action="recommendation.updated",
        subject_type="recommendation",
        subject_id=str(recommendation_id),
        detail={"from": found.status, "to": status},
    )


async def tracked(conn: Connection, found: list[Recommendation], today: date) -> list[Tracked]:
    """Recommendations with their history and links, in one query per kind of thing."""
    ids = [r.id for r in found]
    updates = await queries.updates_for(conn, ids)
    propositions = await queries.linked_propositions(conn, ids)
    responses = await queries.linked_responses(conn, ids)
    return [
        Tracked(
            recommendation=r,
            updates=[u for u in updates if u.recommendation_id == r.id],
            propositions=[p for p in propositions if p.recommendation_id == r.id],
            responses=[s for s in responses if s.recommendation_id == r.id],
            overdue=r.overdue(today),
        )
        for r in found
    ]


async def view_recommendation(
    conn: Connection, recommendation_id: UUID, sight: Sight, today: date
) -> tuple[Tracked, list[LinkedContribution], int] | None:
    """One recommendation for a staff page: with the linked contributions this reader may read, and how many
    more there are."""
    found = await queries.get_recommendation(conn, recommendation_id)
    if found is None:
        return None
    shown, hidden = await queries.linked_contributions(conn, recommendation_id, sight)
    return (await tracked(conn, [found], today))[0], shown, hidden
