"""Use cases for themes: recording what the tagger found, reviewing tags, frameworks and model versions.

Callers own the transaction. The tagger itself runs at the edges (worker, command line), which pass `Tagging`s in.
"""

from __future__ import annotations

import logging
from datetime import datetime
from uuid import UUID

import msgspec

from engage.accounts.models import StaffUser, can
from engage.audit import queries as audit
from engage.db import Connection
from engage.outbox import queries as outbox
from engage.outbox.models import RETRAIN_REQUESTED
from engage.privacy.visibility import Sight
from engage.problems import Problem
from engage.safeguarding import queries as safeguarding
from engage.safeguarding.models import NewFlag
from engage.tags import queries
from engage.tags.models import Correction, FrameworkInfo, ReviewItem, Tagging, TaggingOutcome

log = logging.getLogger(__name__)


class FrameworkInvalid(Problem):
    """A framework file Engage cannot use, and why."""

    def __init__(self, reason: str) -> None:
        super().__init__("file", reason)


def parse_framework_document(document: bytes) -> FrameworkInfo:
    """Engage's own check of a framework file an admin uploads: well-formed, named, and theme ids unique."""
    try:
        framework = msgspec.json.decode(document, type=FrameworkInfo, strict=False)
    except msgspec.DecodeError as exc:
        raise FrameworkInvalid(str(exc)) from exc
    if not framework.id.strip() or not framework.name.strip():
        raise FrameworkInvalid("the framework needs an id and a name")
    if not framework.themes:
        raise FrameworkInvalid("the framework has no themes")
    ids = [theme.id for theme in framework.themes]
    repeated = sorted({theme for theme in ids if ids.count(theme) > 1})
    if repeated:
        raise FrameworkInvalid(f"theme id {repeated[0]!r} is used more than once")
    return framework


async def sync_builtin_frameworks(conn: Connection, documents: list[bytes]) -> None:
    for document in documents:
        await queries.upsert_framework(conn, document, builtin=True)


async def add_framework(conn: Connection, document: bytes, *, added_by: UUID | None) -> FrameworkInfo:
    framework = parse_framework_document(document)
    existing = await queries.get_framework(conn, framework.id)
    if existing is not None and existing.builtin:
        raise FrameworkInvalid(f"{framework.id!r} is a framework Engage ships; give yours another id")
    await queries.upsert_framework(conn, document, builtin=False, added_by=added_by)
    await audit.record(
        conn,
        actor=added_by,
        action="framework.added",
        subject_type="framework",
        subject_id=framework.id,
        detail={"themes": len(framework.themes)},
    )
    return framework


async def record_taggings(
    conn: Connection,
    framework_id: str,
    model_version: str,
    taggings: list[Tagging],
    *,
    safeguarding_email: str,
) -> TaggingOutcome:
    """Store analyses and model tags, raise safeguarding flags and queue the alert emails, in the caller's
    transaction. Running it twice changes nothing further."""
    tags = await queries.save_taggings(conn, framework_id, model_version, taggings)
    new_flags = [
        NewFlag(
            contribution_id=t.contribution_id,
            raised_by="rules" if t.risk else "model",
            score=t.safeguarding_score,
            reasons=t.risk,
            kinds=t.safeguarding_kinds,
        )
        for t in taggings
        if t.safeguarding
    ]
    flagged = await safeguarding.raise_flags(conn, new_flags)
    if flagged:
        if safeguarding_email:
            await safeguarding.queue_alerts(conn, flagged, safeguarding_email)
        else:
            log.warning(
                "%d contributions flagged for safeguarding, but ENGAGE_SAFEGUARDING_EMAIL is not set", len(flagged)
            )
    return TaggingOutcome(tagged=len(taggings), tags=tags, flagged=flagged)


async def next_for_review(conn: Connection, framework_id: str, sight: Sight, *, skip: int = 0) -> ReviewItem | None:
    """The least confident unreviewed contribution (skipping `skip` of them, for "skip for now")."""
    ids = await queries.review_queue(conn, framework_id, limit=skip + 1)
    if len(ids) <= skip:
        return None
    return await queries.review_item(conn, ids[skip], framework_id, sight)


async def request_retraining(conn: Connection, viewer: StaffUser) -> None:
    """An admin asks for a new model now; a worker trains it beside its jobs (see engage.workers.retraining)."""
    if not can(viewer.role, "manage_models"):
        raise ReviewInvalid("Only administrators retrain the model.", status=403)
    await outbox.insert_event(conn, RETRAIN_REQUESTED, {"requested_by": str(viewer.id)})
    await audit.record(conn, actor=viewer.id, action="model.retrain_requested", subject_type="model", subject_id="")


class ReviewInvalid(Problem):
    """A review that cannot be saved, and why."""

    def __init__(self, reason: str, *, status: int = 422) -> None:
        super().__init__("theme", reason, status=status)


async def review_contribution(
    conn: Connection,
    contribution_id: UUID,
    framework: FrameworkInfo,
    themes: list[str],
    *,
    reviewer: UUID,
) -> None:
    """A person settles a contribution's themes: the ones listed are given, the framework's others removed. The
    decisions are final (no model run replaces them) and become training examples for the next model."""
    known = {theme.id for theme in framework.themes}
    unknown = sorted(set(themes) - known)
    if unknown:
        raise ReviewInvalid(f"{unknown[0]!r} is not a theme of {framework.name}")
    if await queries.analysis_for(conn, contribution_id) is None:
        raise ReviewInvalid("this contribution has not been tagged yet, or no longer exists")
    decisions = {theme.id: theme.id in themes for theme in framework.themes}
    await queries.record_review(conn, contribution_id, framework.id, decisions, reviewer)
    await audit.record(
        conn,
        actor=reviewer,
        action="tags.reviewed",
        subject_type="contribution",
        subject_id=str(contribution_id),
        detail={"themes": sorted(set(themes))},
    )


async def training_corrections(conn: Connection, framework_id: str) -> list[Correction]:
    return await queries.corrections(conn, framework_id)


async def record_model(
    conn: Connection,
    *,
    version: str,
    framework_id: str,
    promote: bool,
    card: bytes,
    weights: bytes,
    dev_micro_f1: float | None,
    dev_macro_f1: float | None,
    train_examples: int,
    corrections: int,
    note: str,
    trained_at: datetime,
) -> None:
    """Keep every trained version; the promoted one becomes the framework's active model (the old one retires),
    and the worker's re-tagging sweep then brings every contribution's model tags up to date."""
    await queries.insert_model(
        conn,
        version=version,
        framework_id=framework_id,
        active=promote,
        card=card,
        weights=weights,
        dev_micro_f1=dev_micro_f1,
        dev_macro_f1=dev_macro_f1,
        train_examples=train_examples,
        corrections=corrections,
        note=note,
        trained_at=trained_at,
    )
    await audit.record(
        conn,
        actor=None,
        action="model.promoted" if promote else "model.rejected",
        subject_type="theme_model",
        subject_id=version,
        detail={"micro_f1": dev_micro_f1, "macro_f1": dev_macro_f1, "note": note},
    )
