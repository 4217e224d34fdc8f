"""The demo's own statements: what no use case does (back-dating what the demo pretends happened months ago)."""

from __future__ import annotations

from uuid import UUID

from engage.db import Connection


async def demo_users_exist(conn: Connection) -> bool:
    return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM users WHERE email LIKE '%@demo.engage.test')"))


async def approve_most_quotes(conn: Connection, approver_email: str) -> None:
    """Four in five of the quotable words, approved by the facilitator a day after they arrived."""
    await conn.execute(
        """UPDATE contributions SET quote_approved_at = received_at + interval '1 day',
                  quote_approved_by = (SELECT id FROM users WHERE email = $1)
           WHERE consent_quote AND kind <> 'workshop_note' AND abs(hashtext(reference)) % 5 <> 0""",
        approver_email,
    )


async def backdate_boards(conn: Connection, days: int) -> None:
    """Boards that existed before the last full period, so the worker sends their first digests."""
    await conn.execute("UPDATE boards SET created_at = now() - make_interval(days => $1)", days)


async def backdate_response(conn: Connection, response_id: UUID, days: int) -> None:
    await conn.execute(
        "UPDATE responses SET published_at = now() - make_interval(days => $2) WHERE id = $1", response_id, days
    )


async def workshop_note_references(conn: Connection, limit: int) -> list[str]:
    records = await conn.fetch(
        "SELECT reference FROM contributions WHERE kind = 'workshop_note' ORDER BY received_at LIMIT $1", limit
    )
    return [r["reference"] for r in records]


async def contributions_of_programme(conn: Connection, slug: str) -> list[UUID]:
    records = await conn.fetch("SELECT id FROM contributions WHERE programme = $1 ORDER BY received_at, id", slug)
    return [r["id"] for r in records]
