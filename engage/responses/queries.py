"""The only SQL for "you said, we did" responses."""

from __future__ import annotations

from uuid import UUID

import asyncpg
import msgspec

from engage.responses.models import Response, ResponseDraft

_COLUMNS = """r.id, r.title, r.you_said, r.we_did, r.status::text AS status, r.theme_id, r.neighbourhood,
              n.name AS neighbourhood_name, r.proposition_id, r.published_at,
              (SELECT count(*) FROM response_evidence e WHERE e.response_id = r.id) AS evidence"""


async def insert_response(conn: asyncpg.Connection, response_id: UUID, draft: ResponseDraft, user: UUID) -> None:
    await conn.execute(
        """INSERT INTO responses (id, title, you_said, we_did, status, theme_id, neighbourhood, proposition_id,
                                  created_by)
           VALUES ($1, $2, $3, $4, $5::response_status, $6, $7, $8, $9)""",
        response_id,
        draft.title,
        draft.you_said,
        draft.we_did,
        draft.status,
        draft.theme_id,
        draft.neighbourhood,
        draft.proposition_id,
        user,
    )


async def link_evidence(
    conn: asyncpg.Connection, response_id: UUID, references: list[str], proposition_id: UUID | None
) -> list[str]:
    """Link the contributions with these references, and a proposition's pinned evidence. Returns the references
    that match no contribution."""
    found = await conn.fetch("SELECT id, reference FROM contributions WHERE reference = ANY($1)", references)
    await conn.execute(
        """INSERT INTO response_evidence (response_id, contribution_id)
           SELECT $1::uuid, id FROM contributions WHERE id = ANY($2::uuid[])
           UNION
           SELECT $1::uuid, contribution_id FROM proposition_evidence
           WHERE proposition_id = $3::uuid AND contribution_id IS NOT NULL
           ON CONFLICT DO NOTHING""",
        response_id,
        [r["id"] for r in found],
        proposition_id,
    )
    return sorted(set(references) - {r["reference"] for r in found})


async def queue_emails(conn: asyncpg.Connection, response_id: UUID) -> int:
    """One email per contributor who asked to hear back, whatever happens later (the dedupe key)."""
    result = await conn.execute(
        """INSERT INTO mail_messages (id, dedupe_key, template, to_address, contribution_id, locale)
           SELECT gen_random_uuid(), 'response:' || $1::uuid::text || ':' || k.email, 'response', k.email,
                  min(c.id::text)::uuid, (array_agg(c.locale ORDER BY c.received_at DESC))[1]
           FROM response_evidence e JOIN contributions c ON c.id = e.contribution_id
           JOIN contribution_contacts k ON k.contribution_id = c.id
           WHERE e.response_id = $1::uuid AND c.consent_contact AND k.email IS NOT NULL
           GROUP BY k.email
           ON CONFLICT (dedupe_key) DO NOTHING""",
        response_id,
    )
    return int(result.split()[-1])


async def list_responses(
    conn: asyncpg.Connection, *, theme: str | None, neighbourhood: str | None, limit: int = 200
) -> list[Response]:
    records = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM responses r LEFT JOIN neighbourhoods n ON n.slug = r.neighbourhood
            WHERE ($1::text IS NULL OR r.theme_id = $1) AND ($2::text IS NULL OR r.neighbourhood = $2)
            ORDER BY r.published_at DESC LIMIT $3""",  # noqa: S608
        theme,
        neighbourhood,
        limit,
    )
    return [msgspec.convert(dict(r), Response) for r in records]


async def get_response(conn: asyncpg.Connection, response_id: UUID) -> Response | None:
    record = await conn.fetchrow(
        f"""SELECT {_COLUMNS} FROM responses r LEFT JOIN neighbourhoods n ON n.slug = r.neighbourhood
            WHERE r.id = $1""",  # noqa: S608
        response_id,
    )
    return None if record is None else msgspec.convert(dict(record), Response)


async def responses_answering(conn: asyncpg.Connection, contribution_id: UUID) -> list[Response]:
    """The published "you said, we did" responses that name this contribution among what they answer."""
    records = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM responses r LEFT JOIN neighbourhoods n ON n.slug = r.neighbourhood
            WHERE r.id IN (SELECT response_id FROM response_evidence WHERE contribution_id = $1)
            ORDER BY r.published_at DESC""",  # noqa: S608
        contribution_id,
    )
    return [msgspec.convert(dict(r), Response) for r in records]
