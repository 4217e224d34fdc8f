"""Talking to an SMTP server in the stages that let us know whether a message may have gone out.

Everything before DATA can fail without a message leaving, so it is safe to retry. A failure during DATA
leaves us unsure, and we would rather tell an admin than send twice.
"""

from __future__ import annotations

from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import aiosmtplib
import msgspec


class SmtpTarget(msgspec.Struct, frozen=True, kw_only=True):
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    implicit_tls: bool = False
    start_tls: bool | None = None
    timeout_s: float = 30.0


def parse_smtp_url(url: str) -> SmtpTarget:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError(f"ENGAGE_SMTP_URL must start with smtp:// or smtps://, not {parts.scheme}://")
    implicit = parts.scheme == "smtps"
    return SmtpTarget(
        host=parts.hostname or "localhost",
        port=parts.port or (465 if implicit else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        implicit_tls=implicit,
        # None lets aiosmtplib use STARTTLS when the server offers it.
        start_tls=False if implicit else None,
    )


class DefiniteRefusal(Exception):
    """The server answered with an error: the message was not accepted."""


class UncertainDelivery(Exception):
    """The connection broke during DATA: the server may or may not have the message."""


class Envelope:
    """An open SMTP conversation with MAIL FROM and RCPT TO done, waiting for the message."""

    def __init__(self, client: aiosmtplib.SMTP) -> None:
        self._client = client

    @classmethod
    async def open(cls, target: SmtpTarget, sender: str, recipient: str) -> Envelope:
        client = aiosmtplib.SMTP(
            hostname=target.host,
            port=target.port,
            use_tls=target.implicit_tls,
            start_tls=target.start_tls,
            timeout=target.timeout_s,
        )
        await client.connect()
        try:
            if target.username and target.password:
                await client.login(target.username, target.password)
            await client.mail(sender)
            await client.rcpt(recipient)
        except BaseException:
            client.close()
            raise
        return cls(client)

    async def send(self, message: EmailMessage) -> None:
        try:
            await self._client.data(message.as_bytes())
        except aiosmtplib.SMTPResponseException as exc:
            raise DefiniteRefusal(f"{exc.code} {exc.message}") from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            self.close()
            raise UncertainDelivery(str(exc) or type(exc).__name__) from exc
        try:
            await self._client.quit()
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            self.close()

    def close(self) -> None:
        self._client.close()
