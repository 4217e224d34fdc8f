from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

import msgspec

MailStatus = Literal["queued", "sending", "sent", "failed", "unconfirmed"]


class MailMessage(msgspec.Struct, kw_only=True):
    id: UUID
    dedupe_key: str
    template: str
    to_address: str
    contribution_id: UUID | None
    status: MailStatus
    attempts: int
    next_attempt_at: datetime
    claimed_at: datetime | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    locale: str = "en"
    """The language it is written in (its reader's: see engage.i18n)."""


class OutgoingEmail(msgspec.Struct, kw_only=True):
    to: str
    subject: str
    text: str
    html: str
    headers: dict[str, str] = {}
