"""The only SQL for safeguarding flags."""

from __future__ import annotations

import json
from uuid import UUID

import asyncpg
import msgspec

from engage.db import Connection
from engage.privacy.visibility import Sight, visible, words
from engage.safeguarding.models import Flag, NewFlag


async def raise_flags(conn: Connection, flags: list[NewFlag]) -> list[UUID]:
    """Raise flags that are not already raised (a cleared flag stays cleared). Returns the new ones."""
    if not flags:
        return []
    records = await conn.fetch(
        """INSERT INTO safeguarding_flags (contribution_id, raised_by, score, reasons, kinds)
           SELECT u.id, u.raised_by, u.score, u.reasons::jsonb, ARRAY(SELECT jsonb_array_elements_text(u.kinds::jsonb))
           FROM unnest($1::uuid[], $2::text[], $3::real[], $4::text[], $5::text[])
                AS u(id, raised_by, score, reasons, kinds)
           JOIN contributions c ON c.id = u.id
           ON CONFLICT (contribution_id) DO NOTHING
           RETURNING contribution_id""",
        [f.contribution_id for f in flags],
        [f.raised_by for f in flags],
        [f.score for f in flags],
        [msgspec.json.encode(f.reasons).decode() for f in flags],
        [msgspec.json.encode(f.kinds).decode() for f in flags],
    )
    return [r["contribution_id"] for r in records]


async def queue_alerts(conn: Connection, contribution_ids: list[UUID], to_address: str) -> int:
    result = await conn.execute(
        """INSERT INTO mail_messages (id, dedupe_key, template, to_address, contribution_id)
           SELECT gen_random_uuid(), 'safeguarding:' || id, 'safeguarding_alert', $2, id
           FROM unnest($1::uuid[]) AS id
           ON CONFLICT (dedupe_key) DO NOTHING""",
        contribution_ids,
        to_address,
    )
    return int(result.split()[-1])


def _columns(sight: Sight) -> str:
    return f"""c.id AS contribution_id, c.reference, c.kind::text AS kind, {words(sight)} AS text, c.received_at,
               f.raised_at, f.raised_by, f.score, f.reasons::text AS reasons, f.status::text AS status,
               u.name AS handled_by_name, f.handled_at, f.note, f.kinds"""


def _flag(record: asyncpg.Record) -> Flag:
    return msgspec.convert({**dict(record), "reasons": json.loads(record["reasons"])}, Flag)


async def list_flags(conn: Connection, sight: Sight, *, status: str | None, limit: int = 200) -> list[Flag]:
    records = await conn.fetch(
        f"""SELECT {_columns(sight)} FROM safeguarding_flags f JOIN contributions c ON c.id = f.contribution_id
            LEFT JOIN users u ON u.id = f.handled_by
            WHERE ($1::text IS NULL OR f.status::text = $1) AND {visible(sight)}
            ORDER BY (f.status = 'open') DESC, f.raised_at LIMIT $2""",  # noqa: S608
        status,
        limit,
    )
    return [_flag(r) for r in records]


async def get_flag(conn: Connection, contribution_id: UUID, sight: Sight) -> Flag | None:
    record = await conn.fetchrow(
        f"""SELECT {_columns(sight)} FROM safeguarding_flags f JOIN contributions c ON c.id = f.contribution_id
            LEFT JOIN users u ON u.id = f.handled_by WHERE f.contribution_id = $1 AND {visible(sight)}""",  # noqa: S608
        contribution_id,
    )
    return None if record is None else _flag(record)


async def was_ever_flagged(conn: Connection, contribution_id: UUID) -> bool:
    """A flag was raised on it, whatever became of the flag (such words are never quoted)."""
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM safeguarding_flags WHERE contribution_id = $1)", contribution_id
        )
    )


async def set_status(conn: Connection, contribution_id: UUID, status: str, user_id: UUID, note: str) -> bool:
    result = await conn.execute(
        """UPDATE safeguarding_flags SET status = $2::flag_status, handled_by = $3, handled_at = now(), note = $4
           WHERE contribution_id = $1""",
        contribution_id,
        status,
        user_id,
        note,
    )
    return str(result).endswith(" 1")
