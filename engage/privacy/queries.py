"""The only SQL for retention: delete each kind of personal data past its period."""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec

from engage.db import Connection
from engage.privacy.models import RetentionPeriods, RetentionRun

# Each statement deletes one kind of data older than its period (in days, the statement's only argument).
_DELETES: dict[str, str] = {
    "contacts": "DELETE FROM contribution_contacts WHERE created_at < now() - make_interval(days => $1)",
    "equality": "DELETE FROM contribution_equality WHERE created_at < now() - make_interval(days => $1)",
    "sessions": "DELETE FROM staff_sessions WHERE expires_at < now() - make_interval(days => $1)",
    "mail": """DELETE FROM mail_messages WHERE created_at < now() - make_interval(days => $1)
                 AND status IN ('sent', 'failed', 'unconfirmed')""",
    "audit": "DELETE FROM audit_log WHERE at < now() - make_interval(days => $1)",
    "withdrawals": "DELETE FROM withdrawals WHERE withdrawn_at < now() - make_interval(days => $1)",
}


async def delete_expired(conn: Connection, periods: RetentionPeriods) -> dict[str, int]:
    deleted = {}
    for kind, statement in _DELETES.items():
        result = await conn.execute(statement, getattr(periods, kind))
        deleted[kind] = int(result.split()[-1])
    return deleted


async def record_run(conn: Connection, ran_on: date, deleted: dict[str, Any]) -> bool:
    """Note today's run; False when today's run was already recorded (another worker did it)."""
    inserted = await conn.fetchval(
        "INSERT INTO retention_runs (ran_on, deleted) VALUES ($1, $2::jsonb) ON CONFLICT DO NOTHING RETURNING ran_on",
        ran_on,
        msgspec.json.encode(deleted).decode(),
    )
    return inserted is not None


async def has_run(conn: Connection, ran_on: date) -> bool:
    return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM retention_runs WHERE ran_on = $1)", ran_on))


async def last_run(conn: Connection) -> RetentionRun | None:
    record = await conn.fetchrow(
        "SELECT ran_on, deleted::text AS deleted FROM retention_runs ORDER BY ran_on DESC LIMIT 1"
    )
    if record is None:
        return None
    return RetentionRun(ran_on=record["ran_on"], deleted=msgspec.json.decode(record["deleted"]))
