"""Retention: each kind of personal data is deleted when its period (a setting) is over, by a daily worker job.
Callers own the transaction."""

from __future__ import annotations

from datetime import date

from engage.audit import queries as audit
from engage.db import Connection
from engage.privacy import queries
from engage.privacy.models import RetentionPeriods, RetentionRun


async def apply_retention(conn: Connection, periods: RetentionPeriods, today: date) -> RetentionRun | None:
    """Delete everything past its period, once a day (a second call the same day does nothing). The count of
    what went is kept, without any of it."""
    if await queries.has_run(conn, today):
        return None
    deleted = await queries.delete_expired(conn, periods)
    if not await queries.record_run(conn, today, deleted):
        return None
    await audit.record(
        conn,
        actor=None,
        action="retention.applied",
        subject_type="retention",
        subject_id=today.isoformat(),
        detail=deleted,
    )
    return RetentionRun(ran_on=today, deleted=deleted)


async def last_retention_run(conn: Connection) -> RetentionRun | None:
    return await queries.last_run(conn)
