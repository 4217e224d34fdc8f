"""The only SQL for the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from engage.db import Connection


class AuditEntry(msgspec.Struct, kw_only=True):
    at: datetime
    actor_user_id: UUID | None
    actor_email: str | None
    action: str
    subject_type: str
    subject_id: str
    detail: dict[str, Any]


async def record(
    conn: Connection,
    *,
    actor: UUID | None,
    action: str,
    subject_type: str,
    subject_id: str,
    detail: dict[str, Any] | None = None,
) -> None:
    await conn.execute(
        """INSERT INTO audit_log (actor_user_id, action, subject_type, subject_id, detail)
           VALUES ($1, $2, $3, $4, $5::jsonb)""",
        actor,
        action,
        subject_type,
        subject_id,
        msgspec.json.encode(detail or {}).decode(),
    )


async def list_entries(
    conn: Connection,
    *,
    subject_type: str | None = None,
    subject_id: str | None = None,
    actor_email: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 200,
) -> list[AuditEntry]:
    """Newest first. ``action`` matches a whole action or a family ("sign_in" finds sign_in.failed too)."""
    records = await conn.fetch(
        """SELECT a.at, a.actor_user_id, u.email AS actor_email, a.action, a.subject_type, a.subject_id,
                  a.detail::text AS detail
           FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id
           WHERE ($1::text IS NULL OR a.subject_type = $1) AND ($2::text IS NULL OR a.subject_id = $2)
             AND ($3::text IS NULL OR u.email = lower($3))
             AND ($4::text IS NULL OR a.action = $4 OR a.action LIKE $4 || '.%')
             AND ($5::timestamptz IS NULL OR a.at >= $5) AND ($6::timestamptz IS NULL OR a.at < $6)
           ORDER BY a.id DESC LIMIT $7""",
        subject_type,
        subject_id,
        actor_email,
        action,
        since,
        until,
        limit,
    )
    return [
        AuditEntry(
            at=r["at"],
            actor_user_id=r["actor_user_id"],
            actor_email=r["actor_email"],
            action=r["action"],
            subject_type=r["subject_type"],
            subject_id=r["subject_id"],
            detail=msgspec.json.decode(r["detail"]),
        )
        for r in records
    ]


async def list_actions(conn: Connection) -> list[str]:
    records = await conn.fetch("SELECT DISTINCT action FROM audit_log ORDER BY action")
    return [r["action"] for r in records]
