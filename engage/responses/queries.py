"""The only SQL for "you said, we did" responses."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import msgspec

from engage.db import Connection
from engage.responses.models import Response, ResponseDraft, Update

_COLUMNS = """r.id, r.title, r.you_said, r.we_did, r.status::text AS status, r.theme_id, r.neighbourhood,
              n.name AS neighbourhood_name, r.proposition_id, r.published_at,
              (SELECT count(*) FROM response_evidence e WHERE e.response_id = r.id) AS evidence"""


async def insert_response(conn: Connection, response_id: UUID, draft: ResponseDraft, user: UUID) -> None:
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
    conn: Connection, response_id: UUID, references: list[str], proposition_id: UUID | None
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


async def insert_update(
    conn: Connection, update_id: UUID, response_id: UUID, status: str, note: str, changed_on: date, user: UUID
) -> None:
    """Record a change of status, and make it the response's status."""
    await conn.execute(
        """INSERT INTO response_updates (id, response_id, status, note, changed_on, recorded_by)
           VALUES ($1, $2, $3::response_status, $4, $5, $6)""",
        update_id,
        response_id,
        status,
        note,
        changed_on,
        user,
    )
    await conn.execute(
        "UPDATE responses SET status = $2::response_status, updated_at = now() WHERE id = $1", response_id, status
    )


_UPDATE = "id, response_id, status::text AS status, note, changed_on, recorded_at"


async def get_update(conn: Connection, update_id: UUID) -> Update | None:
    record = await conn.fetchrow(f"SELECT {_UPDATE} FROM response_updates WHERE id = $1", update_id)  # noqa: S608
    return None if record is None else msgspec.convert(dict(record), Update)


async def updates_for(conn: Connection, response_ids: list[UUID]) -> list[Update]:
    """The status history of these responses, oldest first."""
    records = await conn.fetch(
        f"""SELECT {_UPDATE} FROM response_updates WHERE response_id = ANY($1::uuid[])
            ORDER BY changed_on, recorded_at""",  # noqa: S608
        response_ids,
    )
    return [msgspec.convert(dict(r), Update) for r in records]


async def lock_response(conn: Connection, response_id: UUID) -> Response | None:
    """The response, locked until the transaction ends (two changes at once are taken one after the other)."""
    await conn.execute("SELECT 1 FROM responses WHERE id = $1 FOR UPDATE", response_id)
    return await get_response(conn, response_id)


async def queue_update_emails(conn: Connection, response_id: UUID, update_id: UUID) -> int:
    """One email per contributor who asked to hear back, for this change: the dedupe key names the response, the
    change and the address, so no retry and no second contribution by the same person sends it twice."""
    return await _queue_emails(conn, response_id, "response_update", f"response_update:{response_id}:{update_id}")


async def queue_emails(conn: Connection, response_id: UUID) -> int:
    """One email per contributor who asked to hear back, whatever happens later (the dedupe key)."""
    return await _queue_emails(conn, response_id, "response", f"response:{response_id}")


async def _queue_emails(conn: Connection, response_id: UUID, template: str, key: str) -> int:
    """Mail ``template`` to the people behind a response: linked contributions still held (withdrawn ones are
    gone), consent to contact, an email address still kept; one message per address (dedupe key ``key:address``),
    in the language of their latest contribution."""
    result = await conn.execute(
        """INSERT INTO mail_messages (id, dedupe_key, template, to_address, contribution_id, locale)
           SELECT gen_random_uuid(), $2 || ':' || k.email, $3, k.email,
                  min(c.id::text)::uuid, (array_agg(c.locale ORDER BY c.received_at DESC))[1]
           FROM response_evidence e JOIN contributions c ON c.id = e.contribution_id
           JOIN contribution_contacts k ON k.contribution_id = c.id
           WHERE e.response_id = $1::uuid AND c.consent_contact AND k.email IS NOT NULL
           GROUP BY k.email
           ON CONFLICT (dedupe_key) DO NOTHING""",
        response_id,
        key,
        template,
    )
    return int(result.split()[-1])


async def list_responses(
    conn: Connection, *, theme: str | None, neighbourhood: str | None, limit: int = 200
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


async def get_response(conn: Connection, response_id: UUID) -> Response | None:
    record = await conn.fetchrow(
        f"""SELECT {_COLUMNS} FROM responses r LEFT JOIN neighbourhoods n ON n.slug = r.neighbourhood
            WHERE r.id = $1""",  # noqa: S608
        response_id,
    )
    return None if record is None else msgspec.convert(dict(record), Response)


async def responses_answering(conn: Connection, contribution_id: UUID) -> list[Response]:
    """The published "you said, we did" responses that name this contribution among what they answer."""
    records = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM responses r LEFT JOIN neighbourhoods n ON n.slug = r.neighbourhood
            WHERE r.id IN (SELECT response_id FROM response_evidence WHERE contribution_id = $1)
            ORDER BY r.published_at DESC""",  # noqa: S608
        contribution_id,
    )
    return [msgspec.convert(dict(r), Response) for r in records]
