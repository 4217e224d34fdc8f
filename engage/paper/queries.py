"""The only SQL for paper forms."""

from __future__ import annotations

from uuid import UUID

import msgspec

from engage.db import Connection
from engage.paper.models import BatchSummary, PaperForm

_COLUMNS = "reference, contribution_id, locale, batch, issued_at, used_at"


async def insert_forms(
    conn: Connection, forms: list[tuple[str, UUID]], *, locale: str, batch: UUID, issued_by: UUID
) -> None:
    await conn.execute(
        """INSERT INTO paper_forms (reference, contribution_id, locale, batch, issued_by)
           SELECT u.reference, u.id, $3, $4, $5 FROM unnest($1::text[], $2::uuid[]) AS u(reference, id)""",
        [reference for reference, _ in forms],
        [contribution_id for _, contribution_id in forms],
        locale,
        batch,
        issued_by,
    )


async def forms_in_batch(conn: Connection, batch: UUID) -> list[PaperForm]:
    records = await conn.fetch(
        f"SELECT {_COLUMNS} FROM paper_forms WHERE batch = $1 ORDER BY issued_at, reference",  # noqa: S608
        batch,
    )
    return [msgspec.convert(dict(r), PaperForm) for r in records]


async def claim(conn: Connection, reference: str) -> PaperForm | None:
    """The form printed with this reference, locked until the transaction ends (two people typing in the same form
    at once: the second waits, then finds it used)."""
    record = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM paper_forms WHERE reference = $1 FOR UPDATE",  # noqa: S608
        reference,
    )
    return None if record is None else msgspec.convert(dict(record), PaperForm)


async def mark_used(conn: Connection, reference: str) -> None:
    await conn.execute("UPDATE paper_forms SET used_at = now() WHERE reference = $1", reference)


async def recent_batches(conn: Connection, *, limit: int = 20) -> list[BatchSummary]:
    records = await conn.fetch(
        """SELECT batch AS id, min(locale) AS locale, min(issued_at) AS issued_at, count(*) AS forms,
                  count(used_at) AS used
           FROM paper_forms GROUP BY batch ORDER BY min(issued_at) DESC LIMIT $1""",
        limit,
    )
    return [msgspec.convert(dict(r), BatchSummary) for r in records]
