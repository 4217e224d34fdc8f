"""Use cases for propositions. Callers own the transaction.

A programme's facilitators (and admins) draft propositions, pin the contributions behind them, revise them in
versions (each saying what changed and why) and keep a shortlist of at most three. Anyone who may read
contributions may read them, and so may the programme's community of practice members.

Staff and the programme's community of practice comment on propositions. A comment is free text that may name
people, so the worker redacts it (the `proposition.comment_posted` event) and only readers of words as written,
and its author, read it as written; its author may withdraw it, which deletes it.
"""

from __future__ import annotations

import uuid
from uuid import UUID

from engage.accounts.models import StaffUser
from engage.audit import queries as audit
from engage.db import Connection
from engage.ids import uuid7
from engage.outbox import queries as outbox
from engage.outbox.models import COMMENT_POSTED
from engage.privacy.visibility import Sight
from engage.problems import FieldError
from engage.programmes import queries as programme_queries
from engage.programmes.service import may_read, runs_programme
from engage.propositions import queries
from engage.propositions.models import (
    COMMENT_MAX,
    SHORTLIST_MAX,
    STATUS_LABELS,
    ConsensusSummary,
    Decision,
    Proposition,
    PropositionDetail,
    PropositionProblem,
    PropositionText,
)
from engage.tags import queries as tag_queries


async def _require_facilitator(conn: Connection, programme: str, viewer: StaffUser) -> None:
    if not await runs_programme(conn, programme, viewer):
        raise PropositionProblem("programme", "Only this programme's facilitators change its propositions.", status=403)


async def _checked(conn: Connection, programme: str, text: PropositionText) -> PropositionText:
    found = await programme_queries.get_programme(conn, programme)
    if found is None:
        raise PropositionProblem("programme", "No programme with this address.", status=404)
    text.title, text.description, text.for_whom = text.title.strip(), text.description.strip(), text.for_whom.strip()
    if not text.title or len(text.title) > 150:
        raise PropositionProblem("title", "Give a title of up to 150 characters.")
    if not text.description or len(text.description) > 5000:
        raise PropositionProblem("description", "Describe it in plain English (up to 5,000 characters).")
    framework = await tag_queries.get_framework(conn, found.framework_id)
    known = {theme.id for theme in framework.themes} if framework else set()
    if set(text.themes) - known:
        raise PropositionProblem("themes", "Choose themes from the programme's framework.")
    return text


async def draft_proposition(conn: Connection, programme: str, viewer: StaffUser, text: PropositionText) -> UUID:
    text = await _checked(conn, programme, text)
    await _require_facilitator(conn, programme, viewer)
    proposition_id = uuid.uuid4()
    await queries.insert_proposition(conn, proposition_id, programme, text, viewer.id)
    # Allowed in any phase, but drafting during Discovery (before the evidence is analysed) is recorded, and the
    # proposition says so wherever it is shown.
    await audit.record(
        conn,
        actor=viewer.id,
        action="proposition.drafted",
        subject_type="proposition",
        subject_id=str(proposition_id),
        detail={"phase": await _phase(conn, programme)},
    )
    return proposition_id


async def _phase(conn: Connection, programme: str) -> str:
    found = await programme_queries.get_programme(conn, programme)
    return found.phase if found else ""


async def _editable(conn: Connection, proposition_id: UUID, viewer: StaffUser) -> Proposition:
    proposition = await queries.get_proposition(conn, proposition_id, lock=True)
    if proposition is None:
        raise PropositionProblem("proposition", "No proposition with this address.", status=404)
    await _require_facilitator(conn, proposition.programme, viewer)
    return proposition


async def revise_proposition(
    conn: Connection,
    proposition_id: UUID,
    viewer: StaffUser,
    text: PropositionText,
    *,
    what_changed: str,
    why: str,
    expected_version: int,
) -> int:
    """Save a new version. `expected_version` is the version the editor started from: if someone saved another
    version meanwhile, this one is refused rather than silently overwriting theirs."""
    proposition = await _editable(conn, proposition_id, viewer)
    if proposition.status == "approved":
        raise PropositionProblem("proposition", "An approved proposition is not changed; draft a new one.")
    if proposition.version != expected_version:
        raise PropositionProblem(
            "title", f"Someone saved version {proposition.version} while you were editing; start from that one."
        )
    text = await _checked(conn, proposition.programme, text)
    if not what_changed.strip() or not why.strip():
        raise PropositionProblem("what_changed", "Say what changed and why, so people can follow the decision.")
    version = proposition.version + 1
    await queries.insert_version(
        conn, proposition_id, version, text, what_changed.strip()[:4000], why.strip()[:4000], viewer.id
    )
    await audit.record(
        conn,
        actor=viewer.id,
        action="proposition.revised",
        subject_type="proposition",
        subject_id=str(proposition_id),
        detail={"version": version},
    )
    return version


async def pin_evidence(conn: Connection, proposition_id: UUID, viewer: StaffUser, contribution_id: UUID) -> None:
    await _editable(conn, proposition_id, viewer)
    if not await queries.pin(conn, proposition_id, contribution_id, viewer.id) and not await queries.is_pinned(
        conn, proposition_id, contribution_id
    ):
        raise PropositionProblem("contribution", "No contribution with this id.", status=404)


async def unpin_evidence(conn: Connection, proposition_id: UUID, viewer: StaffUser, contribution_id: UUID) -> None:
    await _editable(conn, proposition_id, viewer)
    await queries.unpin(conn, proposition_id, contribution_id)


async def set_status(conn: Connection, proposition_id: UUID, viewer: StaffUser, status: str) -> None:
    """Shortlist (at most three per programme), set aside or return to draft. Approval is a board's decision
    and is recorded elsewhere."""
    proposition = await _editable(conn, proposition_id, viewer)
    if status not in ("draft", "shortlisted", "set_aside"):
        raise PropositionProblem("status", "Choose draft, shortlisted or set aside.")
    if proposition.status == "approved":
        raise PropositionProblem("status", "An approved proposition keeps its status.")
    if (
        status == "shortlisted"
        and proposition.status != "shortlisted"
        and await queries.count_shortlisted(conn, proposition.programme) >= SHORTLIST_MAX
    ):
        raise PropositionProblem("status", f"The shortlist already has {SHORTLIST_MAX}; set one aside first.")
    await queries.set_status(conn, proposition_id, status)
    await audit.record(
        conn,
        actor=viewer.id,
        action="proposition.status",
        subject_type="proposition",
        subject_id=str(proposition_id),
        detail={"status": status, "label": STATUS_LABELS[status], "phase": await _phase(conn, proposition.programme)},
    )


async def record_decision(
    conn: Connection,
    proposition_id: UUID,
    viewer: StaffUser,
    decision: Decision,
    consensus: ConsensusSummary | None,
) -> None:
    """Record which board decided, when, and (for an approval) the implementation plan. Approval needs the
    proposition on the shortlist, and approving one the latest consensus round (``consensus``) did not support, or
    one never put to a round, needs a recorded reason. A decision, once recorded, is not changed (record a new
    proposition instead)."""
    proposition = await _editable(conn, proposition_id, viewer)
    decision.board = decision.board.strip()[:200]
    for name in ("decision_note", "actions", "owner", "budget", "resourcing", "milestones"):
        setattr(decision, name, str(getattr(decision, name)).strip()[:4000])
    if await queries.decision_for(conn, proposition_id) is not None:
        raise PropositionProblem("approved", "A decision is already recorded for this proposition.", status=409)
    if not decision.board:
        raise PropositionProblem("board", "Say which board made the decision.")
    if proposition.status != "shortlisted":
        raise PropositionProblem("approved", "Only a shortlisted proposition goes to a board for decision.")
    decision.without_consensus = decision.without_consensus.strip()[:4000]
    errors = []
    if decision.approved and (not decision.actions or not decision.owner):
        errors.append(
            FieldError("actions", "An approval needs its implementation plan: at least the actions and owner.")
        )
    if decision.approved and not (consensus and consensus.consensus) and len(decision.without_consensus) < 10:
        why = consensus.reason if consensus else "It was never put to a consensus round."
        errors.append(FieldError("without_consensus", f"{why} Say why the board approves it without consensus."))
    if errors:
        raise PropositionProblem.of(errors)
    if not await queries.record_decision(conn, proposition_id, proposition.version, decision, viewer.id):
        raise PropositionProblem("approved", "A decision is already recorded for this proposition.", status=409)
    await queries.set_status(conn, proposition_id, "approved" if decision.approved else "set_aside")
    await audit.record(
        conn,
        actor=viewer.id,
        action="proposition.decided",
        subject_type="proposition",
        subject_id=str(proposition_id),
        detail={
            "approved": decision.approved,
            "board": decision.board,
            "version": proposition.version,
            "without_consensus": bool(decision.without_consensus),
        },
    )


async def view_proposition(conn: Connection, proposition_id: UUID, sight: Sight) -> PropositionDetail | None:
    proposition = await queries.get_proposition(conn, proposition_id)
    if proposition is None:
        return None
    return PropositionDetail(
        proposition=proposition,
        versions=await queries.versions(conn, proposition_id),
        evidence=await queries.evidence(conn, proposition_id, sight),
        decision=await queries.decision_for(conn, proposition_id),
        comments=await queries.comments(conn, proposition_id, sight),
    )


async def readable_proposition(conn: Connection, proposition_id: UUID, viewer: StaffUser) -> Proposition:
    """The proposition, if this viewer may read its programme (a community of practice member: only their own
    programmes'; an unknown proposition and someone else's look the same, 404)."""
    proposition = await queries.get_proposition(conn, proposition_id)
    if proposition is None or not await may_read(conn, proposition.programme, viewer):
        raise PropositionProblem("proposition", "No proposition with this address.", status=404)
    return proposition


async def post_comment(conn: Connection, proposition_id: UUID, viewer: StaffUser, body: str) -> UUID:
    proposition = await readable_proposition(conn, proposition_id, viewer)
    body = body.strip()
    if not body:
        raise PropositionProblem("comment", "Write your comment first.")
    if len(body) > COMMENT_MAX:
        raise PropositionProblem("comment", f"Keep a comment under {COMMENT_MAX:,} characters.")
    comment_id = uuid7()
    await queries.insert_comment(conn, comment_id, proposition.id, viewer.id, body)
    await outbox.insert_event(conn, COMMENT_POSTED, {"comment_id": str(comment_id)})
    await audit.record(
        conn,
        actor=viewer.id,
        action="proposition.commented",
        subject_type="proposition",
        subject_id=str(proposition_id),
    )
    return comment_id


async def withdraw_comment(conn: Connection, comment_id: UUID, viewer: StaffUser) -> UUID:
    """Delete the viewer's own comment. Returns the proposition it was on."""
    found = await queries.comment_author(conn, comment_id)
    if found is None or found[0] != viewer.id:
        raise PropositionProblem("comment", "No comment of yours has this address.", status=404)
    await queries.delete_comment(conn, comment_id)
    await audit.record(
        conn,
        actor=viewer.id,
        action="proposition.comment_withdrawn",
        subject_type="proposition",
        subject_id=str(found[1]),
    )
    return found[1]
