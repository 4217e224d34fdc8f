"""Staff pages for co-design programmes: start one, see where it is, move it on, build its community of practice."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from engage.consensus import queries as consensus_queries
from engage.contributions import queries as contribution_queries
from engage.contributions import service as contributions
from engage.contributions.models import EQUALITY_CHOICES, KIND_LABELS, ContributionFilters
from engage.outbox import queries as outbox
from engage.outbox.models import CLUSTERS_REQUESTED
from engage.problems import FieldError
from engage.programmes import queries
from engage.programmes import service as programmes
from engage.programmes.models import PHASE_LABELS, PHASE_PURPOSE, PHASES, InvalidProgramme, ProgrammeDraft
from engage.propositions import queries as proposition_queries
from engage.propositions.models import STATUS_LABELS as PROPOSITION_STATUS
from engage.tags import queries as tag_queries
from engage.web.deps import AppSettings, Conn, ReaderSight, Viewer, relay_of, requires, settings_of
from engage.web.forms import Form, error_context, fields, parse_day
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

    @get("/new", name="staff-programme-new", guards=[requires("enter_contributions")])
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

    @post("/new", name="staff-programme-create", status_code=200, guards=[requires("enter_contributions")])
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
        except programmes.NotAllowed as exc:
            raise PermissionDeniedException("Only facilitators and admins start programmes.") from exc
        except InvalidProgramme as exc:
            return await self._form(conn, state, viewer, form, exc.errors, 422)
        return Redirect(f"/staff/programmes/{slug}", status_code=303)

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
        sight: ReaderSight,
        conn: Conn,
        slug: FromPath[str],
        neighbourhood: FromQuery[str] = "",
        kind: FromQuery[str] = "",
        age_band: FromQuery[str] = "",
    ) -> Template:
        age_band = age_band if age_band in EQUALITY_CHOICES["age_band"] else ""
        detail = await programmes.view_programme(conn, slug)
        if detail is None:
            raise NotFoundException("No programme with this address.")
        framework = await tag_queries.get_framework(conn, detail.programme.framework_id)
        filters = ContributionFilters(
            programme=slug,
            framework=detail.programme.framework_id,
            neighbourhood=neighbourhood or None,
            kind=kind if kind in KIND_LABELS else None,  # type: ignore[arg-type]
            age_band=age_band or None,
            per_page=5,
        )
        counts = await contributions.count_by_theme(conn, sight, filters)
        # Filtering by an equality group and listing who matched would tell a reader each person's answer:
        # without the right to see equality answers, that filter gives counts only, small ones suppressed.
        aggregate_only = bool(age_band) and not sight.equality
        by_theme = []
        for theme in framework.themes if framework else []:
            page = await contributions.list_contributions(conn, sight, msgspec.structs.replace(filters, theme=theme.id))
            by_theme.append((theme, counts.get(theme.id, 0), [] if aggregate_only else page.items))
        clusters = await queries.clusters_for(conn, slug, sight)
        heard = await queries.heard_from(conn, slug)
        return Template(
            "staff/evidence.html",
            context={
                "viewer": viewer,
                "p": detail.programme,
                "detail": detail,
                "by_theme": by_theme,
                "clusters": clusters,
                "heard": heard,
                "query": {"neighbourhood": neighbourhood, "kind": kind, "age_band": age_band},
                "KIND_LABELS": KIND_LABELS,
                "age_bands": EQUALITY_CHOICES["age_band"],
                "aggregate_only": aggregate_only,
            },
            headers={"Cache-Control": "no-store"},
        )

    @post(
        "/{slug:str}/evidence/clusters",
        name="staff-programme-clusters",
        status_code=303,
        guards=[requires("read_contributions")],
    )
    async def request_clusters(
        self, request: Request[Any, Any, Any], state: State, conn: Conn, slug: FromPath[str]
    ) -> Redirect:
        async with conn.transaction():
            if await queries.get_programme(conn, slug) is None:
                raise NotFoundException("No programme with this address.")
            await queries.request_clusters(conn, slug)
            await outbox.insert_event(conn, CLUSTERS_REQUESTED, {"programme": slug})
        relay_of(state).wake()
        return Redirect(f"/staff/programmes/{slug}/evidence", status_code=303)

    @post("/{slug:str}/phase", name="staff-programme-phase", status_code=200, guards=[requires("read_contributions")])
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
        except LookupError as exc:
            raise NotFoundException("No programme with this address.") from exc
        except programmes.NotAllowed as exc:
            raise PermissionDeniedException("Only this programme's facilitators move it to the next phase.") from exc
        except InvalidProgramme as exc:
            return await self._page(conn, state, viewer, slug, exc.errors, 422)
        return Redirect(f"/staff/programmes/{slug}", status_code=303)

    @post(
        "/{slug:str}/members", name="staff-programme-members", status_code=200, guards=[requires("read_contributions")]
    )
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
        except LookupError as exc:
            raise NotFoundException("No programme with this address.") from exc
        except programmes.NotAllowed as exc:
            raise PermissionDeniedException("Only this programme's facilitators add people to it.") from exc
        except InvalidProgramme as exc:
            return await self._page(conn, state, viewer, slug, exc.errors, 422)
        return Redirect(f"/staff/programmes/{slug}", status_code=303)

    @post(
        "/{slug:str}/invitations",
        name="staff-programme-invite",
        status_code=200,
        guards=[requires("read_contributions")],
    )
    async def invite(
        self, state: State, viewer: Viewer, conn: Conn, settings: AppSettings, slug: FromPath[str], data: Form
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
        except LookupError as exc:
            raise NotFoundException("No programme with this address.") from exc
        except programmes.NotAllowed as exc:
            raise PermissionDeniedException("Only this programme's facilitators invite people to it.") from exc
        except InvalidProgramme as exc:
            return await self._page(conn, state, viewer, slug, exc.errors, 422)
        return Redirect(f"/staff/programmes/{slug}?invited=1#community", status_code=303)

    @post(
        "/{slug:str}/members/{user_id:uuid}/remove",
        name="staff-programme-member-remove",
        status_code=200,
        guards=[requires("read_contributions")],
    )
    async def remove_member(
        self, state: State, viewer: Viewer, conn: Conn, slug: FromPath[str], user_id: FromPath[UUID]
    ) -> Template | Redirect:
        try:
            async with conn.transaction():
                await programmes.remove_member(conn, slug, viewer, user_id)
        except LookupError as exc:
            raise NotFoundException("No programme with this address.") from exc
        except programmes.NotAllowed as exc:
            raise PermissionDeniedException("Only this programme's facilitators remove people from it.") from exc
        except InvalidProgramme as exc:
            return await self._page(conn, state, viewer, slug, exc.errors, 422)
        return Redirect(f"/staff/programmes/{slug}#community", status_code=303)
