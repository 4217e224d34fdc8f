"""Staff pages for co-design programmes: start one, see where it is, move it on, build its community of practice."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
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
from engage.web.deps import AppSettings, Conn, Relay, Viewer, requires
from engage.web.forms import Form, error_context, fields, parse_day, savepoint
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


@dataclass
class ProgrammeDesk:
    """One programme's page as a request sees it: what every handler under /staff/programmes/{slug} needs to show
    the page, or to make a change and show the page again with its refusal."""

    request: Request[Any, Any, Any]
    conn: Conn
    viewer: Viewer
    settings: AppSettings
    slug: str

    async def page(
        self, errors: list[FieldError] | None = None, status: int = 200, *, invited: bool = False
    ) -> Template:
        conn, slug = self.conn, self.slug
        detail = await programmes.view_programme(conn, slug)
        if detail is None:
            raise NotFoundException("No programme with this address.")
        return Template(
            "staff/programme.html",
            context={
                "viewer": self.viewer,
                "detail": detail,
                "p": detail.programme,
                "framework": await tag_queries.get_framework(conn, detail.programme.framework_id),
                "workshops": await workshop_queries.list_for_programme(conn, slug),
                "propositions": await proposition_queries.list_for_programme(conn, slug),
                "rounds": await consensus_queries.list_for_programme(conn, slug),
                "PROPOSITION_STATUS": PROPOSITION_STATUS,
                "can_run": await programmes.runs_programme(conn, slug, self.viewer),
                "PHASES": PHASES,
                "PHASE_LABELS": PHASE_LABELS,
                "PHASE_PURPOSE": PHASE_PURPOSE,
                **error_context(errors or [], FIELD_IDS),
                "base_url": self.settings.base_url,
                "invited": invited,
            },
            status_code=status,
        )

    async def act(
        self, change: Awaitable[object], *, query: dict[str, str] | None = None, fragment: str = ""
    ) -> Template | Redirect:
        """Make a change in a savepoint (a refused change leaves nothing behind); then back to the page."""
        async with savepoint(self.conn, ProgrammeProblem) as refusal:
            await change
        if refusal.errors:
            return await self.page(refusal.errors, 422)
        return redirect(self.request, "staff-programme", slug=self.slug, query=query, fragment=fragment)


async def provide_desk(
    request: Request[Any, Any, Any], conn: Conn, viewer: Viewer, settings: AppSettings, slug: FromPath[str]
) -> ProgrammeDesk:
    return ProgrammeDesk(request, conn, viewer, settings, slug)


Desk = NamedDependency[ProgrammeDesk]


class ProgrammesController(Controller):
    path = "/staff/programmes"
    include_in_schema = False
    dependencies = {"desk": Provide(provide_desk)}  # noqa: RUF012 - Litestar reads it as declared

    @get("/", name="staff-programmes", guards=[requires("read_contributions")])
    async def index(self, viewer: Viewer, conn: Conn) -> Template:
        found = await queries.list_programmes(conn)
        return Template(
            "staff/programmes.html",
            context={"viewer": viewer, "programmes": found, "PHASE_LABELS": PHASE_LABELS},
        )

    @get("/new", name="staff-programme-new", guards=[requires("run_programmes")])
    async def new(self, settings: AppSettings, conn: Conn, viewer: Viewer) -> Template:
        form = {"framework_id": settings.framework, "neighbourhoods": []}
        return await self._form(conn, viewer, form, [])

    async def _form(
        self,
        conn: Conn,
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
        self, request: Request[Any, Any, Any], viewer: Viewer, conn: Conn, data: Form
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
        async with savepoint(conn, ProgrammeProblem) as refusal:
            slug = await programmes.start_programme(conn, viewer, draft)
        if refusal.errors:
            return await self._form(conn, viewer, form, refusal.errors, 422)
        return redirect(request, "staff-programme", slug=slug)

    @get("/{slug:str}", name="staff-programme", guards=[requires("read_contributions")])
    async def show(self, desk: Desk, invited: FromQuery[str] = "") -> Template:
        return await desk.page(invited=invited == "1")

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
    async def advance(self, desk: Desk, data: Form) -> Template | Redirect:
        summary, expected = str(data.get("summary", "")), str(data.get("from_phase", ""))
        return await desk.act(programmes.advance_phase(desk.conn, desk.slug, desk.viewer, summary, expected=expected))

    @post("/{slug:str}/members", name="staff-programme-members", status_code=200, guards=[requires("run_programmes")])
    async def add_member(self, desk: Desk, data: Form) -> Template | Redirect:
        email, role = str(data.get("email", ""))[:254], str(data.get("role", "member"))
        return await desk.act(programmes.add_member(desk.conn, desk.slug, desk.viewer, email, role))

    @post(
        "/{slug:str}/invitations",
        name="staff-programme-invite",
        status_code=200,
        guards=[requires("run_programmes")],
    )
    async def invite(self, desk: Desk, settings: AppSettings, data: Form) -> Template | Redirect:
        """Invite a resident, carer or voluntary-sector member by email (they sign in by the link it carries)."""
        form = fields(data)
        invitation = programmes.invite_member(
            desk.conn,
            desk.slug,
            desk.viewer,
            name=form.get("invite_name", "")[:500],
            email=form.get("invite_email", "")[:500],
            organisation=form.get("organisation", "")[:500],
            secret=settings.secret_key,
            link_minutes=settings.member_link_minutes,
        )
        return await desk.act(invitation, query={"invited": "1"}, fragment="community")

    @post(
        "/{slug:str}/members/{user_id:uuid}/remove",
        name="staff-programme-member-remove",
        status_code=200,
        guards=[requires("run_programmes")],
    )
    async def remove_member(self, desk: Desk, user_id: FromPath[UUID]) -> Template | Redirect:
        return await desk.act(
            programmes.remove_member(desk.conn, desk.slug, desk.viewer, user_id), fragment="community"
        )
