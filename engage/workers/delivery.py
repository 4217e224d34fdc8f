"""Delivering queued email, in stages, so that a crash never sends a message twice.

A session-level advisory lock on a dedicated connection makes one worker the only sender of a message; the
lock dies with the connection, so a killed worker frees it. Status ``sending`` is written just before DATA:
a message found in ``sending`` by the lock holder was interrupted mid-DATA and becomes ``unconfirmed``
(shown to admins, who can send it again) instead of being repeated.

Each worker process has one `MailSender`, and it hands one message at a time to SMTP. Several jobs of one worker
deliver mail (the sweep, event handling, digests, and cron runs that overlap), and each used to run its own loop,
so a worker killed mid-send could leave two or three messages inside DATA, each of them then ``unconfirmed`` and
waiting for an admin. Now a kill costs at most one message per worker process.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import re
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Literal
from uuid import UUID

import asyncpg

from engage.db import Connection, Lock, advisory_lock
from engage.mail import queries, service
from engage.mail.smtp import DefiniteRefusal, Envelope, SmtpTarget, UncertainDelivery
from engage.settings import Settings

log = logging.getLogger(__name__)

Outcome = Literal["sent", "retry", "failed", "unconfirmed", "skipped"]


async def deliver_message(pool: asyncpg.Pool, settings: Settings, target: SmtpTarget, message_id: UUID) -> Outcome:
    async with pool.acquire() as conn, advisory_lock(conn, Lock.for_item(message_id)) as held:
        return await _deliver_locked(conn, settings, target, message_id) if held else "skipped"


class MailSender:
    """The one sender of a worker process: whichever job asks, one message at a time is in SMTP."""

    def __init__(self, pool: asyncpg.Pool, settings: Settings, target: SmtpTarget) -> None:
        self._pool = pool
        self._settings = settings
        self._target = target
        self._one_at_a_time = asyncio.Lock()

    async def deliver(self, message_ids: Iterable[UUID], *, budget_s: float) -> dict[str, int]:
        """Deliver messages one by one until the time budget is spent; the rest stay queued for the next sweep.
        Stopping between messages, well inside the job's timeout, means arq never cancels a job in the middle of
        SMTP DATA (which would leave that message unconfirmed)."""
        deadline = time.monotonic() + budget_s
        outcomes: dict[str, int] = {}
        for message_id in dict.fromkeys(message_ids):
            if time.monotonic() > deadline:
                break
            async with self._one_at_a_time:
                outcome = await deliver_message(self._pool, self._settings, self._target, message_id)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        return outcomes


async def _deliver_locked(conn: Connection, settings: Settings, target: SmtpTarget, message_id: UUID) -> Outcome:
    message = await queries.get_message(conn, message_id)
    if message is None:
        return "skipped"
    if message.status == "sending":
        await queries.mark_unconfirmed(conn, message_id)
        log.warning("mail %s was interrupted during delivery; marked unconfirmed", message_id)
        return "unconfirmed"
    if message.status != "queued" or message.next_attempt_at > datetime.now(UTC):
        return "skipped"
    outgoing = await service.render(conn, message, settings)
    if outgoing is None:
        await queries.mark_failed(conn, message_id, "what this email was about no longer exists")
        return "failed"
    try:
        envelope = await Envelope.open(target, _address(settings.mail_from), outgoing.to)
    except Exception as exc:
        return await _retry_or_fail(conn, settings, message_id, message.attempts + 1, exc, counts=True)
    await queries.mark_sending(conn, message_id)
    try:
        await envelope.send(service.to_mime(settings, message_id, outgoing))
    except DefiniteRefusal as exc:
        return await _retry_or_fail(conn, settings, message_id, message.attempts + 1, exc, counts=False)
    except UncertainDelivery:
        await queries.mark_unconfirmed(conn, message_id)
        return "unconfirmed"
    await queries.mark_sent(conn, message_id)
    return "sent"


async def _retry_or_fail(
    conn: Connection,
    settings: Settings,
    message_id: UUID,
    attempts: int,
    exc: BaseException,
    *,
    counts: bool,
) -> Outcome:
    error = f"{type(exc).__name__}: {exc}"[:500]  # kept for admins at /staff/mail; logs get `_loggable`
    if counts:
        # mark_sending counts attempts that reached DATA; count the ones that did not get that far here.
        await queries.count_attempt(conn, message_id)
    if attempts >= settings.mail_max_attempts:
        await queries.mark_failed(conn, message_id, error)
        log.error("mail %s failed after %d attempts: %s", message_id, attempts, _loggable(exc))
        return "failed"
    delay = service.retry_delay_s(settings, attempts)
    await queries.mark_retry(conn, message_id, delay_s=delay, error=error)
    log.warning("mail %s attempt %d failed (%s); next try in %.0fs", message_id, attempts, _loggable(exc), delay)
    return "retry"


_REPLY_CODES = re.compile(r"^\s*(\d{3})(?:[ -](\d\.\d{1,3}\.\d{1,3}))?")


def _loggable(exc: BaseException) -> str:
    """What a log may say about a failure: its type and the server's reply codes, never the reply's text (a
    server's refusal usually quotes the recipient's address)."""
    codes = _REPLY_CODES.match(str(exc))
    return f"{type(exc).__name__} {' '.join(c for c in codes.groups() if c)}" if codes else type(exc).__name__


def _address(header: str) -> str:
    return email.utils.parseaddr(header)[1] or header
