"""The only SQL for boards, members and subscriptions."""

from __future__ import annotations

import uuid
from datetime import date
from uuid import UUID

import asyncpg
import msgspec

from engage.boards.models import Board, BoardDraft, Member
from engage.db import Connection

_BOARD = """b.id, b.kind::text AS kind, b.name, b.owner_id, u.name AS owner_name, u.email AS owner_email,
            b.frequency::text AS frequency, b.days_before, b.themes, b.neighbourhoods, b.programmes, b.created_at,
            b.framework_id,
            ARRAY(SELECT meets_on FROM board_meetings m WHERE m.board_id = b.id ORDER BY meets_on) AS meetings,
            (SELECT count(*) FROM board_members bm WHERE bm.board_id = b.id
             AND bm.confirmed_at IS NOT NULL AND bm.unsubscribed_at IS NULL) AS members"""
_FROM = "FROM boards b LEFT JOIN users u ON u.id = b.owner_id"
_MEMBER = "id, board_id, email, added_at, confirmed_at, unsubscribed_at"


def _board(record: asyncpg.Record) -> Board:
    return msgspec.convert(dict(record), Board)


async def upsert_board(conn: Connection, draft: BoardDraft, owner_id: UUID) -> None:
    await conn.execute(
        """INSERT INTO boards (id, name, owner_id, frequency, days_before, themes, neighbourhoods, programmes,
                               framework_id)
           VALUES ($1, $2, $3, $4::digest_frequency, $5, $6, $7, $8, $9)
           ON CONFLICT (id) DO UPDATE SET name = $2, owner_id = $3, frequency = $4::digest_frequency,
                  days_before = $5, themes = $6, neighbourhoods = $7, programmes = $8, framework_id = $9""",
        draft.id,
        draft.name,
        owner_id,
        draft.frequency,
        draft.days_before,
        draft.themes,
        draft.neighbourhoods,
        draft.programmes,
        draft.framework_id,
    )


async def replace_meetings(conn: Connection, board_id: str, meetings: list[date]) -> None:
    await conn.execute("DELETE FROM board_meetings WHERE board_id = $1", board_id)
    await conn.executemany(
        "INSERT INTO board_meetings (board_id, meets_on) VALUES ($1, $2)", [(board_id, d) for d in meetings]
    )


async def sync_members(conn: Connection, board_id: str, emails: list[str]) -> tuple[int, int]:
    """Make the board's confirmed members exactly these addresses. Someone who unsubscribed stays unsubscribed:
    the owner cannot sign them back up. Returns (added, removed)."""
    added = await conn.execute(
        """INSERT INTO board_members (id, board_id, email, confirmed_at)
           SELECT gen_random_uuid(), $1, e, now() FROM unnest($2::text[]) AS e
           ON CONFLICT (board_id, email) DO NOTHING""",
        board_id,
        emails,
    )
    removed = await conn.execute(
        "DELETE FROM board_members WHERE board_id = $1 AND NOT (email = ANY($2::text[]))", board_id, emails
    )
    return int(added.split()[-1]), int(removed.split()[-1])


async def get_board(conn: Connection, board_id: str) -> Board | None:
    record = await conn.fetchrow(f"SELECT {_BOARD} {_FROM} WHERE b.id = $1", board_id)
    return None if record is None else _board(record)


async def list_boards(conn: Connection, *, kind: str = "board") -> list[Board]:
    records = await conn.fetch(f"SELECT {_BOARD} {_FROM} WHERE b.kind = $1::board_kind ORDER BY b.name", kind)
    return [_board(r) for r in records]


async def boards_of_member(conn: Connection, email: str) -> list[str]:
    records = await conn.fetch(
        """SELECT board_id FROM board_members
           WHERE email = $1 AND confirmed_at IS NOT NULL AND unsubscribed_at IS NULL""",
        email,
    )
    return [r["board_id"] for r in records]


async def list_members(conn: Connection, board_id: str) -> list[Member]:
    records = await conn.fetch(
        f"SELECT {_MEMBER} FROM board_members WHERE board_id = $1 ORDER BY email",  # noqa: S608
        board_id,
    )
    return [msgspec.convert(dict(r), Member) for r in records]


async def get_member(conn: Connection, member_id: UUID) -> Member | None:
    record = await conn.fetchrow(f"SELECT {_MEMBER} FROM board_members WHERE id = $1", member_id)  # noqa: S608
    return None if record is None else msgspec.convert(dict(record), Member)


async def mark_unsubscribed(conn: Connection, member_id: UUID) -> bool:
    result = await conn.execute(
        "UPDATE board_members SET unsubscribed_at = now() WHERE id = $1 AND unsubscribed_at IS NULL", member_id
    )
    return bool(result.endswith(" 1"))


async def mark_confirmed(conn: Connection, member_id: UUID) -> bool:
    result = await conn.execute(
        """UPDATE board_members SET confirmed_at = now()
           WHERE id = $1 AND confirmed_at IS NULL AND unsubscribed_at IS NULL""",
        member_id,
    )
    return bool(result.endswith(" 1"))


async def insert_subscription(
    conn: Connection, board_id: str, name: str, email: str, themes: list[str]
) -> Member | None:
    """A personal weekly digest of some themes, awaiting confirmation. An address that subscribed to exactly
    these themes before keeps its subscription: None if it is running, otherwise it waits for confirmation again
    (someone who unsubscribed may come back)."""
    await conn.execute(
        """INSERT INTO boards (id, kind, name, frequency, themes) VALUES ($1, 'subscription', $2, 'weekly', $3)
           ON CONFLICT (id) DO NOTHING""",
        board_id,
        name,
        themes,
    )
    record = await conn.fetchrow(
        f"""INSERT INTO board_members (id, board_id, email) VALUES ($1, $2, $3)
            ON CONFLICT (board_id, email) DO UPDATE SET confirmed_at = NULL, unsubscribed_at = NULL, added_at = now()
                WHERE board_members.unsubscribed_at IS NOT NULL
            RETURNING {_MEMBER}""",  # noqa: S608
        uuid.uuid4(),
        board_id,
        email,
    )
    if record is None:
        existing = await conn.fetchrow(
            f"SELECT {_MEMBER} FROM board_members WHERE board_id = $1 AND email = $2",  # noqa: S608
            board_id,
            email,
        )
        assert existing is not None  # the conflict that skipped the insert is this very row
        member = msgspec.convert(dict(existing), Member)
        return None if member.confirmed_at else member
    return msgspec.convert(dict(record), Member)


async def queue_confirmation(conn: Connection, member_id: UUID, email: str, *, locale: str = "en") -> None:
    """At most one confirmation email a day for a subscription however often the form is sent, and a new one when
    someone who unsubscribed subscribes again (their added_at moved)."""
    await conn.execute(
        """INSERT INTO mail_messages (id, dedupe_key, template, to_address, locale)
           SELECT gen_random_uuid(),
                  'confirm:' || id::text || ':' || floor(extract(epoch FROM added_at))::bigint || ':' || current_date,
                  'subscription_confirm', $2, $3
           FROM board_members WHERE id = $1
           ON CONFLICT (dedupe_key) DO NOTHING""",
        member_id,
        email,
        locale,
    )
