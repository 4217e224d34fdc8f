"""Staff pages for propositions: draft, revise in versions, pin evidence, shortlist."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import HTTPException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from engage.consensus import service as consensus
from engage.ids import normalise_reference
from engage.problems import FieldError
from engage.programmes import queries as programme_queries
from engage.programmes.service import runs_programme
from engage.propositions import queries
from engage.propositions import service as propositions
from engage.propositions.models import STATUS_LABELS, Decision, PropositionProblem, PropositionText
from engage.tags import queries as tag_queries
from engage.web.deps import AppSettings, Conn, ReaderSight, Relay, Viewer, requires
from engage.web.forms import Form, error_context, parse_day, savepoint, whole_number
from engage.web.links import redirect

FIELD_IDS = {
    "approved": "approved-yes",
    "board": "board",
    "decided_on": "decided_on",
    "actions": "actions",
    "without_consensus": "without_consensus",
    "title": "title",
    "description": "description",
    "themes": "theme-0",
    "what_changed": "what_changed",
    "reference": "reference",
    "status": "status-shortlisted",
    "comment": "comment",
}

Action = Callable[[Conn], Awaitable[None]]


def _text(data: dict[str, Any]) -> PropositionText:
    themes = data.get("themes", [])
    return PropositionText(
        title=str(data.get("title", ""))[:500],
        description=str(data.get("description", ""))[:10_000],
        for_whom=str(data.get("for_whom", ""))[:1000],
        themes=[str(t) for t in (themes if isinstance(themes, list) else [themes])],
    )


@dataclass
class PropositionDesk:
    """One proposition's page as a request sees it: what every handler under /staff/propositions/{id} needs to
    show the page, or to make a change and show the page again with its refusal."""

    request: Request[Any, Any, Any]
    conn: Conn
    viewer: Viewer
    sight: ReaderSight
    quorum: int
    proposition_id: UUID

    async def page(
        self,
        errors: list[FieldError] | None = None,
        status: int = 200,
        *,
        decision_form: dict[str, str] | None = None,
    ) -> Template:
        conn, sight, proposition_id, quorum = self.conn, self.sight, self.proposition_id, self.quorum
        detail = await propositions.view_proposition(conn, proposition_id, sight)
        if detail is None:
            raise HTTPException(status_code=404, detail="No proposition with this address.")
        programme = await programme_queries.get_programme(conn, detail.proposition.programme)
        framework = await tag_queries.get_framework(conn, programme.framework_id) if programme else None
        can_edit = await runs_programme(conn, detail.proposition.programme, self.viewer)
        round_results = await consensus.results_for_proposition(conn, proposition_id, sight, quorum=quorum)
        summary = await consensus.summarise_consensus(conn, proposition_id, sight, quorum=quorum)
        return Template(
            "staff/proposition.html",
            context={
                "viewer": self.viewer,
                "detail": detail,
                "consensus_summary": summary,
                "decision_form": decision_form or {},
                "p": detail.proposition,
                "programme": programme,
                "framework": framework,
                "can_edit": can_edit,
                "STATUS_LABELS": STATUS_LABELS,
                "round_results": round_results,
                **error_context(errors or [], FIELD_IDS),
            },
            status_code=status,
        )

    async def act(self, action: Action, *, decision_form: dict[str, str] | None = None) -> Template | Redirect:
        """Make a change in a savepoint (a refused change leaves nothing behind); then back to the page."""
        async with savepoint(self.conn, PropositionProblem) as refusal:
            await action(self.conn)
        if refusal.errors:
            return await self.page(refusal.errors, 422, decision_form=decision_form)
        return redirect(self.request, "staff-proposition", proposition_id=self.proposition_id)


async def provide_desk(
    request: Request[Any, Any, Any],
    conn: Conn,
    viewer: Viewer,
    sight: ReaderSight,
    settings: AppSettings,
    proposition_id: FromPath[UUID],
) -> PropositionDesk:
    return PropositionDesk(request, conn, viewer, sight, settings.consensus_quorum, proposition_id)


Desk = NamedDependency[PropositionDesk]


class PropositionsController(Controller):
    path = "/staff"
    include_in_schema = False
    dependencies = {"desk": Provide(provide_desk)}  # noqa: RUF012 - Litestar reads it as declared

    @get(
        "/programmes/{slug:str}/propositions/new",
        name="staff-proposition-new",
        guards=[requires("run_programmes")],
    )
    async def new(self, conn: Conn, viewer: Viewer, slug: FromPath[str]) -> Template:
        return await self._new_page(conn, viewer, slug, {}, [])

    async def _new_page(
        self,
        conn: Conn,
        viewer: Viewer,
        slug: str,
        form: dict[str, Any],
        errors: list[FieldError],
        status: int = 200,
    ) -> Template:
        programme = await programme_queries.get_programme(conn, slug)
        if programme is None:
            raise HTTPException(status_code=404, detail="No programme with this address.")
        framework = await tag_queries.get_framework(conn, programme.framework_id)
        return Template(
            "staff/proposition_new.html",
            context={
                "viewer": viewer,
                "programme": programme,
                "framework": framework,
                "form": form,
                **error_context(errors, FIELD_IDS),
            },
            status_code=status,
        )

    @post(
        "/programmes/{slug:str}/propositions/new",
        name="staff-proposition-create",
        status_code=200,
        guards=[requires("run_programmes")],
    )
    async def create(
        self, request: Request[Any, Any, Any], conn: Conn, viewer: Viewer, slug: FromPath[str], data: Form
    ) -> Template | Redirect:
        text = _text(data)
        async with savepoint(conn, PropositionProblem) as refusal:
            proposition_id = await propositions.draft_proposition(conn, slug, viewer, text)
        if refusal.errors:
            form = {
                "title": text.title,
                "description": text.description,
                "for_whom": text.for_whom,
                "themes": text.themes,
            }
            return await self._new_page(conn, viewer, slug, form, refusal.errors, 422)
        return redirect(request, "staff-proposition", proposition_id=proposition_id)

    @get("/propositions/{proposition_id:uuid}", name="staff-proposition", guards=[requires("read_contributions")])
    async def show(self, desk: Desk) -> Template:
        return await desk.page()

    @post(
        "/propositions/{proposition_id:uuid}/versions",
        name="staff-proposition-revise",
        status_code=200,
        guards=[requires("run_programmes")],
    )
    async def revise(self, desk: Desk, data: Form) -> Template | Redirect:
        expected = str(data.get("version", ""))

        async def action(conn: Conn) -> None:
            await propositions.revise_proposition(
                conn,
                desk.proposition_id,
                desk.viewer,
                _text(data),
                what_changed=str(data.get("what_changed", "")),
                why=str(data.get("why", "")),
                expected_version=whole_number(expected, lo=0, hi=1_000_000) or -1,
            )

        return await desk.act(action)

    @post(
        "/propositions/{proposition_id:uuid}/status",
        name="staff-proposition-status",
        status_code=200,
        guards=[requires("run_programmes")],
    )
    async def status(self, desk: Desk, data: Form) -> Template | Redirect:
        async def action(conn: Conn) -> None:
            await propositions.set_status(conn, desk.proposition_id, desk.viewer, str(data.get("status", "")))

        return await desk.act(action)

    @post(
        "/propositions/{proposition_id:uuid}/evidence",
        name="staff-proposition-pin",
        status_code=200,
        guards=[requires("run_programmes")],
    )
    async def pin(self, desk: Desk, data: Form) -> Template | Redirect:
        async def action(conn: Conn) -> None:
            reference = normalise_reference(str(data.get("reference", ""))[:40])
            contribution_id = await queries.contribution_id_by_reference(conn, reference)
            if contribution_id is None:
                raise PropositionProblem("reference", "No contribution has this reference.")
            await propositions.pin_evidence(conn, desk.proposition_id, desk.viewer, contribution_id)

        return await desk.act(action)

    @post(
        "/propositions/{proposition_id:uuid}/decision",
        name="staff-proposition-decide",
        status_code=200,
        guards=[requires("run_programmes")],
    )
    async def decide(self, desk: Desk, data: Form) -> Template | Redirect:
        async def action(conn: Conn) -> None:
            try:
                decided_on = parse_day(str(data.get("decided_on", "")))
                if decided_on is None:
                    raise ValueError
            except ValueError as exc:
                raise PropositionProblem("decided_on", "Give the date of the decision, like 2026-03-14.") from exc
            decision = Decision(
                approved=str(data.get("approved", "")) == "yes",
                board=str(data.get("board", "")),
                decided_on=decided_on,
                **{
                    name: str(data.get(name, ""))
                    for name in (
                        "decision_note",
                        "actions",
                        "owner",
                        "budget",
                        "resourcing",
                        "milestones",
                        "without_consensus",
                    )
                },
            )
            if str(data.get("approved", "")) not in ("yes", "no"):
                raise PropositionProblem("approved", "Say whether the board approved it.")
            summary = await consensus.summarise_consensus(conn, desk.proposition_id, desk.sight, quorum=desk.quorum)
            await propositions.record_decision(conn, desk.proposition_id, desk.viewer, decision, summary)

        typed = {name: str(value) for name, value in data.items() if name != "_csrf_token"}
        return await desk.act(action, decision_form=typed)

    @post(
        "/propositions/{proposition_id:uuid}/evidence/{contribution_id:uuid}/remove",
        name="staff-proposition-unpin",
        status_code=200,
        guards=[requires("run_programmes")],
    )
    async def unpin(self, desk: Desk, contribution_id: FromPath[UUID]) -> Template | Redirect:
        async def action(conn: Conn) -> None:
            await propositions.unpin_evidence(conn, desk.proposition_id, desk.viewer, contribution_id)

        return await desk.act(action)

    @post(
        "/propositions/{proposition_id:uuid}/comments",
        name="staff-proposition-comment",
        status_code=200,
        guards=[requires("read_contributions")],
    )
    async def comment(self, desk: Desk, relay: Relay, data: Form) -> Template | Redirect:
        async def action(conn: Conn) -> None:
            await propositions.post_comment(
                conn, desk.proposition_id, desk.viewer, str(data.get("comment", ""))[:10_000]
            )

        answer = await desk.act(action)
        relay.wake()  # the worker redacts the comment for readers of redacted words
        return answer

    @post(
        "/comments/{comment_id:uuid}/withdraw",
        name="staff-comment-withdraw",
        status_code=303,
        guards=[requires("read_contributions")],
    )
    async def withdraw_comment(
        self, request: Request[Any, Any, Any], conn: Conn, viewer: Viewer, comment_id: FromPath[UUID]
    ) -> Redirect:
        async with conn.transaction():
            proposition_id = await propositions.withdraw_comment(conn, comment_id, viewer)
        return redirect(request, "staff-proposition", proposition_id=proposition_id, fragment="comments")
