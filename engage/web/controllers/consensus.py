"""Consensus rounds: facilitators open them and invite people; citizens vote by link, staff with accounts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from engage.consensus import queries
from engage.consensus import service as consensus
from engage.consensus.models import VoteProblem
from engage.contributions import queries as contribution_queries
from engage.problems import FieldError
from engage.propositions import queries as proposition_queries
from engage.web.ballots import FIELD_IDS, ballot_context, ratings_from_form
from engage.web.deps import Conn, ReaderSight, Viewer, requires, settings_of
from engage.web.forms import Form, error_context, parse_uuid, whole_number
from engage.web.links import redirect, url


class VoteController(Controller):
    """Citizens, by a one-use invitation link; no account."""

    path = "/r"
    include_in_schema = False

    @get("/{token:str}", name="round-ballot")
    async def ballot(self, request: Request[Any, Any, Any], state: State, conn: Conn, token: FromPath[str]) -> Template:
        try:
            round_, _ = await consensus.round_for_token(conn, token)
        except VoteProblem as exc:
            return Template("rounds/gone.html", context={"reason": exc.reason}, status_code=exc.status)
        return Template(
            "rounds/ballot.html", context=ballot_context(round_, {}, [], action=url(request, "round-vote", token=token))
        )

    @post("/{token:str}", name="round-vote", status_code=200)
    async def vote(
        self, request: Request[Any, Any, Any], state: State, conn: Conn, token: FromPath[str], data: Form
    ) -> Template:
        try:
            round_, _ = await consensus.round_for_token(conn, token)
        except VoteProblem as exc:
            return Template("rounds/gone.html", context={"reason": exc.reason}, status_code=exc.status)
        ratings = ratings_from_form(data, round_)
        age_band = str(data.get("age_band", "")) or None
        try:
            async with conn.transaction():
                await consensus.cast_citizen_ballot(conn, token, ratings, age_band=age_band)
        except VoteProblem as exc:
            if exc.status in (409, 410):
                return Template("rounds/gone.html", context={"reason": exc.reason}, status_code=exc.status)
            context = ballot_context(
                round_, dict(data), [FieldError(exc.field, exc.reason)], action=url(request, "round-vote", token=token)
            )
            return Template("rounds/ballot.html", context=context, status_code=422)
        return Template("rounds/thanks.html", context={"round": round_, "member": False})


class RoundsController(Controller):
    path = "/staff"
    include_in_schema = False

    @get("/programmes/{slug:str}/rounds/new", name="staff-round-new", guards=[requires("run_programmes")])
    async def new(
        self,
        request: Request[Any, Any, Any],
        state: State,
        conn: Conn,
        viewer: Viewer,
        slug: FromPath[str],
    ) -> Template:
        return await self._new_page(conn, state, viewer, slug, {}, [])

    async def _new_page(
        self,
        conn: Conn,
        state: State,
        viewer: Viewer,
        slug: str,
        form: dict[str, Any],
        errors: list[FieldError],
        status: int = 200,
    ) -> Template:
        shortlisted = [p for p in await proposition_queries.list_for_programme(conn, slug) if p.status == "shortlisted"]
        return Template(
            "rounds/new.html",
            context={
                "viewer": viewer,
                "slug": slug,
                "shortlisted": shortlisted,
                "form": form,
                **error_context(errors, FIELD_IDS),
            },
            status_code=status,
        )

    @post(
        "/programmes/{slug:str}/rounds/new",
        name="staff-round-create",
        status_code=200,
        guards=[requires("run_programmes")],
    )
    async def create(
        self,
        request: Request[Any, Any, Any],
        state: State,
        viewer: Viewer,
        conn: Conn,
        slug: FromPath[str],
        data: Form,
    ) -> Template | Redirect:
        form = {k: str(v) for k, v in data.items() if k != "_csrf_token"}
        try:
            closes_at = datetime.fromisoformat(form.get("closes_at", "")).replace(tzinfo=UTC)
        except ValueError:
            return await self._new_page(
                conn, state, viewer, slug, form, [FieldError("closes_at", "Give the closing date and time.")], 422
            )
        statements = {
            proposition: value
            for key, value in form.items()
            if key.startswith("statement-") and (proposition := parse_uuid(key.removeprefix("statement-")))
        }
        try:
            async with conn.transaction():
                round_id = await consensus.open_round(
                    conn, slug, viewer, title=form.get("title", ""), closes_at=closes_at, statements=statements
                )
        except VoteProblem as exc:
            if exc.status != 422:
                raise
            return await self._new_page(conn, state, viewer, slug, form, [FieldError(exc.field, exc.reason)], 422)
        return redirect(request, "staff-round", round_id=round_id)

    @get("/rounds/{round_id:uuid}", name="staff-round", guards=[requires("read_contributions")])
    async def show(
        self,
        state: State,
        conn: Conn,
        viewer: Viewer,
        sight: ReaderSight,
        round_id: FromPath[UUID],
    ) -> Template:
        return await self._page(conn, state, viewer, sight, round_id)

    async def _page(
        self,
        conn: Conn,
        state: State,
        viewer: Viewer,
        sight: ReaderSight,
        round_id: UUID,
        *,
        links: list[str] | None = None,
        errors: list[FieldError] | None = None,
        status: int = 200,
    ) -> Template:
        round_ = await queries.get_round(conn, round_id)
        if round_ is None:
            raise HTTPException(status_code=404, detail="No round with this address.")
        outcome = await consensus.results(conn, round_id, sight, quorum=settings_of(state).consensus_quorum)
        neighbourhoods = await contribution_queries.list_neighbourhoods(conn)
        errors = errors or []
        return Template(
            "rounds/round.html",
            context={
                "viewer": viewer,
                "round": round_,
                "results": outcome,
                "links": links or [],
                "neighbourhoods": neighbourhoods,
                "open": datetime.now(UTC) < round_.closes_at,
                **error_context(errors, FIELD_IDS),
            },
            status_code=status,
            headers={"Cache-Control": "no-store"},
        )

    @post(
        "/rounds/{round_id:uuid}/invitations",
        name="staff-round-invite",
        status_code=200,
        guards=[requires("run_programmes")],
    )
    async def invite(
        self,
        request: Request[Any, Any, Any],
        state: State,
        viewer: Viewer,
        sight: ReaderSight,
        conn: Conn,
        round_id: FromPath[UUID],
        data: Form,
    ) -> Template:
        raw = str(data.get("count", ""))
        try:
            async with conn.transaction():
                tokens = await consensus.invite_citizens(
                    conn,
                    round_id,
                    viewer,
                    whole_number(raw, lo=0, hi=10_000) or 0,
                    str(data.get("neighbourhood", "")) or None,
                )
        except VoteProblem as exc:
            if exc.status != 422:
                raise
            return await self._page(
                conn, state, viewer, sight, round_id, errors=[FieldError(exc.field, exc.reason)], status=422
            )
        base = settings_of(state).base_url
        links = [base + url(request, "round-ballot", token=token) for token in tokens]
        return await self._page(conn, state, viewer, sight, round_id, links=links)

    @get("/rounds/{round_id:uuid}/vote", name="staff-round-ballot", guards=[requires("read_contributions")])
    async def staff_ballot(
        self,
        request: Request[Any, Any, Any],
        state: State,
        viewer: Viewer,
        conn: Conn,
        round_id: FromPath[UUID],
    ) -> Template:
        round_ = await queries.get_round(conn, round_id)
        if round_ is None:
            raise HTTPException(status_code=404, detail="No round with this address.")
        context = ballot_context(
            round_, {}, [], action=url(request, "staff-round-vote", round_id=round_id), viewer=viewer, staff=True
        )
        return Template("rounds/ballot.html", context=context)

    @post(
        "/rounds/{round_id:uuid}/vote",
        name="staff-round-vote",
        status_code=200,
        guards=[requires("read_contributions")],
    )
    async def staff_vote(
        self,
        request: Request[Any, Any, Any],
        state: State,
        viewer: Viewer,
        conn: Conn,
        round_id: FromPath[UUID],
        data: Form,
    ) -> Template:
        round_ = await queries.get_round(conn, round_id)
        if round_ is None:
            raise HTTPException(status_code=404, detail="No round with this address.")
        try:
            async with conn.transaction():
                await consensus.cast_staff_ballot(conn, round_id, viewer, ratings_from_form(data, round_))
        except VoteProblem as exc:
            if exc.status in (409, 410):
                raise
            context = ballot_context(
                round_,
                dict(data),
                [FieldError(exc.field, exc.reason)],
                action=url(request, "staff-round-vote", round_id=round_id),
                viewer=viewer,
                staff=True,
            )
            return Template("rounds/ballot.html", context=context, status_code=422)
        return Template("rounds/thanks.html", context={"round": round_, "viewer": viewer, "member": False})
