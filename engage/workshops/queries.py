"""The only SQL for workshops, live sessions, notes and the board's event stream."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from engage.db import Connection
from engage.privacy.visibility import Sight, visible, words
from engage.workshops.models import HIDDEN_NOTE, BoardEvent, Note, Workshop, WorkshopDraft

_COLUMNS = """w.id, w.programme, p.name AS programme_name, w.title, w.held_on, w.venue, w.neighbourhood,
              w.accessibility, w.attendance, w.equality_summary, w.code, w.opened_at, w.closed_at,
              (SELECT count(*) FROM workshop_notes n WHERE n.workshop_id = w.id) AS notes,
              (SELECT coalesce(json_agg(json_build_object('id', q.id, 'position', q.position, 'text', q.text)
                                        ORDER BY q.position), '[]')
               FROM workshop_prompts q WHERE q.workshop_id = w.id) AS prompts"""


def _workshop(record: asyncpg.Record) -> Workshop:
    """A workshop and its prompts, read by one query (a phone posting a note reads its session every time)."""
    return msgspec.convert({**dict(record), "prompts": json.loads(record["prompts"])}, Workshop)


async def insert_workshop(
    conn: Connection,
    workshop_id: UUID,
    programme: str,
    draft: WorkshopDraft,
    prompt_ids: list[UUID],
    user: UUID,
) -> None:
    await conn.execute(
        """INSERT INTO workshops (id, programme, title, held_on, venue, neighbourhood, accessibility, attendance,
                                  equality_summary, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""",
        workshop_id,
        programme,
        draft.title,
        draft.held_on,
        draft.venue,
        draft.neighbourhood,
        draft.accessibility,
        draft.attendance,
        draft.equality_summary,
        user,
    )
    await conn.execute(
        """INSERT INTO workshop_prompts (id, workshop_id, position, text)
           SELECT u.id, $1, u.position, u.text
           FROM unnest($2::uuid[], $3::int[], $4::text[]) AS u(id, position, text)""",
        workshop_id,
        prompt_ids,
        list(range(1, len(prompt_ids) + 1)),
        draft.prompts,
    )


async def get_workshop(conn: Connection, workshop_id: UUID) -> Workshop | None:
    record = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM workshops w JOIN programmes p ON p.slug = w.programme WHERE w.id = $1",  # noqa: S608
        workshop_id,
    )
    return None if record is None else _workshop(record)


async def get_by_code(conn: Connection, code: str) -> Workshop | None:
    record = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM workshops w JOIN programmes p ON p.slug = w.programme WHERE w.code = $1",  # noqa: S608
        code,
    )
    return None if record is None else _workshop(record)


async def list_for_programme(conn: Connection, programme: str) -> list[Workshop]:
    records = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM workshops w JOIN programmes p ON p.slug = w.programme
            WHERE w.programme = $1 ORDER BY w.held_on, w.created_at""",  # noqa: S608
        programme,
    )
    return [_workshop(r) for r in records]


async def open_session(conn: Connection, workshop_id: UUID, code: str) -> bool:
    """Give the workshop a join code (unless it is live already). False if another workshop has the code."""
    try:
        await conn.execute(
            """UPDATE workshops SET code = $2, opened_at = now(), closed_at = NULL
               WHERE id = $1 AND (code IS NULL OR closed_at IS NOT NULL)""",
            workshop_id,
            code,
        )
    except asyncpg.UniqueViolationError:
        return False
    return True


async def close_session(conn: Connection, workshop_id: UUID) -> bool:
    result = await conn.execute(
        "UPDATE workshops SET closed_at = now() WHERE id = $1 AND code IS NOT NULL AND closed_at IS NULL", workshop_id
    )
    return str(result).endswith(" 1")


async def insert_note(
    conn: Connection, contribution_id: UUID, workshop_id: UUID, prompt_id: UUID, *, from_paper: bool
) -> None:
    await conn.execute(
        """INSERT INTO workshop_notes (contribution_id, workshop_id, prompt_id, from_paper) VALUES ($1, $2, $3, $4)""",
        contribution_id,
        workshop_id,
        prompt_id,
        from_paper,
    )


async def add_event(
    conn: Connection, workshop_id: UUID, kind: str, contribution_id: UUID | None, payload: dict[str, Any]
) -> int:
    # The workshop's row lock (intake takes it too for notes: contributions.queries.insert_batch) numbers a
    # board's events in the order they commit, so a board reading "after N" never misses one committed late.
    return int(
        await conn.fetchval(
            """WITH w AS (SELECT id FROM workshops WHERE id = $1 FOR NO KEY UPDATE)
               INSERT INTO board_events (workshop_id, kind, contribution_id, payload)
               SELECT w.id, $2, $3, $4::jsonb FROM w
               RETURNING id""",
            workshop_id,
            kind,
            contribution_id,
            json.dumps(payload),
        )
    )


BOARD_CHANNEL = "engage_board_events"
"""Notified with a workshop's id when its board events commit (a trigger: migrations/0014)."""


async def listen_for_board_events(conn: Connection, callback: Callable[..., None]) -> None:
    await conn.add_listener(BOARD_CHANNEL, callback)


async def events_after(
    conn: Connection, workshop_id: UUID, after: int, sight: Sight, *, limit: int = 500
) -> list[BoardEvent]:
    """The board's events after ``after``. A note event carries the note's words as this reader may read them
    (read now, so a note flagged since it was posted is hidden on replay), or none and ``hidden``."""
    records = await conn.fetch(
        f"""SELECT e.id, e.kind, e.payload::text AS payload,
                   (SELECT {words(sight)} FROM contributions c
                    WHERE c.id = e.contribution_id AND {visible(sight)}) AS text
            FROM board_events e
            WHERE e.workshop_id = $1 AND e.id > $2 ORDER BY e.id LIMIT $3""",  # noqa: S608
        workshop_id,
        after,
        limit,
    )
    events = []
    for r in records:
        payload = json.loads(r["payload"])
        if r["kind"] == "note":
            payload.update(text=r["text"] if r["text"] is not None else HIDDEN_NOTE, hidden=r["text"] is None)
        events.append(BoardEvent(id=r["id"], kind=r["kind"], payload=payload))
    return events


async def notes(conn: Connection, workshop_id: UUID, sight: Sight) -> list[Note]:
    """Every note on a workshop's board, with the words this reader may read (others say they are hidden)."""
    records = await conn.fetch(
        f"""SELECT n.contribution_id, n.prompt_id, n.group_label, n.duplicate_of, n.from_paper, c.received_at,
                   v.text, v.text IS NULL AS hidden,
                   CASE WHEN c.translation IS NOT NULL AND v.text IS NOT NULL THEN c.language END AS translated_from
            FROM workshop_notes n JOIN contributions c ON c.id = n.contribution_id
            LEFT JOIN LATERAL (SELECT {words(sight)} AS text WHERE {visible(sight)}) v ON true
            WHERE n.workshop_id = $1 ORDER BY c.received_at, c.id""",  # noqa: S608
        workshop_id,
    )
    return [msgspec.convert({**dict(r), "text": r["text"] or HIDDEN_NOTE}, Note) for r in records]


async def note_ids(conn: Connection, workshop_id: UUID) -> set[UUID]:
    records = await conn.fetch("SELECT contribution_id FROM workshop_notes WHERE workshop_id = $1", workshop_id)
    return {r["contribution_id"] for r in records}


async def update_note(conn: Connection, workshop_id: UUID, contribution_id: UUID, **changes: Any) -> bool:
    allowed = {"prompt_id", "group_label", "duplicate_of"}
    assert set(changes) <= allowed
    assignments = ", ".join(f"{name} = ${number}" for number, name in enumerate(changes, start=3))
    result = await conn.execute(
        f"UPDATE workshop_notes SET {assignments} WHERE workshop_id = $1 AND contribution_id = $2",  # noqa: S608
        workshop_id,
        contribution_id,
        *changes.values(),
    )
    return str(result).endswith(" 1")


async def workshop_of_note(conn: Connection, contribution_id: UUID) -> tuple[UUID, str, str] | None:
    """(workshop id, workshop title, prompt) for a workshop note."""
    record = await conn.fetchrow(
        """SELECT w.id, w.title, p.text AS prompt FROM workshop_notes n
           JOIN workshops w ON w.id = n.workshop_id JOIN workshop_prompts p ON p.id = n.prompt_id
           WHERE n.contribution_id = $1""",
        contribution_id,
    )
    return None if record is None else (record["id"], record["title"], record["prompt"])
