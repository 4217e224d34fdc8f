"""The only SQL for programmes."""

from __future__ import annotations

from uuid import UUID

import asyncpg
import msgspec

from engage.programmes.models import Member, PhaseChange, Programme, ProgrammeDraft

_COLUMNS = """p.slug, p.name, p.purpose, p.framework_id, p.phase::text AS phase, p.discovery_from, p.define_from,
              p.develop_from, p.ends_on,
              ARRAY(SELECT n.neighbourhood FROM programme_neighbourhoods n
                    WHERE n.programme = p.slug ORDER BY n.neighbourhood) AS neighbourhoods,
              (SELECT count(*) FROM contributions c WHERE c.programme = p.slug) AS contributions"""


def _programme(record: asyncpg.Record) -> Programme:
    return msgspec.convert({**dict(record), "neighbourhoods": list(record["neighbourhoods"])}, Programme)


async def insert_programme(conn: asyncpg.Connection, slug: str, draft: ProgrammeDraft, created_by: UUID) -> bool:
    inserted = await conn.fetchval(
        """INSERT INTO programmes (slug, name, purpose, framework_id, discovery_from, define_from, develop_from,
                                   ends_on, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (slug) DO NOTHING RETURNING slug""",
        slug,
        draft.name,
        draft.purpose,
        draft.framework_id,
        draft.discovery_from,
        draft.define_from,
        draft.develop_from,
        draft.ends_on,
        created_by,
    )
    if inserted is None:
        return False
    await conn.execute(
        "INSERT INTO programme_neighbourhoods (programme, neighbourhood) SELECT $1, unnest($2::text[])",
        slug,
        draft.neighbourhoods,
    )
    await conn.execute(
        "INSERT INTO programme_members (programme, user_id, role) VALUES ($1, $2, 'facilitator')", slug, created_by
    )
    return True


async def get_programme(conn: asyncpg.Connection, slug: str, *, for_update: bool = False) -> Programme | None:
    lock = " FOR UPDATE OF p" if for_update else ""
    record = await conn.fetchrow(f"SELECT {_COLUMNS} FROM programmes p WHERE p.slug = $1{lock}", slug)  # noqa: S608
    return None if record is None else _programme(record)


async def list_programmes(conn: asyncpg.Connection) -> list[Programme]:
    records = await conn.fetch(f"SELECT {_COLUMNS} FROM programmes p ORDER BY p.created_at DESC")  # noqa: S608
    return [_programme(r) for r in records]


async def set_phase(
    conn: asyncpg.Connection, slug: str, from_phase: str, to_phase: str, summary: str, user: UUID
) -> None:
    await conn.execute("UPDATE programmes SET phase = $2::programme_phase WHERE slug = $1", slug, to_phase)
    await conn.execute(
        """INSERT INTO phase_changes (programme, from_phase, to_phase, summary, changed_by)
           VALUES ($1, $2::programme_phase, $3::programme_phase, $4, $5)""",
        slug,
        from_phase,
        to_phase,
        summary,
        user,
    )


async def phase_changes(conn: asyncpg.Connection, slug: str) -> list[PhaseChange]:
    records = await conn.fetch(
        """SELECT c.from_phase::text AS from_phase, c.to_phase::text AS to_phase, c.summary,
                  u.name AS changed_by_name, c.changed_at
           FROM phase_changes c LEFT JOIN users u ON u.id = c.changed_by
           WHERE c.programme = $1 ORDER BY c.changed_at, c.id""",
        slug,
    )
    return [msgspec.convert(dict(r), PhaseChange) for r in records]


async def members(conn: asyncpg.Connection, slug: str) -> list[Member]:
    records = await conn.fetch(
        """SELECT m.user_id, u.name, u.organisation, m.role FROM programme_members m JOIN users u ON u.id = m.user_id
           WHERE m.programme = $1 ORDER BY m.role, u.name""",
        slug,
    )
    return [msgspec.convert(dict(r), Member) for r in records]


async def member_role(conn: asyncpg.Connection, slug: str, user_id: UUID) -> str | None:
    value = await conn.fetchval(
        "SELECT role FROM programme_members WHERE programme = $1 AND user_id = $2", slug, user_id
    )
    return None if value is None else str(value)


async def add_member(conn: asyncpg.Connection, slug: str, user_id: UUID, role: str) -> None:
    await conn.execute(
        """INSERT INTO programme_members (programme, user_id, role) VALUES ($1, $2, $3)
           ON CONFLICT (programme, user_id) DO UPDATE SET role = excluded.role""",
        slug,
        user_id,
        role,
    )


async def user_id_by_email(conn: asyncpg.Connection, email: str) -> UUID | None:
    value = await conn.fetchval("SELECT id FROM users WHERE email = lower($1) AND active", email)
    return None if value is None else UUID(str(value))
