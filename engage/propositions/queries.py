"""The only SQL for propositions."""

from __future__ import annotations

from uuid import UUID

import asyncpg
import msgspec

from engage.db import Connection
from engage.privacy.visibility import Sight, authored_words, visible, words
from engage.propositions.models import (
    Comment,
    Decision,
    Evidence,
    Proposition,
    PropositionText,
    RecordedDecision,
    UsedIn,
    Version,
)

_COLUMNS = """p.id, p.programme, p.status::text AS status, p.version, v.title, v.description, v.for_whom, v.themes,
              p.drafted_in_phase::text AS drafted_in_phase,
              (SELECT count(*) FROM proposition_evidence e WHERE e.proposition_id = p.id
                 AND e.contribution_id IS NOT NULL) AS evidence,
              (SELECT count(*) FROM proposition_evidence e WHERE e.proposition_id = p.id
                 AND e.contribution_id IS NULL) AS withdrawn"""
_FROM = "propositions p JOIN proposition_versions v ON v.proposition_id = p.id AND v.version = p.version"


def _proposition(record: asyncpg.Record) -> Proposition:
    return msgspec.convert({**dict(record), "themes": list(record["themes"])}, Proposition)


async def insert_proposition(
    conn: Connection, proposition_id: UUID, programme: str, text: PropositionText, user: UUID
) -> None:
    await conn.execute(
        """INSERT INTO propositions (id, programme, created_by, drafted_in_phase)
           SELECT $1, $2, $3, phase FROM programmes WHERE slug = $2""",
        proposition_id,
        programme,
        user,
    )
    await insert_version(conn, proposition_id, 1, text, "", "", user)


async def insert_version(
    conn: Connection,
    proposition_id: UUID,
    version: int,
    text: PropositionText,
    what_changed: str,
    why: str,
    user: UUID,
) -> None:
    await conn.execute(
        """INSERT INTO proposition_versions (proposition_id, version, title, description, for_whom, themes,
                                             what_changed, why, changed_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)""",
        proposition_id,
        version,
        text.title,
        text.description,
        text.for_whom,
        text.themes,
        what_changed,
        why,
        user,
    )
    await conn.execute("UPDATE propositions SET version = $2 WHERE id = $1", proposition_id, version)


async def get_proposition(conn: Connection, proposition_id: UUID, *, lock: bool = False) -> Proposition | None:
    suffix = " FOR UPDATE OF p" if lock else ""
    record = await conn.fetchrow(f"SELECT {_COLUMNS} FROM {_FROM} WHERE p.id = $1{suffix}", proposition_id)  # noqa: S608
    return None if record is None else _proposition(record)


async def list_for_programme(conn: Connection, programme: str) -> list[Proposition]:
    records = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM {_FROM} WHERE p.programme = $1
            ORDER BY array_position(ARRAY['approved', 'shortlisted', 'draft', 'set_aside'], p.status::text),
                     p.created_at""",  # noqa: S608
        programme,
    )
    return [_proposition(r) for r in records]


async def versions(conn: Connection, proposition_id: UUID) -> list[Version]:
    records = await conn.fetch(
        """SELECT v.version, v.title, v.description, v.for_whom, v.themes, v.what_changed, v.why,
                  u.name AS changed_by_name, v.changed_at
           FROM proposition_versions v LEFT JOIN users u ON u.id = v.changed_by
           WHERE v.proposition_id = $1 ORDER BY v.version DESC""",
        proposition_id,
    )
    return [msgspec.convert({**dict(r), "themes": list(r["themes"])}, Version) for r in records]


async def evidence(conn: Connection, proposition_id: UUID, sight: Sight) -> list[Evidence]:
    """Everything pinned to a proposition; what this reader may not read comes without reference or words."""
    records = await conn.fetch(
        f"""SELECT e.contribution_id, v.reference, v.text, v.kind, c.id IS NOT NULL AND v.reference IS NULL AS hidden
            FROM proposition_evidence e
            LEFT JOIN contributions c ON c.id = e.contribution_id
            LEFT JOIN LATERAL (SELECT c.reference, {words(sight)} AS text, c.kind::text AS kind
                               WHERE {visible(sight)}) v ON true
            WHERE e.proposition_id = $1 ORDER BY e.pinned_at, e.id""",  # noqa: S608
        proposition_id,
    )
    return [
        msgspec.convert({**dict(r), "contribution_id": None if r["hidden"] else r["contribution_id"]}, Evidence)
        for r in records
    ]


async def is_pinned(conn: Connection, proposition_id: UUID, contribution_id: UUID) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM proposition_evidence WHERE proposition_id = $1 AND contribution_id = $2)",
            proposition_id,
            contribution_id,
        )
    )


async def pin(conn: Connection, proposition_id: UUID, contribution_id: UUID, user: UUID) -> bool:
    inserted = await conn.fetchval(
        """INSERT INTO proposition_evidence (proposition_id, contribution_id, pinned_by)
           SELECT $1, id, $3 FROM contributions WHERE id = $2
           ON CONFLICT (proposition_id, contribution_id) DO NOTHING RETURNING id""",
        proposition_id,
        contribution_id,
        user,
    )
    return inserted is not None


async def unpin(conn: Connection, proposition_id: UUID, contribution_id: UUID) -> None:
    await conn.execute(
        "DELETE FROM proposition_evidence WHERE proposition_id = $1 AND contribution_id = $2",
        proposition_id,
        contribution_id,
    )


async def set_status(conn: Connection, proposition_id: UUID, status: str) -> None:
    await conn.execute("UPDATE propositions SET status = $2::proposition_status WHERE id = $1", proposition_id, status)


async def count_shortlisted(conn: Connection, programme: str) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM propositions WHERE programme = $1 AND status = 'shortlisted'", programme
        )
    )


async def used_in(conn: Connection, contribution_id: UUID) -> list[UsedIn]:
    records = await conn.fetch(
        f"""SELECT p.id AS proposition_id, p.programme, v.title, p.status::text AS status
            FROM proposition_evidence e JOIN {_FROM} ON p.id = e.proposition_id
            WHERE e.contribution_id = $1 ORDER BY v.title""",  # noqa: S608
        contribution_id,
    )
    return [msgspec.convert(dict(r), UsedIn) for r in records]


async def contribution_id_by_reference(conn: Connection, reference: str) -> UUID | None:
    value = await conn.fetchval("SELECT id FROM contributions WHERE reference = $1", reference)
    return None if value is None else UUID(str(value))


async def record_decision(conn: Connection, proposition_id: UUID, version: int, decision: Decision, user: UUID) -> bool:
    inserted = await conn.fetchval(
        """INSERT INTO approvals (proposition_id, version, approved, board, decided_on, decision_note, actions, owner,
                                  budget, resourcing, milestones, recorded_by, without_consensus)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
           ON CONFLICT (proposition_id) DO NOTHING RETURNING proposition_id""",
        proposition_id,
        version,
        decision.approved,
        decision.board,
        decision.decided_on,
        decision.decision_note,
        decision.actions,
        decision.owner,
        decision.budget,
        decision.resourcing,
        decision.milestones,
        user,
        decision.without_consensus,
    )
    return inserted is not None


async def decision_for(conn: Connection, proposition_id: UUID) -> RecordedDecision | None:
    record = await conn.fetchrow(
        """SELECT a.*, u.name AS recorded_by_name FROM approvals a LEFT JOIN users u ON u.id = a.recorded_by
           WHERE a.proposition_id = $1""",
        proposition_id,
    )
    if record is None:
        return None
    fields = {name: record[name] for name in Decision.__struct_fields__}
    return RecordedDecision(
        decision=msgspec.convert(fields, Decision),
        version=record["version"],
        recorded_by_name=record["recorded_by_name"],
        recorded_at=record["recorded_at"],
    )


async def insert_comment(conn: Connection, comment_id: UUID, proposition_id: UUID, author: UUID, body: str) -> None:
    await conn.execute(
        "INSERT INTO proposition_comments (id, proposition_id, author_id, body) VALUES ($1, $2, $3, $4)",
        comment_id,
        proposition_id,
        author,
        body,
    )


async def comments(conn: Connection, proposition_id: UUID, sight: Sight) -> list[Comment]:
    """A proposition's comments, oldest first, in the words this reader may read (none for nobody)."""
    if sight.reader is None:
        return []
    text = authored_words(sight, "k.body", "k.redacted_body", "k.author_id")
    records = await conn.fetch(
        f"""SELECT k.id, u.name AS author_name, u.organisation AS author_organisation,
                   u.role = 'community_member' AS community, k.author_id = $2 AS mine, {text} AS text, k.created_at
            FROM proposition_comments k JOIN users u ON u.id = k.author_id
            WHERE k.proposition_id = $1 ORDER BY k.created_at, k.id""",  # noqa: S608
        proposition_id,
        sight.reader,
    )
    return [msgspec.convert(dict(r), Comment) for r in records]


async def comment_author(conn: Connection, comment_id: UUID) -> tuple[UUID, UUID] | None:
    """(the author, the proposition) of a comment."""
    record = await conn.fetchrow("SELECT author_id, proposition_id FROM proposition_comments WHERE id = $1", comment_id)
    return None if record is None else (record["author_id"], record["proposition_id"])


async def delete_comment(conn: Connection, comment_id: UUID) -> None:
    await conn.execute("DELETE FROM proposition_comments WHERE id = $1", comment_id)


async def comments_to_redact(
    conn: Connection, version: str, *, ids: list[UUID] | None = None, limit: int = 500
) -> list[tuple[UUID, str]]:
    """Comments never redacted, or redacted by another version of the redactor."""
    records = await conn.fetch(
        """SELECT id, body FROM proposition_comments
           WHERE ($2::uuid[] IS NULL OR id = ANY($2)) AND redactor_version IS DISTINCT FROM $1
           ORDER BY created_at LIMIT $3""",
        version,
        ids,
        limit,
    )
    return [(r["id"], r["body"]) for r in records]


async def save_comment_redactions(conn: Connection, redacted: list[tuple[UUID, str]], version: str) -> int:
    await conn.executemany(
        "UPDATE proposition_comments SET redacted_body = $2, redactor_version = $3 WHERE id = $1",
        [(comment_id, text, version) for comment_id, text in redacted],
    )
    return len(redacted)
