"""Governance: boards and their digests, the digest archive, theme subscriptions, and the dashboard."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from engage.accounts.models import StaffUser
from engage.boards import queries as board_queries
from engage.boards import service as boards
from engage.boards.models import FREQUENCY_LABELS, Board, BoardDraft, BoardProblem
from engage.contributions import queries as contribution_queries
from engage.dashboards import service as dashboards
from engage.dashboards.models import WINDOWS, DashboardQuery, DrillQuery
from engage.digests import queries as digest_queries
from engage.digests.service import today_local
from engage.i18n import N_
from engage.problems import FieldError
from engage.programmes import queries as programme_queries
from engage.responses.models import STATUS_LABELS
from engage.tags import queries as tag_queries
from engage.web.charts import describe_trend, line_chart
from engage.web.csvs import csv_response
from engage.web.deps import Conn, Viewer, requires, settings_of, signed_in_user
from engage.web.forms import Form, error_context, fields, many, parse_day
from engage.web.links import redirect
from engage.web.locale import locale_of

BOARD_FIELD_IDS = {
    "framework_id": "framework_id",
    "id": "id",
    "name": "name",
    "owner_email": "owner_email",
    "frequency": "frequency-weekly",
    "days_before": "days_before",
    "meetings": "meetings",
    "themes": "themes",
    "neighbourhoods": "neighbourhoods",
    "programmes": "programmes",
    "members": "members",
}


class BoardsController(Controller):
    """Staff: the boards you own or sit on; admins create them."""

    path = "/staff/boards"
    include_in_schema = False

    @get("/", name="staff-boards", guards=[requires("read_contributions")])
    async def list_boards(self, request: Request[Any, Any, Any], state: State, viewer: Viewer, conn: Conn) -> Template:
        return Template(
            "staff/boards.html",
            context={
                "viewer": viewer,
                "boards": await boards.boards_for(conn, viewer),
                "FREQUENCY_LABELS": FREQUENCY_LABELS,
            },
        )

    @get("/new", name="staff-board-new", guards=[requires("manage_boards")])
    async def new(self, request: Request[Any, Any, Any], state: State, conn: Conn, viewer: Viewer) -> Template:
        return await self._form(conn, state, viewer, None, {"frequency": "monthly", "owner_email": viewer.email}, [])

    @get("/{board_id:str}/edit", name="staff-board-edit", guards=[requires("read_contributions")])
    async def edit(
        self,
        request: Request[Any, Any, Any],
        state: State,
        viewer: Viewer,
        conn: Conn,
        board_id: FromPath[str],
    ) -> Template:
        board = await boards.board_to_edit(conn, viewer, board_id)
        members = [m.email for m in await board_queries.list_members(conn, board_id) if m.receives]
        form = {
            "id": board.id,
            "name": board.name,
            "owner_email": board.owner_email or "",
            "frequency": board.frequency,
            "days_before": str(board.days_before or ""),
            "meetings": "\n".join(d.isoformat() for d in board.meetings),
            "themes": board.themes,
            "neighbourhoods": board.neighbourhoods,
            "programmes": board.programmes,
            "members": "\n".join(members),
            "framework_id": board.framework_id or "",
        }
        return await self._form(conn, state, viewer, board, form, [])

    @post("/new", name="staff-board-create", status_code=200, guards=[requires("manage_boards")])
    async def create(
        self, request: Request[Any, Any, Any], state: State, conn: Conn, viewer: Viewer, data: Form
    ) -> Template | Redirect:
        return await self._save(request, conn, state, viewer, None, data)

    @post("/{board_id:str}/edit", name="staff-board-update", status_code=200, guards=[requires("read_contributions")])
    async def update(
        self,
        request: Request[Any, Any, Any],
        state: State,
        viewer: Viewer,
        conn: Conn,
        board_id: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        board = await boards.board_to_edit(conn, viewer, board_id)
        return await self._save(request, conn, state, viewer, board, {**data, "id": board_id})

    async def _save(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        state: State,
        viewer: Viewer,
        board: Board | None,
        data: dict[str, Any],
    ) -> Template | Redirect:
        form: dict[str, Any] = {
            **fields(data),
            **{k: many(data, k) for k in ("themes", "neighbourhoods", "programmes")},
        }
        try:
            days_before = int(form["days_before"]) if form.get("days_before", "").strip() else None
        except ValueError:
            return await self._form(
                conn, state, viewer, board, form, [FieldError("days_before", "Give a whole number.")], 422
            )
        try:
            draft = BoardDraft(
                id=form.get("id", ""),
                name=form.get("name", ""),
                frequency=form.get("frequency", ""),
                owner_email=form.get("owner_email", ""),
                days_before=days_before,
                themes=form["themes"],
                neighbourhoods=form["neighbourhoods"],
                programmes=form["programmes"],
                meetings=boards.parse_meetings(form.get("meetings", "")),
                members=boards.parse_emails(form.get("members", "")),
                framework_id=form.get("framework_id") or None,
            )
            async with conn.transaction():
                saved = await boards.save_board(
                    conn, viewer, draft, framework_id=settings_of(state).framework, creating=board is None
                )
        except BoardProblem as exc:
            return await self._form(conn, state, viewer, board, form, [FieldError(exc.field, exc.reason)], 422)
        return redirect(request, "board-archive", board_id=saved.id)

    async def _form(
        self,
        conn: Conn,
        state: State,
        viewer: Viewer,
        board: Board | None,
        form: dict[str, Any],
        errors: list[FieldError],
        status: int = 200,
    ) -> Template:
        frameworks = await tag_queries.list_frameworks(conn)
        chosen = form.get("framework_id") or settings_of(state).framework
        framework = next((f for f in frameworks if f.id == chosen), None)
        neighbourhoods = await contribution_queries.list_neighbourhoods(conn)
        programmes = await programme_queries.programme_choices(conn)
        return Template(
            "staff/board_form.html",
            context={
                "frameworks": frameworks,
                "default_framework": settings_of(state).framework,
                "viewer": viewer,
                "board": board,
                "form": form,
                **error_context(errors, BOARD_FIELD_IDS),
                "framework": framework,
                "neighbourhoods": neighbourhoods,
                "programmes": programmes,
                "FREQUENCY_LABELS": FREQUENCY_LABELS,
            },
            status_code=status,
        )


class ArchiveController(Controller):
    """Every digest a board was sent. Members follow the link in their email (a key made for them); staff sign in."""

    path = "/boards"
    include_in_schema = False

    async def _open(
        self, request: Request[Any, Any, Any], conn: Conn, state: State, board_id: str, key: str
    ) -> tuple[Board, StaffUser | None]:
        """The board, and the signed-in viewer if any, once the key or the viewer may read its archive."""
        viewer = await signed_in_user(request)
        board = await boards.open_archive(conn, board_id, viewer, key=key, secret=settings_of(state).secret_key)
        return board, viewer

    @get("/{board_id:str}/digests", name="board-archive")
    async def archive(
        self,
        request: Request[Any, Any, Any],
        state: State,
        conn: Conn,
        board_id: FromPath[str],
        key: FromQuery[str] = "",
    ) -> Template:
        board, viewer = await self._open(request, conn, state, board_id, key)
        sent = await digest_queries.list_digests(conn, board.id)
        return Template(
            "boards/archive.html",
            context={
                "viewer": viewer,
                "board": board,
                "digests": sent,
                "key": key,
                "can_edit": viewer is not None and boards.may_edit(viewer, board),
                "FREQUENCY_LABELS": FREQUENCY_LABELS,
            },
            headers={"Cache-Control": "no-store"},
        )

    @get("/{board_id:str}/digests/{digest_id:uuid}", name="board-digest")
    async def digest(
        self,
        request: Request[Any, Any, Any],
        state: State,
        conn: Conn,
        board_id: FromPath[str],
        digest_id: FromPath[UUID],
        key: FromQuery[str] = "",
    ) -> Template:
        board, viewer = await self._open(request, conn, state, board_id, key)
        stored = await digest_queries.get_digest(conn, digest_id)
        if stored is None or stored.board_id != board.id:
            raise NotFoundException("This board has no digest with this id.")
        return Template(
            "boards/digest.html",
            context={"viewer": viewer, "board": board, "d": stored.content, "key": key},
            headers={"Cache-Control": "no-store"},
        )


class SubscriptionsController(Controller):
    """The public side: subscribe to themes (confirmed by email), confirm, and unsubscribe with one click."""

    include_in_schema = False

    @get("/subscribe", name="subscribe")
    async def form(self, state: State, conn: Conn) -> Template:
        return await self._form(conn, state, {"themes": []}, [])

    async def _form(
        self, conn: Conn, state: State, form: dict[str, Any], errors: list[FieldError], status: int = 200
    ) -> Template:
        framework = await tag_queries.get_framework(conn, settings_of(state).framework)
        return Template(
            "public/subscribe.html",
            context={
                "form": form,
                "framework": framework,
                **error_context(errors, {"email": "email", "themes": "themes"}),
            },
            status_code=status,
        )

    @post("/subscribe", name="subscribe-submit", status_code=200)
    async def subscribe(self, request: Request[Any, Any, Any], state: State, conn: Conn, data: Form) -> Template:
        form: dict[str, Any] = {**fields(data), "themes": many(data, "themes")}
        try:
            async with conn.transaction():
                await boards.subscribe_to_themes(
                    conn,
                    form.get("email", ""),
                    form["themes"],
                    framework_id=settings_of(state).framework,
                    locale=locale_of(request),
                )
        except BoardProblem as exc:
            return await self._form(conn, state, form, [FieldError(exc.field, exc.reason)], 422)
        return Template("public/member_action.html", context={"action": "check_inbox", "member": None, "token": ""})

    @get("/subscribe/confirm/{token:str}", name="subscribe-confirm")
    async def confirm_page(self, state: State, conn: Conn, token: FromPath[str]) -> Template:
        return await self._page(conn, state, "confirm", token)

    @post("/subscribe/confirm/{token:str}", name="subscribe-confirm-submit", status_code=200)
    async def confirm(self, state: State, conn: Conn, token: FromPath[str]) -> Template:
        async with conn.transaction():
            member = await boards.confirm_subscription(conn, settings_of(state).secret_key, token)
        if member is None:
            raise HTTPException(status_code=400, detail=N_("This confirmation link is not valid. Subscribe again."))
        return Template("public/member_action.html", context={"action": "confirmed", "member": member, "token": token})

    @get("/unsubscribe/{token:str}", name="unsubscribe")
    async def unsubscribe_page(self, state: State, conn: Conn, token: FromPath[str]) -> Template:
        return await self._page(conn, state, "unsubscribe", token)

    @post("/unsubscribe/{token:str}", name="unsubscribe-submit", status_code=200)
    async def unsubscribe(self, state: State, conn: Conn, token: FromPath[str]) -> Template:
        """Also the RFC 8058 one-click target: mail clients POST here without a page or a CSRF cookie; the token,
        made for one member, is the proof."""
        async with conn.transaction():
            result = await boards.unsubscribe(conn, settings_of(state).secret_key, token)
        if result is None:
            raise HTTPException(status_code=400, detail=N_("This unsubscribe link is not valid: nothing was changed."))
        member, changed = result
        return Template(
            "public/member_action.html",
            context={"action": "unsubscribed" if changed else "already_unsubscribed", "member": member, "token": token},
        )

    async def _page(self, conn: Conn, state: State, purpose: str, token: str) -> Template:
        member = await boards.member_from_token(conn, settings_of(state).secret_key, purpose, token)
        board = await board_queries.get_board(conn, member.board_id) if member else None
        if member is None or board is None:
            raise HTTPException(status_code=400, detail=N_("This link is not valid: nothing was changed."))
        return Template(
            "public/member_action.html",
            context={"action": f"ask_{purpose}", "member": member, "board": board, "token": token},
        )


class DashboardController(Controller):
    path = "/staff/dashboard"
    include_in_schema = False

    @get("/", name="staff-dashboard", guards=[requires("read_contributions")])
    async def dashboard(
        self,
        request: Request[Any, Any, Any],
        state: State,
        viewer: Viewer,
        conn: Conn,
        months: FromQuery[int] = 12,
        neighbourhood: FromQuery[str] = "",
        programme: FromQuery[str] = "",
        format: FromQuery[str] = "",
        framework: FromQuery[str] = "",
    ) -> Template | Response[bytes]:
        query = DashboardQuery(months=months, neighbourhood=neighbourhood, programme=programme)
        framework_id = framework or settings_of(state).framework
        dash = await dashboards.build_dashboard(conn, framework_id, query, today_local())
        neighbourhoods = await contribution_queries.list_neighbourhoods(conn, active_only=False)
        programmes = await programme_queries.programme_choices(conn)
        if format == "csv":
            rows = [[m.strftime("%Y-%m"), s.name, s.counts[i]] for i, m in enumerate(dash.months) for s in dash.series]
            rows += [[m.strftime("%Y-%m"), "All contributions", dash.totals[i]] for i, m in enumerate(dash.months)]
            return csv_response("engage-theme-trends.csv", ["month", "theme", "contributions"], rows)
        series = [(s.name, s.counts) for s in dash.series]
        return Template(
            "staff/dashboard.html",
            context={
                "viewer": viewer,
                "dash": dash,
                "chart": line_chart(dash.months, series),
                "summary": describe_trend(dash.months, series),
                "neighbourhoods": neighbourhoods,
                "programmes": programmes,
                "WINDOWS": WINDOWS,
                "STATUS_LABELS": STATUS_LABELS,
                "frameworks": await tag_queries.list_frameworks(conn),
                "framework_id": framework_id,
            },
        )

    @get("/contributions", name="staff-dashboard-drill", guards=[requires("read_contributions")])
    async def drill(
        self,
        request: Request[Any, Any, Any],
        state: State,
        viewer: Viewer,
        conn: Conn,
        month: FromQuery[str] = "",
        theme: FromQuery[str] = "",
        neighbourhood: FromQuery[str] = "",
        programme: FromQuery[str] = "",
        months: FromQuery[int] = 12,
        format: FromQuery[str] = "",
        framework: FromQuery[str] = "",
    ) -> Template | Response[bytes]:
        framework_id = framework or settings_of(state).framework
        month_start = parse_day(month + "-01") if month else None
        if month and month_start is None:
            raise HTTPException(status_code=400, detail="month: give a month as YYYY-MM.")
        query = DrillQuery(
            month=month_start, theme=theme, neighbourhood=neighbourhood, programme=programme, months=months
        )
        async with conn.transaction():
            found = await tag_queries.get_framework(conn, framework_id)
            if found is None:
                raise HTTPException(status_code=400, detail=f"framework: {framework_id!r} is not a framework.")
            if theme and theme not in {t.id for t in found.themes}:
                raise HTTPException(status_code=400, detail=f"theme: {theme!r} is not a theme of {framework_id}.")
            total, flagged, rows = await dashboards.drill_down(
                conn, viewer, framework_id, query, today_local(), limit=10_000 if format == "csv" else 100
            )
            neighbourhood_name = next(
                (
                    n.name
                    for n in await contribution_queries.list_neighbourhoods(conn, active_only=False)
                    if n.slug == neighbourhood
                ),
                "",
            )
        name = found.theme_name
        if format == "csv":
            return csv_response(
                "engage-contributions-de-identified.csv",
                ["received_on", "kind", "neighbourhood", "themes", "text (redacted)"],
                [[r.received_on, r.kind, r.neighbourhood or "", "; ".join(map(name, r.themes)), r.text] for r in rows],
            )
        return Template(
            "staff/dashboard_drill.html",
            context={
                "viewer": viewer,
                "query": query,
                "total": total,
                "flagged": flagged,
                "rows": rows,
                "theme_name": name,
                "neighbourhood_name": neighbourhood_name,
                "query_string": request.url.query or "",
            },
            headers={"Cache-Control": "no-store"},
        )
