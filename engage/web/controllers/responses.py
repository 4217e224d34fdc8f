"""'You said, we did': staff publish responses and move their status on; anyone reads them, with their history."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from engage.contributions import queries as contribution_queries
from engage.digests.service import today_local
from engage.problems import FieldError
from engage.responses import queries
from engage.responses import service as responses
from engage.responses.models import STATUS_LABELS, ResponseDraft, ResponseProblem
from engage.tags import queries as tag_queries
from engage.web.deps import Conn, Viewer, relay_of, requires, settings_of
from engage.web.forms import Form, error_context, fields, parse_day
from engage.web.links import redirect

FIELD_IDS = {
    "title": "title",
    "you_said": "you_said",
    "we_did": "we_did",
    "status": "status-planned",
    "references": "references",
    "neighbourhood": "neighbourhood",
    "proposition_id": "proposition_id",
    "note": "note",
    "changed_on": "changed_on",
}
STATUS_FIELD_IDS = {**FIELD_IDS, "status": "new-status"}


class ResponsesController(Controller):
    include_in_schema = False

    @get("/you-said-we-did", name="responses")
    async def public(
        self, state: State, conn: Conn, theme: FromQuery[str] = "", neighbourhood: FromQuery[str] = ""
    ) -> Template:
        found = await queries.list_responses(conn, theme=theme or None, neighbourhood=neighbourhood or None)
        history: dict[UUID, list[Any]] = {}
        for update in await queries.updates_for(conn, [r.id for r in found]):
            history.setdefault(update.response_id, []).append(update)
        framework = await tag_queries.get_framework(conn, settings_of(state).framework)
        neighbourhoods = await contribution_queries.list_neighbourhoods(conn)
        return Template(
            "public/responses.html",
            context={
                "responses": found,
                "framework": framework,
                "neighbourhoods": neighbourhoods,
                "query": {"theme": theme, "neighbourhood": neighbourhood},
                "STATUS_LABELS": STATUS_LABELS,
                "history": history,
            },
        )

    @get("/staff/responses", name="staff-responses", guards=[requires("read_contributions")])
    async def staff_list(self, conn: Conn, viewer: Viewer) -> Template:
        found = await queries.list_responses(conn, theme=None, neighbourhood=None, limit=500)
        return Template(
            "staff/responses.html", context={"viewer": viewer, "responses": found, "STATUS_LABELS": STATUS_LABELS}
        )

    @get("/staff/responses/{response_id:uuid}", name="staff-response", guards=[requires("read_contributions")])
    async def show(self, conn: Conn, viewer: Viewer, response_id: FromPath[UUID]) -> Template:
        return await self._page(conn, viewer, response_id, {}, [])

    async def _page(
        self,
        conn: Conn,
        viewer: Viewer,
        response_id: UUID,
        form: dict[str, Any],
        errors: list[FieldError],
        status: int = 200,
    ) -> Template:
        detail = await responses.view_response(conn, response_id)
        if detail is None:
            raise HTTPException(status_code=404, detail="No response with this address.")
        return Template(
            "staff/response.html",
            context={
                "viewer": viewer,
                "detail": detail,
                "r": detail.response,
                "form": {"changed_on": today_local().isoformat(), **form},
                **error_context(errors, STATUS_FIELD_IDS),
                "STATUS_LABELS": STATUS_LABELS,
            },
            status_code=status,
        )

    @post(
        "/staff/responses/{response_id:uuid}/status",
        name="staff-response-status",
        status_code=200,
        guards=[requires("run_programmes")],
    )
    async def change_status(
        self, request: Request[Any, Any, Any], conn: Conn, viewer: Viewer, response_id: FromPath[UUID], data: Form
    ) -> Template | Redirect:
        form = fields(data)
        changed_on = parse_day(form.get("changed_on", ""))
        try:
            async with conn.transaction():
                await responses.change_status(
                    conn,
                    viewer,
                    response_id,
                    status=form.get("status", ""),
                    note=form.get("note", "")[:4000],
                    changed_on=changed_on,
                    expected=form.get("expected", ""),
                    today=today_local(),
                )
        except ResponseProblem as exc:
            if exc.status != 422:
                raise
            return await self._page(conn, viewer, response_id, form, exc.errors, 422)
        # The emails are queued with the change; the worker's sweep delivers them within seconds.
        return redirect(request, "staff-response", response_id=response_id)

    @get("/staff/responses/new", name="staff-response-new", guards=[requires("run_programmes")])
    async def new(self, request: Request[Any, Any, Any], state: State, conn: Conn, viewer: Viewer) -> Template:
        return await self._form(conn, state, viewer, {"status": "planned"}, [])

    async def _form(
        self,
        conn: Conn,
        state: State,
        viewer: Viewer,
        form: dict[str, Any],
        errors: list[FieldError],
        status: int = 200,
    ) -> Template:
        framework = await tag_queries.get_framework(conn, settings_of(state).framework)
        neighbourhoods = await contribution_queries.list_neighbourhoods(conn)
        return Template(
            "staff/response_new.html",
            context={
                "viewer": viewer,
                "form": form,
                **error_context(errors, FIELD_IDS),
                "framework": framework,
                "neighbourhoods": neighbourhoods,
                "STATUS_LABELS": STATUS_LABELS,
            },
            status_code=status,
        )

    @post("/staff/responses/new", name="staff-response-create", status_code=200, guards=[requires("run_programmes")])
    async def create(
        self, request: Request[Any, Any, Any], state: State, viewer: Viewer, conn: Conn, data: Form
    ) -> Template | Redirect:
        form = {k: str(v) for k, v in data.items() if k != "_csrf_token"}
        proposition = form.get("proposition_id", "").strip()
        try:
            proposition_id = UUID(proposition) if proposition else None
        except ValueError:
            return await self._form(
                conn, state, viewer, form, [FieldError("proposition_id", "Not a proposition id.")], 422
            )
        draft = ResponseDraft(
            title=form.get("title", ""),
            you_said=form.get("you_said", ""),
            we_did=form.get("we_did", ""),
            status=form.get("status", ""),
            theme_id=form.get("theme_id") or None,
            neighbourhood=form.get("neighbourhood") or None,
            proposition_id=proposition_id,
            references=form.get("references", "").replace(",", " ").split(),
        )
        try:
            async with conn.transaction():
                await responses.publish_response(conn, viewer, draft, today=today_local())
        except ResponseProblem as exc:
            return await self._form(conn, state, viewer, form, [FieldError(exc.field, exc.reason)], 422)
        relay_of(state).wake()
        return redirect(request, "responses")
