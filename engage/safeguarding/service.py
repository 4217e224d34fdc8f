"""Use cases for safeguarding flags. Only those who handle safeguarding read flagged words; every look and every
decision is in the audit trail. Callers own the transaction."""

from __future__ import annotations

from uuid import UUID

from engage.accounts.models import StaffUser, can
from engage.audit import queries as audit
from engage.db import Connection
from engage.privacy.visibility import sight_for
from engage.problems import Problem
from engage.safeguarding import queries
from engage.safeguarding.models import STATUS_LABELS, Flag


class FlagProblem(Problem):
    """A safeguarding decision that cannot be recorded."""


def _handler(viewer: StaffUser) -> None:
    if not can(viewer.role, "handle_safeguarding"):
        raise FlagProblem("flag", "Only those who handle safeguarding read or change flags.", status=403)


async def list_flags(conn: Connection, viewer: StaffUser, *, status: str | None) -> list[Flag]:
    _handler(viewer)
    flags = await queries.list_flags(conn, sight_for(viewer), status=status)
    if flags:
        await audit.record(
            conn,
            actor=viewer.id,
            action="flagged_words.viewed",
            subject_type="safeguarding_queue",
            subject_id=status or "all",
            detail={"shown": len(flags)},
        )
    return flags


async def view_flag(conn: Connection, viewer: StaffUser, contribution_id: UUID) -> Flag:
    _handler(viewer)
    flag = await queries.get_flag(conn, contribution_id, sight_for(viewer))
    if flag is None:
        raise FlagProblem(
            "flag", "No safeguarding flag for this contribution (it may have been withdrawn).", status=404
        )
    await audit.record(
        conn,
        actor=viewer.id,
        action="safeguarding.viewed",
        subject_type="contribution",
        subject_id=str(contribution_id),
    )
    return flag


async def record_outcome(conn: Connection, viewer: StaffUser, contribution_id: UUID, status: str, note: str) -> None:
    """What was done about a flag: actioned (referred or handled), or not a safeguarding concern."""
    _handler(viewer)
    if status not in STATUS_LABELS:
        raise FlagProblem("status", "Choose what happened with this flag.")
    if not await queries.set_status(conn, contribution_id, status, viewer.id, note.strip()[:4000]):
        raise FlagProblem("flag", "No safeguarding flag for this contribution.", status=404)
    await audit.record(
        conn,
        actor=viewer.id,
        action="safeguarding.status",
        subject_type="contribution",
        subject_id=str(contribution_id),
        detail={"status": status},
    )
