"""The only SQL for outgoing mail."""

from __future__ import annotations

from uuid import UUID

import asyncpg
import msgspec

from engage.db import Connection
from engage.mail.models import MailMessage

_COLUMNS = """id, dedupe_key, template, to_address, contribution_id, status::text AS status, attempts,
              next_attempt_at, claimed_at, last_error, created_at, sent_at, locale"""


def _message(record: asyncpg.Record) -> MailMessage:
    return msgspec.convert(dict(record), MailMessage)


async def insert_receipts(conn: Connection, contribution_ids: list[UUID]) -> int:
    """Queue a receipt for each of these contributions whose author gave an email and agreed to contact."""
    result = await conn.execute(
        """INSERT INTO mail_messages (id, dedupe_key, template, to_address, contribution_id, locale)
           SELECT gen_random_uuid(), 'receipt:' || c.id, 'receipt', k.email, c.id, c.locale
           FROM contributions c JOIN contribution_contacts k ON k.contribution_id = c.id
           WHERE c.id = ANY($1) AND c.consent_contact AND k.email IS NOT NULL
           ON CONFLICT (dedupe_key) DO NOTHING""",
        contribution_ids,
    )
    return int(result.split()[-1])


async def due_message_ids(
    conn: Connection, *, contribution_ids: list[UUID] | None = None, limit: int = 100
) -> list[UUID]:
    records = await conn.fetch(
        """SELECT id FROM mail_messages
           WHERE status = 'queued' AND next_attempt_at <= now()
             AND ($1::uuid[] IS NULL OR contribution_id = ANY($1))
           ORDER BY next_attempt_at LIMIT $2""",
        contribution_ids,
        limit,
    )
    return [r["id"] for r in records]


async def get_message(conn: Connection, message_id: UUID) -> MailMessage | None:
    """One message. Its sender holds the message's advisory lock (see engage.workers.delivery), which is what keeps
    two workers from sending it: a row lock would end with this statement, outside any transaction."""
    record = await conn.fetchrow(f"SELECT {_COLUMNS} FROM mail_messages WHERE id = $1", message_id)  # noqa: S608
    return None if record is None else _message(record)


async def count_attempt(conn: Connection, message_id: UUID) -> None:
    """An attempt that failed before reaching SMTP DATA (``mark_sending`` counts those that got there)."""
    await conn.execute("UPDATE mail_messages SET attempts = attempts + 1 WHERE id = $1", message_id)


async def mark_sending(conn: Connection, message_id: UUID) -> None:
    await conn.execute(
        """UPDATE mail_messages SET status = 'sending', claimed_at = now(), attempts = attempts + 1
           WHERE id = $1""",
        message_id,
    )


async def mark_sent(conn: Connection, message_id: UUID) -> None:
    await conn.execute(
        "UPDATE mail_messages SET status = 'sent', sent_at = now(), last_error = NULL WHERE id = $1",
        message_id,
    )


async def mark_retry(conn: Connection, message_id: UUID, *, delay_s: float, error: str) -> None:
    await conn.execute(
        """UPDATE mail_messages SET status = 'queued', last_error = $3,
                  next_attempt_at = now() + make_interval(secs => $2)
           WHERE id = $1""",
        message_id,
        delay_s,
        error,
    )


async def mark_failed(conn: Connection, message_id: UUID, error: str) -> None:
    await conn.execute("UPDATE mail_messages SET status = 'failed', last_error = $2 WHERE id = $1", message_id, error)


async def mark_unconfirmed(conn: Connection, message_id: UUID) -> None:
    await conn.execute(
        """UPDATE mail_messages SET status = 'unconfirmed',
                  last_error = 'the worker stopped while the message was being handed to the mail server'
           WHERE id = $1""",
        message_id,
    )


async def stale_sending_ids(conn: Connection, older_than_s: float) -> list[UUID]:
    records = await conn.fetch(
        """SELECT id FROM mail_messages
           WHERE status = 'sending' AND claimed_at < now() - make_interval(secs => $1)""",
        older_than_s,
    )
    return [r["id"] for r in records]


async def requeue(conn: Connection, message_id: UUID) -> bool:
    result = await conn.execute(
        """UPDATE mail_messages SET status = 'queued', next_attempt_at = now(), attempts = 0
           WHERE id = $1 AND status IN ('failed', 'unconfirmed')""",
        message_id,
    )
    return bool(result.endswith(" 1"))


async def list_messages(conn: Connection, *, statuses: list[str] | None = None, limit: int = 200) -> list[MailMessage]:
    records = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM mail_messages
            WHERE ($1::text[] IS NULL OR status::text = ANY($1))
            ORDER BY created_at DESC LIMIT $2""",  # noqa: S608
        statuses,
        limit,
    )
    return [_message(r) for r in records]
