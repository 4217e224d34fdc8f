"""The only SQL for the community asset register."""

from __future__ import annotations

from uuid import UUID

import asyncpg
import msgspec

from engage.assets.models import Asset, AssetDraft

_COLUMNS = """a.id, a.kind::text AS kind, a.name, a.offers, a.neighbourhood, n.name AS neighbourhood_name,
              a.public_contact, a.programme, a.from_note, a.created_at"""


async def insert_asset(conn: asyncpg.Connection, asset_id: UUID, draft: AssetDraft, user: UUID) -> None:
    await conn.execute(
        """INSERT INTO community_assets (id, programme, kind, name, offers, neighbourhood, public_contact, from_note,
                                         created_by)
           VALUES ($1, $2, $3::asset_kind, $4, $5, $6, $7, $8, $9)""",
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
    conn: asyncpg.Connection, *, q: str | None, kind: str | None, neighbourhood: str | None, limit: int = 500
) -> list[Asset]:
    records = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM community_assets a LEFT JOIN neighbourhoods n ON n.slug = a.neighbourhood
            WHERE ($1::text IS NULL OR a.search @@ websearch_to_tsquery('english', $1))
              AND ($2::text IS NULL OR a.kind::text = $2)
              AND ($3::text IS NULL OR a.neighbourhood = $3)
            ORDER BY a.name LIMIT $4""",  # noqa: S608
        q,
        kind,
        neighbourhood,
        limit,
    )
    return [msgspec.convert(dict(r), Asset) for r in records]


async def note_text(conn: asyncpg.Connection, contribution_id: UUID) -> tuple[str, str | None, str | None] | None:
    record = await conn.fetchrow(
        "SELECT text, neighbourhood, programme FROM contributions WHERE id = $1 AND kind = 'workshop_note'",
        contribution_id,
    )
    return None if record is None else (record["text"], record["neighbourhood"], record["programme"])
