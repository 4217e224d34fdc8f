"""Staff pages for co-design programmes: start one, see where it is, move it on, build its community of practice."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from engage.consensus import queries as consensus_queries
from engage.contributions import queries as contribution_queries
from engage.contributions.models import EQUALITY_CHOICES, KIND_LABELS
from engage.problems import FieldError
from engage.programmes import queries
from engage.programmes import service as programmes
from engage.programmes.models import (
    PHASE_LABELS,
    PHASE_PURPOSE,
    PHASES,
    EvidenceQuery,
    ProgrammeDraft,
    ProgrammeProblem,
)
from engage.propositions import queries as proposition_queries
from engage.propositions.models import STATUS_LABELS as PROPOSITION_STATUS
from engage.tags import queries as tag_queries
from engage.web.deps import AppSettings, Conn, Relay, Viewer, requires, settings_of
from engage.web.forms import Form, error_context, fields, parse_day
from engage.web.links import redirect
from engage.workshops import queries as workshop_queries

FIELD_IDS = {
    "name": "name",
    "purpose": "purpose",
    "framework_id": "framework_id",
    "neighbourhoods": "neighbourhood-0",
    "define_from": "define_from",
    "discovery_from": "discovery_from",
    "develop_from": "develop_from",
    "ends_on": "ends_on",
    "summary": "summary",
    "phase": "summary",
    "email": "email",
    "role": "role-member",
    "invite_name": "invite_name",
    "invite_email": "invite_email",
    "organisation": "organisation",
    "member": "community",
}


def _date(value: Any) -> date | None:
    try:
        return parse_day(str(value))
    except ValueError:
        return None


class ProgrammesController(Controller):
    path = "/staff/programmes"
    include_in_schema = False

    @get("/", name="staff-programmes", guards=[requires("read_contributions")])
    async def index(self, request: Request[Any, Any, Any], state: State, viewer: Viewer, conn: Conn) -> Template:
        found = await queries.list_programmes(conn)
        return Template(
            "staff/programmes.html",
            context={"viewer": viewer, "programmes": found, "PHASE_LABELS": PHASE_LABELS},
        )

    @get("/new", name="staff-programme-new", guards=[requires("run_programmes")])
    async def new(self, request: Request[Any, Any, Any], state: State, conn: Conn, viewer: Viewer) -> Template:
        form = {"framework_id": settings_of(state).framework, "neighbourhoods": []}
        return await self._form(conn, state, viewer, form, [])

    async def _form(
        self,
        conn: Conn,
        state: State,
        viewer: Viewer,
        form: dict[str, Any],
        errors: list[FieldError],
        status: int = 200,
    ) -> Template:
        frameworks = await tag_queries.list_frameworks(conn)
        neighbourhoods = await contribution_queries.list_neighbourhoods(conn)
        return Template(
            "staff/programme_new.html",
            context={
                "viewer": viewer,
                "form": form,
                **error_context(errors, FIELD_IDS),
                "frameworks": frameworks,
                "neighbourhoods": neighbourhoods,
            },
            status_code=status,
        )

    @post("/new", name="staff-programme-create", status_code=200, guards=[requires("run_programmes")])
    async def create(
        self, request: Request[Any, Any, Any], state: State, viewer: Viewer, conn: Conn, data: Form
    ) -> Template | Redirect:
        chosen = data.get("neighbourhoods", [])
        form: dict[str, Any] = {
            "name": str(data.get("name", "")).strip(),
            "purpose": str(data.get("purpose", "")).strip()[:4000],
            "framework_id": str(data.get("framework_id", "")),
            "neighbourhoods": [str(n) for n in (chosen if isinstance(chosen, list) else [chosen])],
        }
        dates = {
            name: _date(data.get(name, "")) for name in ("discovery_from", "define_from", "develop_from", "ends_on")
        }
        form.update({name: str(data.get(name, "")) for name in dates})
        draft = ProgrammeDraft(
            name=form["name"],
            purpose=form["purpose"],
            framework_id=form["framework_id"],
            neighbourhoods=form["neighbourhoods"],
            **dates,
        )
        try:
            async with conn.transaction():
                slug = await programmes.start_programme(conn, viewer, draft)
        except ProgrammeProblem as exc:
            if exc.status != 422:
                raise
            return await self._form(conn, state, viewer, form, exc.errors, 422)
        return redirect(request, "staff-programme", slug=slug)

    @get("/{slug:str}", name="staff-programme", guards=[requires("read_contributions")])
    async def show(
        self,
        request: Request[Any, Any, Any],
        state: State,
        conn: Conn,
        viewer: Viewer,
        slug: FromPath[str],
        invited: FromQuery[str] = "",
    ) -> Template:
        return await self._page(conn, state, viewer, slug, [], invited=invited == "1")

    async def _page(
        self,
        conn: Conn,
        state: State,
        viewer: Viewer,
        slug: str,
        errors: list[FieldError],
        status: int = 200,
        *,
        invited: bool = False,
    ) -> Template:
        detail = await programmes.view_programme(conn, slug)
        framework = await tag_queries.get_framework(conn, detail.programme.framework_id) if detail else None
        can_run = await programmes.runs_programme(conn, slug, viewer) if detail else False
        planned = await workshop_queries.list_for_programme(conn, slug) if detail else []
        drafted = await proposition_queries.list_for_programme(conn, slug) if detail else []
        rounds = await consensus_queries.list_for_programme(conn, slug) if detail else []
        if detail is None:
            raise NotFoundException("No programme with this address.")
        return Template(
            "staff/programme.html",
            context={
                "viewer": viewer,
                "detail": detail,
                "p": detail.programme,
                "framework": framework,
                "workshops": planned,
                "propositions": drafted,
                "rounds": rounds,
                "PROPOSITION_STATUS": PROPOSITION_STATUS,
                "can_run": can_run,
                "PHASES": PHASES,
                "PHASE_LABELS": PHASE_LABELS,
                "PHASE_PURPOSE": PHASE_PURPOSE,
                **error_context(errors, FIELD_IDS),
                "base_url": settings_of(state).base_url,
                "invited": invited,
            },
            status_code=status,
        )

    @get("/{slug:str}/evidence", name="staff-programme-evidence", guards=[requires("read_contributions")])
    async def evidence(
        self,
        viewer: Viewer,
        conn: Conn,
        slug: FromPath[str],
        neighbourhood: FromQuery[str] = "",
        kind: FromQuery[str] = "",
        age_band: FromQuery[str] = "",
    ) -> Template:
        query = EvidenceQuery(neighbourhood=neighbourhood, kind=kind, age_band=age_band)
        board = await programmes.view_evidence(conn, slug, viewer, query)
        if board is None:
            raise NotFoundException("No programme with this address.")
        return Template(
            "staff/evidence.html",
            context={
                "viewer": viewer,
                "board": board,
                "p": board.detail.programme,
                "KIND_LABELS": KIND_LABELS,
                "age_bands": EQUALITY_CHOICES["age_band"],
            },
            headers={"Cache-Control": "no-store"},
        )

    @post(
        "/{slug:str}/evidence/clusters",
        name="staff-programme-clusters",
        status_code=303,
        guards=[requires("run_programmes")],
    )
    async def request_clusters(
        self, request: Request[Any, Any, Any], conn: Conn, relay: Relay, viewer: Viewer, slug: FromPath[str]
    ) -> Redirect:
        await programmes.request_clusters(conn, slug, viewer)
        relay.wake()
        return redirect(request, "staff-programme-evidence", slug=slug)

    @post("/{slug:str}/phase", name="staff-programme-phase", status_code=200, guards=[requires("run_programmes")])
    async def advance(
        self,
        request: Request[Any, Any, Any],
        state: State,
        viewer: Viewer,
        conn: Conn,
        slug: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        try:
            async with conn.transaction():
                await programmes.advance_phase(
                    conn, slug, viewer, str(data.get("summary", "")), expected=str(data.get("from_phase", ""))
                )
        except ProgrammeProblem as exc:
            if exc.status != 422:
                raise
            return await self._page(conn, state, viewer, slug, exc.errors, 422)
        return redirect(request, "staff-programme", slug=slug)

    @post("/{slug:str}/members", name="staff-programme-members", status_code=200, guards=[requires("run_programmes")])
    async def add_member(
        self,
        request: Request[Any, Any, Any],
        state: State,
        viewer: Viewer,
        conn: Conn,
        slug: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        try:
            async with conn.transaction():
                await programmes.add_member(
                    conn, slug, viewer, str(data.get("email", ""))[:254], str(data.get("role", "member"))
                )
        except ProgrammeProblem as exc:
            if exc.status != 422:
                raise
            return await self._page(conn, state, viewer, slug, exc.errors, 422)
        return redirect(request, "staff-programme", slug=slug)

    @post(
        "/{slug:str}/invitations",
        name="staff-programme-invite",
        status_code=200,
        guards=[requires("run_programmes")],
    )
    async def invite(
        self,
        request: Request[Any, Any, Any],
        state: State,
        viewer: Viewer,
        conn: Conn,
        settings: AppSettings,
        slug: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        """Invite a resident, carer or voluntary-sector member by email (they sign in by the link it carries)."""
        form = fields(data)
        try:
            async with conn.transaction():
                await programmes.invite_member(
                    conn,
                    slug,
                    viewer,
                    name=form.get("invite_name", "")[:500],
                    email=form.get("invite_email", "")[:500],
                    organisation=form.get("organisation", "")[:500],
                    secret=settings.secret_key,
                    link_minutes=settings.member_link_minutes,
                )
        except ProgrammeProblem as exc:
            if exc.status != 422:
                raise
            return await self._page(conn, state, viewer, slug, exc.errors, 422)
        return redirect(request, "staff-programme", slug=slug, query={"invited": "1"}, fragment="community")

    @post(
        "/{slug:str}/members/{user_id:uuid}/remove",
        name="staff-programme-member-remove",
        status_code=200,
        guards=[requires("run_programmes")],
    )
    async def remove_member(
        self,
        request: Request[Any, Any, Any],
        state: State,
        viewer: Viewer,
        conn: Conn,
        slug: FromPath[str],
        user_id: FromPath[UUID],
    ) -> Template | Redirect:
        try:
            async with conn.transaction():
                await programmes.remove_member(conn, slug, viewer, user_id)
        except ProgrammeProblem as exc:
            if exc.status != 422:
                raise
            return await self._page(conn, state, viewer, slug, exc.errors, 422)
        return redirect(request, "staff-programme", slug=slug, fragment="community")
