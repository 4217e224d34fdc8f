"""Staff print numbered paper forms for an event, in the language of the people who will fill them in."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from engage import i18n
from engage.contributions import queries as contribution_queries
from engage.paper import queries
from engage.paper import service as paper
from engage.paper.models import MAX_FORMS
from engage.problems import FieldError
from engage.web.deps import AppSettings, Conn, Viewer, requires
from engage.web.forms import Form, error_context, fields, whole_number
from engage.web.links import redirect


class PaperFormsController(Controller):
    path = "/staff/paper-forms"
    include_in_schema = False

    @get("/", name="staff-paper-forms", guards=[requires("enter_contributions")])
    async def start(self, conn: Conn, viewer: Viewer) -> Template:
        return await self._page(conn, viewer, {"count": "30", "locale": i18n.SOURCE}, [])

    async def _page(
        self, conn: Conn, viewer: Viewer, form: dict[str, str], errors: list[FieldError], status: int = 200
    ) -> Template:
        return Template(
            "staff/paper_forms.html",
            context={
                "viewer": viewer,
                "form": form,
                "batches": await queries.recent_batches(conn),
                "max_forms": MAX_FORMS,
                **error_context(errors, {"count": "count", "locale": "locale"}),
            },
            status_code=status,
        )

    @post("/", name="staff-paper-forms-print", status_code=200, guards=[requires("enter_contributions")])
    async def issue(
        self, request: Request[Any, Any, Any], conn: Conn, viewer: Viewer, data: Form
    ) -> Template | Redirect:
        form = fields(data)
        raw = form.get("count", "").strip()
        try:
            async with conn.transaction():
                batch = await paper.print_forms(
                    conn, viewer, whole_number(raw, lo=0, hi=100_000) or 0, form.get("locale", i18n.SOURCE)
                )
        except paper.PaperProblem as exc:
            return await self._page(conn, viewer, form, [FieldError(exc.field, exc.reason)], 422)
        return redirect(request, "staff-paper-forms-batch", batch_id=batch)

    @get("/{batch_id:uuid}", name="staff-paper-forms-batch", guards=[requires("enter_contributions")])
    async def batch(self, conn: Conn, viewer: Viewer, settings: AppSettings, batch_id: FromPath[UUID]) -> Template:
        """The batch, ready to print: every form in the batch's language, each with its own reference and code
        (the page around them stays in English for staff; printing shows only the forms)."""
        printed = await paper.printed_batch(conn, viewer, batch_id, secret=settings.secret_key)
        if printed is None:
            raise NotFoundException("No batch of forms with this address.")
        return Template(
            "staff/paper_batch.html",
            context={
                "viewer": viewer,
                "batch": printed,
                "forms": printed.forms,
                "neighbourhoods": await contribution_queries.list_neighbourhoods(conn),
                "form_language": i18n.languages()[printed.locale],
            },
            headers={"Cache-Control": "no-store"},
        )
