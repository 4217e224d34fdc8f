"""A board's recommendations tracker: staff record recommendations and their updates; anyone reads the public page."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from engage.boards import queries as board_queries
from engage.boards import service as boards
from engage.boards.models import Board
from engage.digests.service import today_local
from engage.problems import FieldError
from engage.programmes import queries as programme_queries
from engage.propositions import queries as proposition_queries
from engage.recommendations import queries
from engage.recommendations import service as recommendations
from engage.recommendations.models import STATUS_LABELS, UPDATE_STATUSES, RecommendationDraft, RecommendationProblem
from engage.responses import queries as response_queries
from engage.responses.models import STATUS_LABELS as RESPONSE_STATUS
from engage.web.deps import Conn, ReaderSight, Viewer, requires
from engage.web.forms import Form, error_context, fields, many, parse_day, parse_uuid
from engage.web.links import redirect

FIELD_IDS = {
    "label": "label",
    "text": "text",
    "owner": "owner",
    "made_on": "made_on",
    "due_on": "due_on",
    "references": "references",
    "status": "new-status",
    "note": "note",
    "changed_on": "changed_on",
}


class RecommendationsController(Controller):
    path = "/staff"
    include_in_schema = False

    @get(
        "/boards/{board_id:str}/recommendations", name="staff-recommendations", guards=[requires("read_contributions")]
    )
    async def board_list(self, conn: Conn, viewer: Viewer, board_id: FromPath[str]) -> Template:
        board = await boards.open_recommendations(conn, viewer, board_id)
        return await self._list_page(conn, viewer, board, {"made_on": today_local().isoformat()}, [])

    async def _list_page(
        self,
        conn: Conn,
        viewer: Viewer,
        board: Board,
        form: dict[str, Any],
        errors: list[FieldError],
        status: int = 200,
    ) -> Template:
        today = today_local()
        found = await recommendations.tracked(conn, await queries.list_recommendations(conn, board_id=board.id), today)
        can_edit = boards.may_edit(viewer, board)
        programmes = set(board.programmes)
        propositions = []
        responses = []
        if can_edit:
            propositions = [
                (programme.name, p)
                for programme in await programme_queries.programme_choices(conn)
                if not programmes or programme.slug in programmes
                for p in await proposition_queries.list_for_programme(conn, programme.slug)
            ]
            responses = await response_queries.list_responses(conn, theme=None, neighbourhood=None, limit=200)
        return Template(
            "staff/recommendations.html",
            context={
                "viewer": viewer,
                "board": board,
                "tracked": found,
                "can_edit": can_edit,
                "propositions": propositions,
                "responses": responses,
                "form": form,
                **error_context(errors, FIELD_IDS),
                "STATUS_LABELS": STATUS_LABELS,
                "RESPONSE_STATUS": RESPONSE_STATUS,
            },
            status_code=status,
        )

    @post(
        "/boards/{board_id:str}/recommendations",
        name="staff-recommendation-create",
        status_code=200,
        guards=[requires("read_contributions")],
    )
    async def create(
        self, request: Request[Any, Any, Any], conn: Conn, viewer: Viewer, board_id: FromPath[str], data: Form
    ) -> Template | Redirect:
        board = await boards.open_recommendations(conn, viewer, board_id)
        form: dict[str, Any] = {
            **fields(data),
            "propositions": many(data, "propositions"),
            "responses": many(data, "responses"),
        }
        draft = RecommendationDraft(
            label=form.get("label", "")[:200],
            text=form.get("text", "")[:10_000],
            owner=form.get("owner", "")[:1000],
            made_on=parse_day(form.get("made_on", "")),
            due_on=parse_day(form.get("due_on", "")),
            propositions=[i for i in (parse_uuid(v) for v in form["propositions"]) if i],
            responses=[i for i in (parse_uuid(v) for v in form["responses"]) if i],
            references=form.get("references", "")[:20_000].replace(",", " ").split(),
        )
        if form.get("due_on", "").strip() and draft.due_on is None:
            return await self._list_page(
                conn,
                viewer,
                board,
                form,
                [FieldError("due_on", "Give the due date like 2026-09-30, or leave it empty.")],
                422,
            )
        try:
            async with conn.transaction():
                recommendation_id = await recommendations.record_recommendation(conn, viewer, board, draft)
        except RecommendationProblem as exc:
            if exc.status != 422:
                raise
            return await self._list_page(conn, viewer, board, form, exc.errors, 422)
        return redirect(request, "staff-recommendation", recommendation_id=recommendation_id)

    @get(
        "/recommendations/{recommendation_id:uuid}",
        name="staff-recommendation",
        guards=[requires("read_contributions")],
    )
    async def show(self, conn: Conn, viewer: Viewer, sight: ReaderSight, recommendation_id: FromPath[UUID]) -> Template:
        return await self._page(conn, viewer, sight, recommendation_id, {}, [])

    async def _page(
        self,
        conn: Conn,
        viewer: Viewer,
        sight: ReaderSight,
        recommendation_id: UUID,
        form: dict[str, Any],
        errors: list[FieldError],
        status: int = 200,
    ) -> Template:
        today = today_local()
        found = await recommendations.view_recommendation(conn, recommendation_id, sight, today)
        if found is None:
            raise NotFoundException("No recommendation with this address.")
        tracked, contributions, hidden = found
        board = await boards.open_recommendations(conn, viewer, tracked.recommendation.board_id)
        return Template(
            "staff/recommendation.html",
            context={
                "viewer": viewer,
                "board": board,
                "t": tracked,
                "r": tracked.recommendation,
                "contributions": contributions,
                "hidden": hidden,
                "can_edit": boards.may_edit(viewer, board),
                "form": {"changed_on": today.isoformat(), **form},
                **error_context(errors, FIELD_IDS),
                "STATUS_LABELS": STATUS_LABELS,
                "UPDATE_STATUSES": UPDATE_STATUSES,
                "RESPONSE_STATUS": RESPONSE_STATUS,
            },
            status_code=status,
            headers={"Cache-Control": "no-store"},
        )

    @post(
        "/recommendations/{recommendation_id:uuid}/updates",
        name="staff-recommendation-update",
        status_code=200,
        guards=[requires("read_contributions")],
    )
    async def update(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        viewer: Viewer,
        sight: ReaderSight,
        recommendation_id: FromPath[UUID],
        data: Form,
    ) -> Template | Redirect:
        form = fields(data)
        found = await queries.get_recommendation(conn, recommendation_id)
        if found is None:
            raise NotFoundException("No recommendation with this address.")
        board = await boards.open_recommendations(conn, viewer, found.board_id)
        try:
            async with conn.transaction():
                await recommendations.record_update(
                    conn,
                    viewer,
                    board,
                    recommendation_id,
                    status=form.get("status", ""),
                    note=form.get("note", "")[:4000],
                    changed_on=parse_day(form.get("changed_on", "")),
                    expected=form.get("expected", ""),
                    today=today_local(),
                )
        except RecommendationProblem as exc:
            if exc.status != 422:
                raise
            return await self._page(conn, viewer, sight, recommendation_id, form, exc.errors, 422)
        return redirect(request, "staff-recommendation", recommendation_id=recommendation_id)


class PublicRecommendationsController(Controller):
    include_in_schema = False

    @get("/recommendations", name="recommendations")
    async def public(self, conn: Conn, board: FromQuery[str] = "", status: FromQuery[str] = "") -> Template:
        """Every board's recommendations, their status and history. No personal data: linked contributions as a
        count only."""
        today = today_local()
        chosen_status = status if status in STATUS_LABELS or status == "overdue" else ""
        found = await queries.list_recommendations(
            conn, board_id=board[:63] or None, status=chosen_status if chosen_status in STATUS_LABELS else None
        )
        tracked = await recommendations.tracked(conn, found, today)
        if chosen_status == "overdue":
            tracked = [t for t in tracked if t.overdue]
        return Template(
            "public/recommendations.html",
            context={
                "tracked": tracked,
                "boards": await board_queries.list_boards(conn),
                "query": {"board": board[:63], "status": chosen_status},
                "overdue": sum(1 for t in tracked if t.overdue),
                "STATUS_LABELS": STATUS_LABELS,
                "RESPONSE_STATUS": RESPONSE_STATUS,
            },
        )
