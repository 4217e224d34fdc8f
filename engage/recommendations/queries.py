"""The only SQL for recommendations."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import asyncpg
import msgspec

from engage.db import Connection
from engage.privacy.visibility import Sight, visible, words
from engage.recommendations.models import Linked, LinkedContribution, Recommendation, RecommendationDraft, Update

_COLUMNS = """r.id, r.board_id, b.name AS board_name, r.label, r.text, r.owner, r.made_on, r.due_on, r.status,
              (SELECT count(*) FROM recommendation_contributions rc WHERE rc.recommendation_id = r.id)
                  AS contributions"""
_FROM = "recommendations r JOIN boards b ON b.id = r.board_id"
_ORDER = "ORDER BY r.made_on, r.label, r.created_at"


def _recommendations(records: list[asyncpg.Record]) -> list[Recommendation]:
    return [msgspec.convert(dict(r), Recommendation) for r in records]


async def insert_recommendation(
    conn: Connection, recommendation_id: UUID, board_id: str, draft: RecommendationDraft, user: UUID
) -> None:
    await conn.execute(
        """INSERT INTO recommendations (id, board_id, label, text, owner, made_on, due_on, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
        recommendation_id,
        board_id,
        draft.label,
        draft.text,
        draft.owner,
        draft.made_on,
        draft.due_on,
        user,
    )


async def link(
    conn: Connection,
    recommendation_id: UUID,
    *,
    propositions: list[UUID],
    references: list[str],
    responses: list[UUID],
) -> tuple[list[str], int, int]:
    """Link what exists; returns (references that match no contribution, propositions linked, responses linked)."""
    found = await conn.fetch("SELECT id, reference FROM contributions WHERE reference = ANY($1)", references)
    await conn.execute(
        """INSERT INTO recommendation_contributions (recommendation_id, contribution_id)
           SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING""",
        recommendation_id,
        [r["id"] for r in found],
    )
    linked_propositions = await conn.execute(
        """INSERT INTO recommendation_propositions (recommendation_id, proposition_id)
           SELECT $1, id FROM propositions WHERE id = ANY($2::uuid[]) ON CONFLICT DO NOTHING""",
        recommendation_id,
        propositions,
    )
    linked_responses = await conn.execute(
        """INSERT INTO recommendation_responses (recommendation_id, response_id)
           SELECT $1, id FROM responses WHERE id = ANY($2::uuid[]) ON CONFLICT DO NOTHING""",
        recommendation_id,
        responses,
    )
    unknown = sorted(set(references) - {r["reference"] for r in found})
    return unknown, int(linked_propositions.split()[-1]), int(linked_responses.split()[-1])


async def get_recommendation(conn: Connection, recommendation_id: UUID, *, lock: bool = False) -> Recommendation | None:
    suffix = " FOR UPDATE OF r" if lock else ""
    record = await conn.fetchrow(f"SELECT {_COLUMNS} FROM {_FROM} WHERE r.id = $1{suffix}", recommendation_id)  # noqa: S608
    return None if record is None else msgspec.convert(dict(record), Recommendation)


async def list_recommendations(
    conn: Connection,
    *,
    board_id: str | None = None,
    status: str | None = None,
    contribution_id: UUID | None = None,
) -> list[Recommendation]:
    """Boards' recommendations (theme subscriptions have none), by board then in the order they were made; those
    of one board, in one status, or resting on one contribution."""
    records = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM {_FROM}
            WHERE b.kind = 'board' AND ($1::text IS NULL OR r.board_id = $1) AND ($2::text IS NULL OR r.status = $2)
              AND ($3::uuid IS NULL OR r.id IN (SELECT recommendation_id FROM recommendation_contributions
                                                 WHERE contribution_id = $3))
            ORDER BY b.name, r.made_on, r.label, r.created_at""",  # noqa: S608
        board_id,
        status,
        contribution_id,
    )
    return _recommendations(records)


async def insert_update(
    conn: Connection,
    update_id: UUID,
    recommendation_id: UUID,
    status: str,
    note: str,
    changed_on: date,
    user: UUID,
) -> None:
    await conn.execute(
        """INSERT INTO recommendation_updates (id, recommendation_id, status, note, changed_on, recorded_by)
           VALUES ($1, $2, $3, $4, $5, $6)""",
        update_id,
        recommendation_id,
        status,
        note,
        changed_on,
        user,
    )
    await conn.execute("UPDATE recommendations SET status = $2 WHERE id = $1", recommendation_id, status)


async def updates_for(
    conn: Connection,
    recommendation_ids: list[UUID],
    *,
    since: date | None = None,
    until: date | None = None,
) -> list[Update]:
    """Updates of these recommendations, oldest first (those dated in [since, until) when given)."""
    records = await conn.fetch(
        """SELECT id, recommendation_id, status, note, changed_on, recorded_at FROM recommendation_updates
           WHERE recommendation_id = ANY($1::uuid[])
             AND ($2::date IS NULL OR changed_on >= $2) AND ($3::date IS NULL OR changed_on < $3)
           ORDER BY changed_on, recorded_at""",
        recommendation_ids,
        since,
        until,
    )
    return [msgspec.convert(dict(r), Update) for r in records]


async def linked_propositions(conn: Connection, recommendation_ids: list[UUID]) -> list[Linked]:
    records = await conn.fetch(
        """SELECT rp.recommendation_id, p.id, v.title, p.status::text AS status
           FROM recommendation_propositions rp JOIN propositions p ON p.id = rp.proposition_id
           JOIN proposition_versions v ON v.proposition_id = p.id AND v.version = p.version
           WHERE rp.recommendation_id = ANY($1::uuid[]) ORDER BY v.title""",
        recommendation_ids,
    )
    return [msgspec.convert(dict(r), Linked) for r in records]


async def linked_responses(conn: Connection, recommendation_ids: list[UUID]) -> list[Linked]:
    records = await conn.fetch(
        """SELECT rr.recommendation_id, s.id, s.title, s.status::text AS status
           FROM recommendation_responses rr JOIN responses s ON s.id = rr.response_id
           WHERE rr.recommendation_id = ANY($1::uuid[]) ORDER BY s.title""",
        recommendation_ids,
    )
    return [msgspec.convert(dict(r), Linked) for r in records]


async def linked_contributions(
    conn: Connection, recommendation_id: UUID, sight: Sight
) -> tuple[list[LinkedContribution], int]:
    """The linked contributions this reader may read (in the words they may read), and how many others there are."""
    records = await conn.fetch(
        f"""SELECT c.id, c.reference, {visible(sight)} AS shown,
                   CASE WHEN {visible(sight)} THEN {words(sight)} END AS text
            FROM recommendation_contributions rc JOIN contributions c ON c.id = rc.contribution_id
            WHERE rc.recommendation_id = $1 ORDER BY c.received_at""",  # noqa: S608
        recommendation_id,
    )
    shown = [LinkedContribution(id=r["id"], reference=r["reference"], text=r["text"]) for r in records if r["shown"]]
    return shown, len(records) - len(shown)


async def for_digest(conn: Connection, board_id: str, start: date, end: date) -> list[Recommendation]:
    """What a board's digest for the days [start, end) reports: its recommendations made by then and still open,
    and those closed by an update in the period."""
    records = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM {_FROM}
            WHERE r.board_id = $1 AND r.made_on < $3
              AND (r.status NOT IN ('done', 'rejected') OR EXISTS (
                   SELECT 1 FROM recommendation_updates u WHERE u.recommendation_id = r.id
                   AND u.changed_on >= $2 AND u.changed_on < $3))
            {_ORDER}""",  # noqa: S608
        board_id,
        start,
        end,
    )
    return _recommendations(records)
