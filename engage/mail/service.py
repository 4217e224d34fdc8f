"""Use cases for outgoing mail. Callers own the transactions."""

from __future__ import annotations

import email.utils
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from uuid import UUID

import jinja2

from engage import i18n
from engage.accounts import queries as account_queries
from engage.accounts.models import StaffUser, can
from engage.accounts.service import link_token
from engage.audit import queries as audit
from engage.boards import queries as board_queries
from engage.contributions import queries as contributions
from engage.db import Connection
from engage.digests import queries as digest_queries
from engage.digests.models import LOCAL, DigestContent
from engage.digests.population import SUPPRESS_BELOW
from engage.i18n import N_
from engage.ids import member_token, withdrawal_code
from engage.mail import queries
from engage.mail.models import MailMessage, OutgoingEmail
from engage.privacy.visibility import UNRESTRICTED
from engage.responses import queries as response_queries
from engage.responses.models import STATUS_LABELS as RESPONSE_STATUS
from engage.safeguarding import queries as safeguarding
from engage.settings import Settings
from engage.tags import queries as tag_queries

_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_templates.policies["ext.i18n.trimmed"] = True
i18n.install_jinja(_templates)
_templates.globals["SUPPRESS_BELOW"] = SUPPRESS_BELOW

SUBJECTS = {
    "i_statement": N_("We have received your I statement (%(reference)s)"),
    "story": N_("We have received your story (%(reference)s)"),
    "workshop_note": N_("We have received your workshop note (%(reference)s)"),
    "response": N_("What happened after you shared your views: %(title)s"),
    "response_update": N_("Update: %(title)s is now %(status)s"),
    "subscription_confirm": N_("Confirm your weekly Engage digest"),
}
"""Subjects of the emails citizens get, in their language (staff alerts and digests are in English)."""


async def queue_receipts(conn: Connection, contribution_ids: list[UUID]) -> int:
    """Queue receipt emails for contributors who gave an email and agreed to be contacted. Idempotent."""
    return await queries.insert_receipts(conn, contribution_ids) if contribution_ids else 0


def _render(template: str, context: dict[str, Any]) -> tuple[str, str]:
    """An email's HTML and plain-text bodies, in the language ``context["locale"]`` names (English without one);
    every email ends with where to read the privacy notice."""
    context = {"locale": i18n.SOURCE, **context}
    text = _templates.get_template(f"{template}.txt").render(context).rstrip()
    privacy = i18n.gettext(
        context["locale"], N_("How we use your information: %(url)s"), url=f"{context['base_url']}/privacy"
    )
    return _templates.get_template(f"{template}.html").render(context), f"{text}\n\n{privacy}\n"


def _email(
    message: MailMessage,
    subject: str,
    template: str,
    context: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> OutgoingEmail:
    html, text = _render(template, context)
    return OutgoingEmail(to=message.to_address, subject=subject, text=text, html=html, headers=headers or {})


def render_digest(
    digest: DigestContent, *, base_url: str, archive_url: str, unsubscribe_url: str | None
) -> tuple[str, str]:
    """The digest as HTML and as plain text (also what `engage digest preview` writes)."""
    return _render("digest", _digest_context(digest, base_url, archive_url, unsubscribe_url))


def _digest_context(
    digest: DigestContent, base_url: str, archive_url: str, unsubscribe_url: str | None
) -> dict[str, Any]:
    return {"digest": digest, "base_url": base_url, "archive_url": archive_url, "unsubscribe_url": unsubscribe_url}


def digest_subject(digest: DigestContent) -> str:
    return f"{digest.board_name}: what people told us, {digest.period_label}"


async def render(conn: Connection, message: MailMessage, settings: Settings) -> OutgoingEmail | None:
    """Build the email from current data. None when what it was about no longer exists."""
    if message.template == "receipt":
        assert message.contribution_id is not None
        row = await contributions.get_contribution(conn, message.contribution_id, UNRESTRICTED)
        if row is None:
            return None
        code = withdrawal_code(settings.secret_key, row.id)
        locale = _locale(message)
        context = {
            "locale": locale,
            "reference": row.reference,
            "kind": row.kind,
            "received": row.received_at,
            "code": code,
            "withdraw_url": f"{settings.base_url}/withdraw?lang={locale}&reference={row.reference}&code={code}",
            "your_words_url": f"{settings.base_url}/your-words?lang={locale}&reference={row.reference}&code={code}",
            "base_url": settings.base_url,
            "crisis_line": settings.crisis_line,
            "crisis_line_number": settings.crisis_line_number,
        }
        subject = i18n.gettext(locale, SUBJECTS[row.kind], reference=row.reference)
        return _email(message, subject, "receipt", context)
    if message.template == "safeguarding_alert":
        assert message.contribution_id is not None
        flag = await safeguarding.get_flag(conn, message.contribution_id, UNRESTRICTED)
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
        locale = _locale(message)
        context = {
            "locale": locale,
            "title": response.title,
            "you_said": response.you_said,
            "we_did": response.we_did,
            "status": RESPONSE_STATUS[response.status],
            "url": f"{settings.base_url}/you-said-we-did?lang={locale}#response-{response.id}",
            "base_url": settings.base_url,
        }
        subject = i18n.gettext(locale, SUBJECTS["response"], title=response.title)
        return _email(message, subject, "response", context)
    if message.template == "response_update":
        return await _response_update_email(conn, message, settings)
    if message.template == "member_link":
        return await _member_link_email(conn, message, settings)
    if message.template == "digest":
        return await _digest_email(conn, message, settings)
    if message.template == "subscription_confirm":
        member = await board_queries.get_member(conn, UUID(message.dedupe_key.split(":")[1]))  # confirm:ID:DATE
        board = await board_queries.get_board(conn, member.board_id) if member else None
        if member is None or board is None:
            return None
        token = member_token(settings.secret_key, "confirm", member.id)
        locale = _locale(message)
        framework = await tag_queries.get_framework(conn, settings.framework)
        names = {t.id: t.name for t in framework.themes} if framework else {}
        context = {
            "locale": locale,
            "themes": [names[t] for t in board.themes if t in names] or [board.name.removeprefix("Weekly digest: ")],
            # No query after the token: the page's language follows the browser (and the language cookie).
            "confirm_url": f"{settings.base_url}/subscribe/confirm/{token}",
            "base_url": settings.base_url,
        }
        return _email(message, i18n.gettext(locale, SUBJECTS["subscription_confirm"]), "subscription_confirm", context)
    raise ValueError(f"unknown mail template {message.template!r}")


def _locale(message: MailMessage) -> str:
    return i18n.supported(message.locale) or i18n.SOURCE


async def _member_link_email(conn: Connection, message: MailMessage, settings: Settings) -> OutgoingEmail | None:
    link = await account_queries.get_link(conn, link_id=UUID(message.dedupe_key.split(":")[1]))  # member_link:ID
    if link is None or link.used_at is not None or link.expired or not link.active:
        return None
    context = {
        "name": link.user.name,
        "programme_name": link.programme_name,
        "invited_by": link.invited_by_name,
        "url": f"{settings.base_url}/members/sign-in/{link_token(settings.secret_key, link.id)}",
        "expires": link.expires_at.astimezone(LOCAL).strftime("%-d %B %Y at %H:%M"),
        "base_url": settings.base_url,
    }
    subject = (
        f"You are invited to the {link.programme_name} community of practice"
        if link.programme_name
        else "Your link to sign in to Engage"
    )
    return _email(message, subject, "member_link", context)


async def _response_update_email(conn: Connection, message: MailMessage, settings: Settings) -> OutgoingEmail | None:
    _, response_id, update_id, _ = message.dedupe_key.split(":", 3)  # response_update:RESPONSE:UPDATE:ADDRESS
    response = await response_queries.get_response(conn, UUID(response_id))
    update = await response_queries.get_update(conn, UUID(update_id))
    if response is None or update is None:
        return None
    locale = _locale(message)
    context = {
        "locale": locale,
        "title": response.title,
        "you_said": response.you_said,
        "we_did": response.we_did,
        "status": RESPONSE_STATUS[update.status],
        "note": update.note,
        "changed_on": i18n.format_date(update.changed_on, locale),
        "url": f"{settings.base_url}/you-said-we-did?lang={locale}#response-{response.id}",
        "base_url": settings.base_url,
    }
    status = i18n.gettext(locale, RESPONSE_STATUS[update.status]).lower()
    subject = i18n.gettext(locale, SUBJECTS["response_update"], title=response.title, status=status)
    return _email(message, subject, "response_update", context)


async def _digest_email(conn: Connection, message: MailMessage, settings: Settings) -> OutgoingEmail | None:
    _, digest_id, member_id = message.dedupe_key.split(":")
    digest = await digest_queries.get_digest(conn, UUID(digest_id))
    member = await board_queries.get_member(conn, UUID(member_id))
    if digest is None or member is None or not member.receives:
        return None
    unsubscribe_url = f"{settings.base_url}/unsubscribe/{member_token(settings.secret_key, 'unsubscribe', member.id)}"
    archive_key = member_token(settings.secret_key, "archive", member.id)
    archive_url = f"{settings.base_url}/boards/{digest.board_id}/digests?key={archive_key}"
    return _email(
        message,
        digest_subject(digest.content),
        "digest",
        _digest_context(digest.content, settings.base_url, archive_url, unsubscribe_url),
        # RFC 2369 and RFC 8058: mail clients show an unsubscribe button that POSTs to the link, no page needed.
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"{digest.content.board_name} <{digest.board_id}.digests.engage>",
        },
    )


def to_mime(settings: Settings, message_id: UUID, outgoing: OutgoingEmail) -> EmailMessage:
    mime = EmailMessage()
    mime["From"] = settings.mail_from
    mime["To"] = outgoing.to
    mime["Subject"] = outgoing.subject
    mime["Date"] = email.utils.formatdate(localtime=False)
    # A stable Message-ID lets a receiving server drop a duplicate if one ever slips through.
    mime["Message-ID"] = f"<{message_id}@engage>"
    mime["Auto-Submitted"] = "auto-generated"
    for name, value in outgoing.headers.items():
        mime[name] = value
    mime.set_content(outgoing.text)
    mime.add_alternative(outgoing.html, subtype="html")
    return mime


def retry_delay_s(settings: Settings, attempts: int) -> float:
    """Exponential back-off: base, 2x base, 4x base, ... capped at six hours."""
    return float(min(settings.mail_retry_base_s * 2 ** max(0, attempts - 1), 6 * 3600))


async def resend_message(conn: Connection, viewer: StaffUser, message_id: UUID) -> bool:
    """An admin sends a failed or unconfirmed message again (it may arrive twice if it did go out)."""
    if not can(viewer.role, "see_mail_problems"):
        return False
    if not await queries.requeue(conn, message_id):
        return False
    await audit.record(conn, actor=viewer.id, action="mail.resent", subject_type="mail", subject_id=str(message_id))
    return True
