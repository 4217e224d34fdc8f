"""Use cases for outgoing mail. Callers own the transactions."""

from __future__ import annotations

import email.utils
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import jinja2

from engage.contributions import queries as contributions
from engage.contributions.models import KIND_LABELS
from engage.ids import withdrawal_code
from engage.mail import queries
from engage.mail.models import MailMessage, OutgoingEmail
from engage.responses import queries as response_queries
from engage.responses.models import STATUS_LABELS as RESPONSE_STATUS
from engage.safeguarding import queries as safeguarding
from engage.settings import Settings

_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


async def queue_receipts(conn: asyncpg.Connection, contribution_ids: list[UUID]) -> int:
    """Queue receipt emails for contributors who gave an email and agreed to be contacted. Idempotent."""
    return await queries.insert_receipts(conn, contribution_ids) if contribution_ids else 0


def _email(message: MailMessage, subject: str, template: str, context: dict[str, Any]) -> OutgoingEmail:
    return OutgoingEmail(
        to=message.to_address,
        subject=subject,
        text=_templates.get_template(f"{template}.txt").render(context),
        html=_templates.get_template(f"{template}.html").render(context),
    )


async def render(conn: asyncpg.Connection, message: MailMessage, settings: Settings) -> OutgoingEmail | None:
    """Build the email from current data. None when what it was about no longer exists."""
    if message.template == "receipt":
        assert message.contribution_id is not None
        row = await contributions.get_contribution(conn, message.contribution_id)
        if row is None:
            return None
        code = withdrawal_code(settings.secret_key, row.id)
        context = {
            "reference": row.reference,
            "kind": KIND_LABELS[row.kind],
            "received": row.received_at.strftime("%-d %B %Y"),
            "code": code,
            "withdraw_url": f"{settings.base_url}/withdraw?reference={row.reference}&code={code}",
            "base_url": settings.base_url,
        }
        return _email(
            message, f"We have received your {KIND_LABELS[row.kind].lower()} ({row.reference})", "receipt", context
        )
    if message.template == "safeguarding_alert":
        assert message.contribution_id is not None
        flag = await safeguarding.get_flag(conn, message.contribution_id)
        if flag is None:
            return None
        context = {
            "reference": flag.reference,
            "received": flag.received_at.strftime("%-d %B %Y, %H:%M UTC"),
            "raised_by": "phrases that suggest risk" if flag.raised_by == "rules" else "the safeguarding model",
            "review_url": f"{settings.base_url}/staff/safeguarding/{flag.contribution_id}",
            "base_url": settings.base_url,
        }
        return _email(message, f"Possible safeguarding concern: {flag.reference}", "safeguarding_alert", context)
    if message.template == "response":
        response = await response_queries.get_response(conn, UUID(message.dedupe_key.split(":")[1]))
        if response is None:
            return None
        context = {
            "title": response.title,
            "you_said": response.you_said,
            "we_did": response.we_did,
            "status": RESPONSE_STATUS[response.status],
            "url": f"{settings.base_url}/you-said-we-did#response-{response.id}",
            "base_url": settings.base_url,
        }
        return _email(message, f"What happened after you shared your views: {response.title}", "response", context)
    raise ValueError(f"unknown mail template {message.template!r}")


def to_mime(settings: Settings, message_id: UUID, outgoing: OutgoingEmail) -> EmailMessage:
    mime = EmailMessage()
    mime["From"] = settings.mail_from
    mime["To"] = outgoing.to
    mime["Subject"] = outgoing.subject
    mime["Date"] = email.utils.formatdate(localtime=False)
    # A stable Message-ID lets a receiving server drop a duplicate if one ever slips through.
    mime["Message-ID"] = f"<{message_id}@engage>"
    mime["Auto-Submitted"] = "auto-generated"
    mime.set_content(outgoing.text)
    mime.add_alternative(outgoing.html, subtype="html")
    return mime


def retry_delay_s(settings: Settings, attempts: int) -> float:
    """Exponential back-off: base, 2x base, 4x base, ... capped at six hours."""
    return float(min(settings.mail_retry_base_s * 2 ** max(0, attempts - 1), 6 * 3600))
