"""The only SQL for programmes."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from engage.db import Connection
from engage.privacy.visibility import Sight, visible, words
from engage.programmes.models import (
    Cluster,
    ClusterMember,
    Member,
    PhaseChange,
    Programme,
    ProgrammeChoice,
    ProgrammeDraft,
    StoredClusters,
)

_COLUMNS = """p.slug, p.name, p.purpose, p.framework_id, p.phase::text AS phase, p.discovery_from, p.define_from,
              p.develop_from, p.ends_on,
              ARRAY(SELECT n.neighbourhood FROM programme_neighbourhoods n
                    WHERE n.programme = p.slug ORDER BY n.neighbourhood) AS neighbourhoods,
              (SELECT count(*) FROM contributions c WHERE c.programme = p.slug) AS contributions"""


def _programme(record: asyncpg.Record) -> Programme:
    return msgspec.convert({**dict(record), "neighbourhoods": list(record["neighbourhoods"])}, Programme)


async def insert_programme(conn: Connection, slug: str, draft: ProgrammeDraft, created_by: UUID) -> bool:
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


async def get_programme(conn: Connection, slug: str, *, for_update: bool = False) -> Programme | None:
    lock = " FOR UPDATE OF p" if for_update else ""
    record = await conn.fetchrow(f"SELECT {_COLUMNS} FROM programmes p WHERE p.slug = $1{lock}", slug)  # noqa: S608
    return None if record is None else _programme(record)


async def programme_choices(conn: Connection) -> list[ProgrammeChoice]:
    records = await conn.fetch("SELECT slug, name FROM programmes ORDER BY name")
    return [ProgrammeChoice(slug=r["slug"], name=r["name"]) for r in records]


async def list_programmes(conn: Connection) -> list[Programme]:
    records = await conn.fetch(f"SELECT {_COLUMNS} FROM programmes p ORDER BY p.created_at DESC")  # noqa: S608
    return [_programme(r) for r in records]


async def set_phase(conn: Connection, slug: str, from_phase: str, to_phase: str, summary: str, user: UUID) -> None:
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


async def phase_changes(conn: Connection, slug: str) -> list[PhaseChange]:
    records = await conn.fetch(
        """SELECT c.from_phase::text AS from_phase, c.to_phase::text AS to_phase, c.summary,
                  u.name AS changed_by_name, c.changed_at
           FROM phase_changes c LEFT JOIN users u ON u.id = c.changed_by
           WHERE c.programme = $1 ORDER BY c.changed_at, c.id""",
        slug,
    )
    return [msgspec.convert(dict(r), PhaseChange) for r in records]


async def members(conn: Connection, slug: str) -> list[Member]:
    records = await conn.fetch(
        """SELECT m.user_id, u.name, u.organisation, m.role, u.role = 'community_member' AS community,
                  m.added_at, u.active,
                  (SELECT max(l.used_at) FROM member_links l WHERE l.user_id = u.id) AS last_signed_in
           FROM programme_members m JOIN users u ON u.id = m.user_id
           WHERE m.programme = $1 ORDER BY m.role, u.name""",
        slug,
    )
    return [msgspec.convert(dict(r), Member) for r in records]


async def member_role(conn: Connection, slug: str, user_id: UUID) -> str | None:
    value = await conn.fetchval(
        "SELECT role FROM programme_members WHERE programme = $1 AND user_id = $2", slug, user_id
    )
    return None if value is None else str(value)


async def add_member(conn: Connection, slug: str, user_id: UUID, role: str) -> None:
    await conn.execute(
        """INSERT INTO programme_members (programme, user_id, role) VALUES ($1, $2, $3)
           ON CONFLICT (programme, user_id) DO UPDATE SET role = excluded.role""",
        slug,
        user_id,
        role,
    )


async def remove_member(conn: Connection, slug: str, user_id: UUID) -> bool:
    """Take someone out of the community of practice (never a facilitator: they run it)."""
    removed = await conn.fetchval(
        "DELETE FROM programme_members WHERE programme = $1 AND user_id = $2 AND role = 'member' RETURNING user_id",
        slug,
        user_id,
    )
    return removed is not None


async def memberships(conn: Connection, user_id: UUID) -> list[Programme]:
    """The programmes someone belongs to, newest first."""
    records = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM programmes p JOIN programme_members m ON m.programme = p.slug
            WHERE m.user_id = $1 ORDER BY p.created_at DESC""",  # noqa: S608
        user_id,
    )
    return [_programme(r) for r in records]


async def user_id_by_email(conn: Connection, email: str) -> UUID | None:
    """A staff account's id (community of practice members have no staff account)."""
    value = await conn.fetchval(
        "SELECT id FROM users WHERE email = lower($1) AND active AND role <> 'community_member'", email
    )
    return None if value is None else UUID(str(value))


async def request_clusters(conn: Connection, slug: str) -> None:
    await conn.execute(
        """INSERT INTO evidence_clusters (programme) VALUES ($1)
           ON CONFLICT (programme) DO UPDATE SET requested_at = now()""",
        slug,
    )


async def save_clusters(conn: Connection, slug: str, clusters: list[dict[str, Any]]) -> None:
    await conn.execute(
        """INSERT INTO evidence_clusters (programme, computed_at, clusters) VALUES ($1, now(), $2::jsonb)
           ON CONFLICT (programme) DO UPDATE SET computed_at = now(), clusters = excluded.clusters""",
        slug,
        json.dumps(clusters),
    )


async def clusters_for(conn: Connection, slug: str, sight: Sight) -> StoredClusters | None:
    """The clusters with the members this reader may read. Withdrawn members are gone from the stored clusters;
    members the reader may not read are counted, not shown."""
    record = await conn.fetchrow(
        "SELECT clusters::text AS clusters, requested_at, computed_at FROM evidence_clusters WHERE programme = $1", slug
    )
    if record is None:
        return None
    stored = json.loads(record["clusters"])
    ids = [UUID(i) for c in stored for i in c["contributions"]]
    rows = await conn.fetch(
        f"""SELECT c.id, c.reference, {words(sight)} AS text FROM contributions c
            WHERE c.id = ANY($1) AND {visible(sight)}""",  # noqa: S608
        ids,
    )
    found = {str(r["id"]): ClusterMember(id=str(r["id"]), reference=r["reference"], text=r["text"]) for r in rows}
    clusters = []
    for cluster in stored:
        members = [found[i] for i in cluster["contributions"] if i in found]
        clusters.append(
            Cluster(
                label=cluster["label"],
                members=members,
                hidden=len(cluster["contributions"]) - len(members),
                quote=found.get(cluster.get("representative") or ""),
                terms=list(cluster.get("terms") or []),
            )
        )
    return StoredClusters(clusters=clusters, requested_at=record["requested_at"], computed_at=record["computed_at"])


async def contribution_ids(conn: Connection, slug: str, *, limit: int = 5000) -> list[UUID]:
    """The programme's contributions, oldest first (the same ones clustering reads)."""
    records = await conn.fetch(
        "SELECT id FROM contributions WHERE programme = $1 ORDER BY received_at LIMIT $2", slug, limit
    )
    return [r["id"] for r in records]


async def texts_for_clustering(conn: Connection, slug: str) -> list[tuple[UUID, str]]:
    """A programme's redacted words, as clusters and their labels are shown to every reader of the evidence board
    (flagged words and texts awaiting translation or redaction left out)."""
    records = await conn.fetch(
        """SELECT c.id, c.redacted_text FROM contributions c
           LEFT JOIN contribution_analyses a ON a.contribution_id = c.id
           WHERE c.programme = $1 AND NOT coalesce(a.needs_translation, false) AND c.redacted_text IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM safeguarding_flags f
                             WHERE f.contribution_id = c.id AND f.status <> 'not_a_concern')
           ORDER BY c.received_at LIMIT 5000""",
        slug,
    )
    return [(r["id"], r["redacted_text"]) for r in records]


async def heard_from(conn: Connection, slug: str) -> dict[str, list[tuple[str, int]]]:
    """Who the programme heard from: counts by neighbourhood (its own, zero included), kind and age band."""
    by_neighbourhood = await conn.fetch(
        """SELECT n.name, count(c.id) AS n FROM programme_neighbourhoods pn
           JOIN neighbourhoods n ON n.slug = pn.neighbourhood
           LEFT JOIN contributions c ON c.programme = pn.programme AND c.neighbourhood = pn.neighbourhood
           WHERE pn.programme = $1 GROUP BY n.name ORDER BY n.name""",
        slug,
    )
    by_kind = await conn.fetch(
        "SELECT kind::text AS name, count(*) AS n FROM contributions WHERE programme = $1 GROUP BY kind ORDER BY 1",
        slug,
    )
    by_age = await conn.fetch(
        """SELECT coalesce(e.age_band, 'Not given') AS name, count(*) AS n FROM contributions c
           LEFT JOIN contribution_equality e ON e.contribution_id = c.id
           WHERE c.programme = $1 GROUP BY 1 ORDER BY 1""",
        slug,
    )
    return {
        "neighbourhood": [(r["name"], r["n"]) for r in by_neighbourhood],
        "kind": [(r["name"], r["n"]) for r in by_kind],
        "age band": [(r["name"], r["n"]) for r in by_age],
    }
