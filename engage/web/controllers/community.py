"""Pages for a programme's community of practice members: residents, carers and voluntary-sector people whom a
facilitator invited by email. They sign in by one-use emailed links (no password), and see the programmes they were
invited to: the programme, its evidence board and propositions (as engage.privacy.visibility allows them: no more
than partner staff), comments, and consensus rounds.

A link in an email is opened by mail systems' link scanners too, so opening it only shows a page with a button;
pressing the button spends the link and signs in (the same reason unsubscribe links need a press).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie, State
from litestar.exceptions import HTTPException
from litestar.middleware.csrf import generate_csrf_token
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from engage.accounts import service as accounts
from engage.consensus import queries as consensus_queries
from engage.consensus import service as consensus
from engage.consensus.models import VoteProblem
from engage.contributions.models import KIND_LABELS
from engage.problems import FieldError
from engage.programmes import queries as programme_queries
from engage.programmes import service as programmes
from engage.programmes.models import PHASE_LABELS, PHASE_PURPOSE, PHASES, EvidenceQuery, ProgrammeDetail
from engage.propositions import queries as proposition_queries
from engage.propositions import service as propositions
from engage.propositions.models import STATUS_LABELS, PropositionProblem
from engage.tags import queries as tag_queries
from engage.web.ballots import ballot_context, ratings_from_form
from engage.web.deps import SESSION_COOKIE, AppSettings, Conn, ReaderSight, Relay, Viewer, limits_of, requires
from engage.web.forms import Form, error_context, fields
from engage.web.links import redirect, url

CSRF_COOKIE = "engage_csrf"
FIELD_IDS = {"comment": "comment", "email": "email"}


def _ask(
    *,
    reason: str | None = None,
    sent: bool = False,
    email: str = "",
    errors: list[FieldError] | None = None,
    status: int = 200,
) -> Template:
    """The page that asks for a new link: on its own, after a refused link (saying why), or once one is sent."""
    return Template(
        "community/link_gone.html",
        context={"reason": reason, "sent": sent, "email": email, **error_context(errors or [], FIELD_IDS)},
        status_code=status,
        headers={"Cache-Control": "no-store", **({"Retry-After": "60"} if status == 429 else {})},
    )


class MemberSignInController(Controller):
    """Signing in by an emailed link, and asking for a new one."""

    path = "/members/sign-in"
    include_in_schema = False

    @get("/", name="member-sign-in")
    async def ask(self) -> Template:
        return _ask()

    @post("/", name="member-sign-in-request", status_code=200)
    async def request_link(
        self, request: Request[Any, Any, Any], state: State, conn: Conn, settings: AppSettings, data: Form
    ) -> Template:
        email = fields(data).get("email", "").strip()
        limits = limits_of(state)
        if await limits.forms.allow(limits.address(request)) is not None:
            wait = FieldError("email", "A lot has been sent from this connection in the last minute. Wait a minute.")
            return _ask(email=email, errors=[wait], status=429)
        if not email or "@" not in email or len(email) > 254:
            return _ask(
                email=email, errors=[FieldError("email", "Give the email address your invitation came to.")], status=422
            )
        await accounts.request_sign_in_link(
            conn, email, secret=settings.secret_key, minutes=settings.member_link_minutes
        )
        # The same answer whether or not the address belongs to a member.
        return _ask(sent=True)

    @get("/{token:str}", name="member-sign-in-link")
    async def confirm(self, conn: Conn, token: FromPath[str]) -> Template:
        try:
            link = await accounts.link_for(conn, token)
        except accounts.LinkProblem as exc:
            return _ask(reason=exc.reason, status=exc.status)
        return Template(
            "community/sign_in.html",
            context={"link": link, "token": token},
            headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
        )

    @post("/{token:str}", name="member-sign-in-submit", status_code=303)
    async def sign_in(
        self, request: Request[Any, Any, Any], conn: Conn, settings: AppSettings, token: FromPath[str]
    ) -> Template | Redirect:
        csrf = generate_csrf_token(secret=settings.secret_key)
        try:
            async with conn.transaction():
                link, raw = await accounts.sign_in_by_link(
                    conn, token, session_hours=settings.session_hours, csrf_token=csrf
                )
        except accounts.LinkProblem as exc:
            return _ask(reason=exc.reason, status=exc.status)
        target = (
            url(request, "community-programme", slug=link.programme) if link.programme else url(request, "community")
        )
        return Redirect(
            target,
            status_code=303,
            cookies=[
                Cookie(
                    key=SESSION_COOKIE,
                    value=raw,
                    httponly=True,
                    secure=settings.secure_cookies,
                    samesite="lax",
                    max_age=settings.session_hours * 3600,
                    path="/",
                ),
                Cookie(key=CSRF_COOKIE, value=csrf, secure=settings.secure_cookies, samesite="lax", path="/"),
            ],
        )


async def _programme_or_404(conn: Conn, slug: str, viewer: Viewer) -> ProgrammeDetail:
    """The programme, if the viewer is in its community of practice (anyone else's looks unknown: 404)."""
    detail = await programmes.view_programme(conn, slug)
    if detail is None or not await programmes.takes_part(conn, slug, viewer):
        raise HTTPException(status_code=404, detail="No programme of yours has this address.")
    return detail


class CommunityController(Controller):
    """The community of practice's own pages."""

    path = "/community"
    include_in_schema = False
    guards = (requires("take_part"),)

    @get("/", name="community")
    async def home(self, conn: Conn, viewer: Viewer) -> Template:
        mine = await programmes.my_programmes(conn, viewer)
        return Template(
            "community/home.html", context={"viewer": viewer, "programmes": mine, "PHASE_LABELS": PHASE_LABELS}
        )

    @get("/programmes/{slug:str}", name="community-programme")
    async def programme(self, conn: Conn, viewer: Viewer, slug: FromPath[str]) -> Template:
        detail = await _programme_or_404(conn, slug, viewer)
        framework = await tag_queries.get_framework(conn, detail.programme.framework_id)
        drafted = await proposition_queries.list_for_programme(conn, slug)
        rounds = await consensus_queries.list_for_programme(conn, slug)
        return Template(
            "community/programme.html",
            context={
                "viewer": viewer,
                "detail": detail,
                "p": detail.programme,
                "framework": framework,
                "propositions": [q for q in drafted if q.status != "set_aside"],
                "rounds": rounds,
                "now": datetime.now(UTC),
                "voted": await consensus_queries.voted_in(conn, f"user:{viewer.id}", [r.id for r in rounds]),
                "STATUS_LABELS": STATUS_LABELS,
                "PHASES": PHASES,
                "PHASE_LABELS": PHASE_LABELS,
                "PHASE_PURPOSE": PHASE_PURPOSE,
            },
        )

    @get("/programmes/{slug:str}/evidence", name="community-evidence")
    async def evidence(
        self,
        conn: Conn,
        viewer: Viewer,
        slug: FromPath[str],
        neighbourhood: FromQuery[str] = "",
        kind: FromQuery[str] = "",
    ) -> Template:
        board = await programmes.view_evidence(
            conn, slug, viewer, EvidenceQuery(neighbourhood=neighbourhood, kind=kind)
        )
        if board is None:
            raise HTTPException(status_code=404, detail="No programme of yours has this address.")
        return Template(
            "community/evidence.html",
            context={"viewer": viewer, "board": board, "p": board.detail.programme, "KIND_LABELS": KIND_LABELS},
            headers={"Cache-Control": "no-store"},
        )

    @get("/propositions/{proposition_id:uuid}", name="community-proposition")
    async def proposition(
        self, conn: Conn, viewer: Viewer, sight: ReaderSight, proposition_id: FromPath[UUID]
    ) -> Template:
        return await self._proposition_page(conn, viewer, sight, proposition_id, "", [])

    async def _proposition_page(
        self,
        conn: Conn,
        viewer: Viewer,
        sight: ReaderSight,
        proposition_id: UUID,
        comment: str,
        errors: list[FieldError],
        status: int = 200,
    ) -> Template:
        await propositions.readable_proposition(conn, proposition_id, viewer)
        detail = await propositions.view_proposition(conn, proposition_id, sight)
        assert detail is not None
        programme = await programme_queries.get_programme(conn, detail.proposition.programme)
        framework = await tag_queries.get_framework(conn, programme.framework_id) if programme else None
        return Template(
            "community/proposition.html",
            context={
                "viewer": viewer,
                "detail": detail,
                "p": detail.proposition,
                "programme": programme,
                "framework": framework,
                "round_results": await consensus.results_for_proposition(conn, proposition_id, sight),
                "STATUS_LABELS": STATUS_LABELS,
                "comment": comment,
                **error_context(errors, FIELD_IDS),
            },
            status_code=status,
            headers={"Cache-Control": "no-store"},
        )

    @post("/propositions/{proposition_id:uuid}/comments", name="community-comment", status_code=200)
    async def comment(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        viewer: Viewer,
        sight: ReaderSight,
        relay: Relay,
        proposition_id: FromPath[UUID],
        data: Form,
    ) -> Template | Redirect:
        body = fields(data).get("comment", "")[:10_000]
        try:
            async with conn.transaction():
                comment_id = await propositions.post_comment(conn, proposition_id, viewer, body)
        except PropositionProblem as exc:
            if exc.status != 422:
                raise
            return await self._proposition_page(conn, viewer, sight, proposition_id, body, exc.errors, 422)
        relay.wake()
        return redirect(
            request, "community-proposition", proposition_id=proposition_id, fragment=f"comment-{comment_id}"
        )

    @post("/comments/{comment_id:uuid}/withdraw", name="community-comment-withdraw", status_code=303)
    async def withdraw_comment(
        self, request: Request[Any, Any, Any], conn: Conn, viewer: Viewer, comment_id: FromPath[UUID]
    ) -> Redirect:
        async with conn.transaction():
            proposition_id = await propositions.withdraw_comment(conn, comment_id, viewer)
        return redirect(request, "community-proposition", proposition_id=proposition_id, fragment="comments")

    @get("/rounds/{round_id:uuid}/vote", name="community-ballot")
    async def ballot(
        self, request: Request[Any, Any, Any], conn: Conn, viewer: Viewer, round_id: FromPath[UUID]
    ) -> Template:
        round_ = await consensus.readable_round(conn, round_id, viewer)
        context = ballot_context(
            round_, {}, [], action=url(request, "community-vote", round_id=round_id), viewer=viewer, member=True
        )
        return Template("rounds/ballot.html", context=context)

    @post("/rounds/{round_id:uuid}/vote", name="community-vote", status_code=200)
    async def vote(
        self, request: Request[Any, Any, Any], conn: Conn, viewer: Viewer, round_id: FromPath[UUID], data: Form
    ) -> Template:
        round_ = await consensus.readable_round(conn, round_id, viewer)
        try:
            async with conn.transaction():
                await consensus.cast_staff_ballot(conn, round_id, viewer, ratings_from_form(data, round_))
        except VoteProblem as exc:
            if exc.status in (404, 409, 410):
                raise
            context = ballot_context(
                round_,
                dict(data),
                exc.errors,
                action=url(request, "community-vote", round_id=round_id),
                viewer=viewer,
                member=True,
            )
            return Template("rounds/ballot.html", context=context, status_code=422)
        return Template("rounds/thanks.html", context={"round": round_, "viewer": viewer, "member": True})
