"""The local mail catcher's inbox, served only when `engage run` started the catcher."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from engage.mail.catcher import list_caught, read_caught
from engage.web.deps import requires, settings_of


def _folder(state: State):  # type: ignore[no-untyped-def]
    settings = settings_of(state)
    if not settings.mailbox_enabled:
        raise NotFoundException()
    return settings.data_dir / "mail"


class MailboxController(Controller):
    """Caught mail holds receipts with withdrawal codes: administrators only, like any personal data."""

    path = "/mailbox"
    include_in_schema = False
    guards = [requires("manage_users")]  # noqa: RUF012 - Litestar reads it as declared

    @get("/", name="mailbox")
    async def inbox(self, state: State) -> Template:
        return Template("mailbox/inbox.html", context={"messages": list_caught(_folder(state))})

    @get("/{message_name:str}", name="mailbox-message")
    async def message(self, state: State, message_name: FromPath[str]) -> Template:
        mail = read_caught(_folder(state), message_name)
        if mail is None:
            raise NotFoundException("No such message.")
        return Template("mailbox/message.html", context={"mail": mail})

    @get("/{message_name:str}/html", name="mailbox-html")
    async def message_html(self, state: State, message_name: FromPath[str]) -> Response[str]:
        mail = read_caught(_folder(state), message_name)
        if mail is None or mail.html is None:
            raise NotFoundException("No HTML part.")
        # Shown inside a sandboxed frame; the email's own inline styles are allowed, nothing else.
        return Response(
            mail.html,
            media_type="text/html",
            headers={
                "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                "frame-ancestors 'self'",
                "X-Frame-Options": "SAMEORIGIN",
            },
        )
