"""The only SQL for the community asset register."""

from __future__ import annotations

from uuid import UUID

import msgspec

from engage.assets.models import Asset, AssetDraft
from engage.db import Connection
from engage.privacy.visibility import Sight, visible, words


def _offers(sight: Sight) -> str:
    """What an asset offers, in words this reader may read. Words copied from a workshop note follow the note's
    visibility: hidden (NULL) from those who may not read the note, and redacted for those who read it redacted."""
    note = "(SELECT {what} FROM contributions c WHERE c.id = a.from_note AND " + visible(sight) + ")"  # noqa: S608
    as_read = "a.offers" if sight.raw_words == "all" else note.format(what=words(sight))
    return f"""CASE WHEN a.from_note IS NULL OR NOT a.offers_from_note THEN a.offers
                    WHEN {note.format(what="true")} THEN {as_read} END"""


def _columns(sight: Sight) -> str:
    return f"""a.id, a.kind::text AS kind, a.name, {_offers(sight)} AS offers, a.neighbourhood,
               n.name AS neighbourhood_name, a.public_contact, a.programme, a.from_note, a.created_at"""


async def insert_asset(conn: Connection, asset_id: UUID, draft: AssetDraft, user: UUID) -> None:
    await conn.execute(
        """INSERT INTO community_assets (id, programme, kind, name, offers, neighbourhood, public_contact, from_note,
                                         created_by, offers_from_note)
           VALUES ($1, $2, $3::asset_kind, $4, $5, $6, $7, $8::uuid, $9, $8::uuid IS NOT NULL)""",
        asset_id,
        draft.programme,
        draft.kind,
        draft.name,
        draft.offers,
        draft.neighbourhood,
        draft.public_contact,
        draft.from_note,
        user,
    )


async def search_assets(
    conn: Connection,
    sight: Sight,
    *,
    q: str | None,
    kind: str | None,
    neighbourhood: str | None,
    limit: int = 500,
) -> list[Asset]:
    # Readers of redacted words search names only: the copied words may hold a name they cannot see.
    index = "a.search" if sight.raw_words == "all" else "to_tsvector('english', a.name)"
    records = await conn.fetch(
        f"""SELECT {_columns(sight)} FROM community_assets a LEFT JOIN neighbourhoods n ON n.slug = a.neighbourhood
            WHERE ($1::text IS NULL OR {index} @@ websearch_to_tsquery('english', $1))
              AND ($2::text IS NULL OR a.kind::text = $2)
              AND ($3::text IS NULL OR a.neighbourhood = $3)
            ORDER BY a.name LIMIT $4""",  # noqa: S608
        q,
        kind,
        neighbourhood,
        limit,
    )
    return [msgspec.convert(dict(r), Asset) for r in records]


async def note_text(conn: Connection, contribution_id: UUID, sight: Sight) -> tuple[str, str | None, str | None] | None:
    """A workshop note's words (as this reader may read them), neighbourhood and programme, to start an asset."""
    record = await conn.fetchrow(
        f"""SELECT {words(sight)} AS text, c.neighbourhood, c.programme FROM contributions c
            WHERE c.id = $1 AND c.kind = 'workshop_note' AND {visible(sight)}""",  # noqa: S608
        contribution_id,
    )
    return None if record is None else (record["text"], record["neighbourhood"], record["programme"])
