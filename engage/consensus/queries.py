"""The only SQL for consensus rounds."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from engage.consensus.models import CastRating, Rating, Round, VoteExport
from engage.db import Connection


async def insert_round(
    conn: Connection,
    round_id: UUID,
    programme: str,
    title: str,
    closes_at: datetime,
    propositions: list[tuple[UUID, str]],
    user: UUID,
) -> None:
    await conn.execute(
        "INSERT INTO consensus_rounds (id, programme, title, closes_at, created_by) VALUES ($1, $2, $3, $4, $5)",
        round_id,
        programme,
        title,
        closes_at,
        user,
    )
    await conn.execute(
        """INSERT INTO round_propositions (round_id, proposition_id, statement)
           SELECT $1, u.id, u.statement FROM unnest($2::uuid[], $3::text[]) AS u(id, statement)""",
        round_id,
        [p for p, _ in propositions],
        [s for _, s in propositions],
    )


async def get_round(conn: Connection, round_id: UUID) -> Round | None:
    record = await conn.fetchrow(
        """SELECT r.id, r.programme, r.title, r.closes_at,
                  (SELECT count(*) FROM ballots b WHERE b.round_id = r.id) AS ballots
           FROM consensus_rounds r WHERE r.id = $1""",
        round_id,
    )
    if record is None:
        return None
    rows = await conn.fetch(
        """SELECT rp.proposition_id, v.title, v.description, rp.statement
           FROM round_propositions rp JOIN propositions p ON p.id = rp.proposition_id
           JOIN proposition_versions v ON v.proposition_id = p.id AND v.version = p.version
           WHERE rp.round_id = $1 ORDER BY v.title""",
        round_id,
    )
    return msgspec.convert({**dict(record), "propositions": [dict(r) for r in rows]}, Round)


async def list_for_programme(conn: Connection, programme: str) -> list[Round]:
    ids = await conn.fetch("SELECT id FROM consensus_rounds WHERE programme = $1 ORDER BY created_at", programme)
    return [r for r in [await get_round(conn, row["id"]) for row in ids] if r is not None]


async def insert_invitations(conn: Connection, round_id: UUID, hashes: list[bytes], neighbourhood: str | None) -> None:
    await conn.execute(
        """INSERT INTO round_invitations (token_hash, round_id, neighbourhood)
           SELECT h, $2, $3 FROM unnest($1::bytea[]) AS h""",
        hashes,
        round_id,
        neighbourhood,
    )


async def invitation(conn: Connection, token_hash: bytes) -> tuple[UUID, str | None] | None:
    record = await conn.fetchrow(
        "SELECT round_id, neighbourhood FROM round_invitations WHERE token_hash = $1", token_hash
    )
    return None if record is None else (record["round_id"], record["neighbourhood"])


async def insert_ballot(
    conn: Connection,
    ballot_id: UUID,
    round_id: UUID,
    voter: str,
    role: str,
    neighbourhood: str | None,
    age_band: str | None,
    ratings: list[Rating],
) -> bool:
    """False when this voter has already voted in this round (nothing is written)."""
    inserted = await conn.fetchval(
        """INSERT INTO ballots (id, round_id, voter, role, neighbourhood, age_band) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (round_id, voter) DO NOTHING RETURNING id""",
        ballot_id,
        round_id,
        voter,
        role,
        neighbourhood,
        age_band,
    )
    if inserted is None:
        return False
    await conn.execute(
        """INSERT INTO ballot_ratings (ballot_id, proposition_id, support, statement, comment)
           SELECT $1, u.p, u.s, u.st, u.c FROM unnest($2::uuid[], $3::smallint[], $4::text[], $5::text[])
                AS u(p, s, st, c)""",
        ballot_id,
        [r.proposition_id for r in ratings],
        [r.support for r in ratings],
        [r.statement for r in ratings],
        [r.comment for r in ratings],
    )
    return True


async def ratings(conn: Connection, round_id: UUID) -> list[CastRating]:
    records = await conn.fetch(
        """SELECT r.proposition_id, r.support, r.statement, r.comment, b.role, b.neighbourhood, b.age_band
           FROM ballot_ratings r JOIN ballots b ON b.id = r.ballot_id WHERE b.round_id = $1""",
        round_id,
    )
    return [msgspec.convert(dict(r), CastRating) for r in records]


async def rounds_with(conn: Connection, proposition_id: UUID) -> list[UUID]:
    records = await conn.fetch(
        """SELECT r.id FROM consensus_rounds r JOIN round_propositions rp ON rp.round_id = r.id
           WHERE rp.proposition_id = $1 ORDER BY r.created_at""",
        proposition_id,
    )
    return [r["id"] for r in records]


async def export_votes(conn: Connection, programme: str, *, with_comments: bool) -> list[VoteExport]:
    """Every rating in the programme's rounds, without who gave it. Voters' comments are free text that may name
    people and are not redacted, so only readers of words as written get them."""
    records = await conn.fetch(
        f"""SELECT r.title AS round, v.title AS proposition, br.support, br.statement,
                  {"br.comment" if with_comments else "''"} AS comment, b.role,
                  b.neighbourhood, b.age_band, b.cast_at
           FROM ballot_ratings br JOIN ballots b ON b.id = br.ballot_id
           JOIN consensus_rounds r ON r.id = b.round_id
           JOIN propositions p ON p.id = br.proposition_id
           JOIN proposition_versions v ON v.proposition_id = p.id AND v.version = p.version
           WHERE r.programme = $1 ORDER BY r.created_at, b.cast_at""",  # noqa: S608
        programme,
    )
    return [msgspec.convert(dict(r), VoteExport) for r in records]


async def has_voted(conn: Connection, round_id: UUID, voter: str) -> bool:
    return bool(
        await conn.fetchval("SELECT EXISTS (SELECT 1 FROM ballots WHERE round_id = $1 AND voter = $2)", round_id, voter)
    )


async def voted_in(conn: Connection, voter: str, round_ids: list[UUID]) -> set[UUID]:
    """Which of these rounds this voter has voted in."""
    records = await conn.fetch(
        "SELECT round_id FROM ballots WHERE voter = $1 AND round_id = ANY($2::uuid[])", voter, round_ids
    )
    return {r["round_id"] for r in records}
