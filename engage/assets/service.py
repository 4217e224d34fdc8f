"""Use cases for the community asset register. Callers own the transaction."""

from __future__ import annotations

import uuid
from uuid import UUID

import asyncpg

from engage.accounts.models import StaffUser, can
from engage.assets import queries
from engage.assets.models import KIND_LABELS, Asset, AssetDraft
from engage.audit import queries as audit
from engage.db import Connection
from engage.privacy.visibility import sight_for
from engage.problems import Problem


class AssetProblem(Problem):
    """Bad input about a community asset."""


async def record_asset(conn: Connection, viewer: StaffUser, draft: AssetDraft) -> UUID:
    """Add a group, network, forum or place to the register (often captured from a workshop note). Only contact
    details the asset itself makes public belong here: the register is shared. Recording one is part of running a
    programme (its facilitators capture assets from workshop notes); everyone who reads contributions reads them."""
    if not can(viewer.role, "run_programmes"):
        raise AssetProblem("name", "Your role does not record community assets.", status=403)
    draft.name = " ".join(draft.name.split())[:200]
    draft.offers = draft.offers.strip()[:4000]
    draft.public_contact = draft.public_contact.strip()[:300]
    if draft.kind not in KIND_LABELS:
        raise AssetProblem("kind", "Choose place or service, group, network or forum.")
    if not draft.name:
        raise AssetProblem("name", "Give its name.")
    if draft.from_note is not None and await queries.note_text(conn, draft.from_note, sight_for(viewer)) is None:
        draft.from_note = None  # not a note this person may read: the asset is theirs alone
    asset_id = uuid.uuid4()
    try:
        await queries.insert_asset(conn, asset_id, draft, viewer.id)
    except asyncpg.ForeignKeyViolationError as exc:
        raise AssetProblem("neighbourhood", "Choose a neighbourhood from the list.") from exc
    await audit.record(conn, actor=viewer.id, action="asset.recorded", subject_type="asset", subject_id=str(asset_id))
    return asset_id


async def export_assets(conn: Connection, viewer: StaffUser) -> list[Asset]:
    """The whole register for a CSV file, as this reader may read it; the export is in the audit trail."""
    found = await queries.search_assets(conn, sight_for(viewer), q=None, kind=None, neighbourhood=None, limit=100_000)
    await audit.record(
        conn, actor=viewer.id, action="export.assets", subject_type="assets", subject_id="", detail={"rows": len(found)}
    )
    return found
