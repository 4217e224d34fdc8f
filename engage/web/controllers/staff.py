"""Staff pages: sign in, read and search contributions, enter stories gathered on paper, mail problems."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie, State
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template

from engage.accounts import service as accounts
from engage.accounts.models import can
from engage.audit import queries as audit
from engage.contributions import queries as contribution_queries
from engage.contributions import service as contributions
from engage.contributions.models import (
    KIND_LABELS,
    Contact,
    FieldError,
    IdempotencyConflict,
    InvalidContribution,
    Submission,
)
from engage.db import transaction
from engage.ids import fingerprint
from engage.mail import queries as mail_queries
from engage.programmes import queries as programme_queries
from engage.propositions import queries as proposition_queries
from engage.safeguarding import queries as safeguarding_queries
from engage.tags import queries as tag_queries
from engage.web.controllers.api import filters_from_query
from engage.web.controllers.themes import highlight
from engage.web.deps import SESSION_COOKIE, client_address, pool_of, relay_of, require, settings_of
from engage.web.forms import FORM_FIELD_IDS, Form, consent_from, error_context, fields, optional
from engage.workshops import queries as workshop_queries


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect after sign-in is a phishing tool.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/staff/contributions"


class StaffController(Controller):
    path = "/staff"
    include_in_schema = False

    @get("/", name="staff-home")
    async def home(self) -> Redirect:
        return Redirect("/staff/contributions")

    @get("/sign-in", name="sign-in")
    async def sign_in_form(self, next_path: Annotated[str | None, QueryParameter(name="next")] = None) -> Template:
        return Template("staff/sign_in.html", context={"next": _safe_next(next_path), "error": None, "email": ""})

    @post("/sign-in", name="sign-in-submit", status_code=200)
    async def sign_in(self, request: Request[Any, Any, Any], state: State, data: Form) -> Template | Redirect:
        email = str(data.get("email", ""))[:254]
        password = str(data.get("password", ""))[:1000]
        target = _safe_next(str(data.get("next", "")))
        if not state["sign_in_limiter"].allow(client_address(request)):
            return Template("public/slow_down.html", context={}, status_code=429, headers={"Retry-After": "60"})
        settings = settings_of(state)
        try:
            async with transaction(pool_of(state)) as conn:
                _, raw = await accounts.sign_in(conn, email, password, session_hours=settings.session_hours)
        except accounts.SignInFailed:
            return Template(
                "staff/sign_in.html",
                context={"next": target, "email": email, "error": "The email address or password is wrong."},
                status_code=401,
            )
        return Redirect(
            target,
            cookies=[
                Cookie(
                    key=SESSION_COOKIE,
                    value=raw,
                    httponly=True,
                    secure=settings.secure_cookies,
                    samesite="lax",
                    max_age=settings.session_hours * 3600,
                    path="/",
                )
            ],
        )

    @post("/sign-out", name="sign-out", status_code=303)
    async def sign_out(self, request: Request[Any, Any, Any], state: State) -> Redirect:
        raw = request.cookies.get(SESSION_COOKIE)
        if raw:
            async with transaction(pool_of(state)) as conn:
                await accounts.sign_out(conn, raw)
        return Redirect("/staff/sign-in", cookies=[Cookie(key=SESSION_COOKIE, value="", max_age=0, path="/")])

    @get("/contributions", name="staff-contributions")
    async def list_contributions(
        self,
        request: Request[Any, Any, Any],
        state: State,
        kind: FromQuery[str] = "",
        neighbourhood: FromQuery[str] = "",
        source: FromQuery[str] = "",
        received_from: Annotated[str, QueryParameter(name="from")] = "",
        received_to: Annotated[str, QueryParameter(name="to")] = "",
        q: FromQuery[str] = "",
        theme: FromQuery[str] = "",
        flagged: FromQuery[str] = "",
        programme: FromQuery[str] = "",
        page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1,
    ) -> Template:
        # A GET form sends every field, empty or not: read them leniently and say what was ignored.
        viewer = await require(request, "read_contributions")
        notices: list[str] = []
        day_from, day_to = _day(received_from, "From", notices), _day(received_to, "To", notices)
        kind_value = kind if kind in KIND_LABELS else None
        if kind and kind_value is None:
            notices.append(f"“{kind}” is not a kind of contribution, so it was ignored.")
        filters = filters_from_query(kind_value, neighbourhood, source, day_from, day_to, q, page)  # type: ignore[arg-type]
        settings = settings_of(state)
        async with pool_of(state).acquire() as conn:
            framework = await tag_queries.get_framework(conn, settings.framework)
            theme_value = theme if framework and any(t.id == theme for t in framework.themes) else ""
            if theme and not theme_value:
                notices.append(f"“{theme}” is not a theme of this framework, so it was ignored.")
            flagged_only = flagged == "yes" and can(viewer.role, "handle_safeguarding")
            filters = msgspec.structs.replace(
                filters,
                theme=theme_value or None,
                framework=settings.framework,
                flagged=True if flagged_only else None,
                programme=programme[:64] or None,
            )
            result = await contributions.list_contributions(conn, viewer, filters)
            theme_counts = await contributions.count_by_theme(conn, viewer, filters)
            neighbourhoods = await contribution_queries.list_neighbourhoods(conn, active_only=False)
            source_names = await contribution_queries.list_source_names(conn)
        query = {
            "kind": kind_value or "",
            "neighbourhood": neighbourhood,
            "source": source,
            "from": day_from.isoformat() if day_from else "",
            "to": day_to.isoformat() if day_to else "",
            "q": q,
            "theme": theme_value,
            "flagged": "yes" if flagged_only else "",
            "programme": programme[:64],
        }
        base_query = urlencode({k: v for k, v in query.items() if v})
        return Template(
            "staff/contributions.html",
            context={
                "viewer": viewer,
                "page": result,
                "query": query,
                "base_query": base_query,
                "notices": notices,
                "neighbourhoods": neighbourhoods,
                "source_names": source_names,
                "can_enter": can(viewer.role, "enter_contributions"),
                "can_flag": can(viewer.role, "handle_safeguarding"),
                "framework": framework,
                "theme_counts": theme_counts,
            },
        )

    @get("/contributions/{contribution_id:uuid}", name="staff-contribution")
    async def show_contribution(
        self, request: Request[Any, Any, Any], state: State, contribution_id: FromPath[UUID]
    ) -> Template:
        viewer = await require(request, "read_contributions")
        settings = settings_of(state)
        async with transaction(pool_of(state)) as conn:
            detail = await contributions.view_contribution(conn, viewer, contribution_id)
            if detail is None:
                raise NotFoundException("No contribution with this id, or not one you may see.")
            framework = await tag_queries.get_framework(conn, settings.framework)
            analysis = await tag_queries.analysis_for(conn, contribution_id)
            theme_tags = await tag_queries.tags_for(conn, contribution_id, settings.framework)
            flag = await safeguarding_queries.get_flag(conn, contribution_id) if detail.contribution.flagged else None
            used_in = await proposition_queries.used_in(conn, contribution_id)
            workshop = await workshop_queries.workshop_of_note(conn, contribution_id)
        return Template(
            "staff/contribution.html",
            context={
                "viewer": viewer,
                "detail": detail,
                "c": detail.contribution,
                "framework": framework,
                "analysis": analysis,
                "theme_tags": theme_tags,
                "flag": flag,
                "segments": highlight(detail.contribution.text, theme_tags, framework) if framework else [],
                "can_review": can(viewer.role, "review_tags"),
                "can_approve_quotes": can(viewer.role, "approve_quotes"),
                "used_in": used_in,
                "workshop": workshop,
            },
            headers={"Cache-Control": "no-store"},
        )

    @post("/contributions/{contribution_id:uuid}/quote", name="staff-quote-approval", status_code=303)
    async def quote_approval(
        self, request: Request[Any, Any, Any], state: State, contribution_id: FromPath[UUID], data: Form
    ) -> Redirect:
        viewer = await require(request, "approve_quotes")
        try:
            async with transaction(pool_of(state)) as conn:
                await contributions.approve_quote(
                    conn, viewer, contribution_id, approve=fields(data).get("approve") == "yes"
                )
        except InvalidContribution as exc:
            raise HTTPException(status_code=422, detail=exc.errors[0].reason) from exc
        return Redirect(f"/staff/contributions/{contribution_id}#quoting", status_code=303)

    @get("/contributions/new", name="staff-enter")
    async def enter_form(self, request: Request[Any, Any, Any], state: State) -> Template:
        viewer = await require(request, "enter_contributions")
        form = {
            "kind": "story",
            "submission_id": uuid.uuid4().hex,
            "language": "en",
            "source_name": viewer.organisation or "",
        }
        return Template("staff/enter.html", context=await self._enter_context(state, viewer, form, []))

    @post("/contributions/new", name="staff-enter-submit", status_code=200)
    async def enter_submit(self, request: Request[Any, Any, Any], state: State, data: Form) -> Template | Redirect:
        viewer = await require(request, "enter_contributions")
        form: dict[str, Any] = fields(data)
        kind = form.get("kind", "")
        if kind not in ("i_statement", "story", "workshop_note"):
            errors = [FieldError("kind", "Choose the kind of contribution.")]
            return Template(
                "staff/enter.html",
                context=await self._enter_context(state, viewer, form, errors),
                status_code=422,
            )
        email, phone = optional(form, "email"), optional(form, "phone", limit=40)
        submission = Submission(
            kind=kind,
            text=form.get("text", ""),
            consent=consent_from(form),
            source="staff_entry",
            source_name=optional(form, "source_name"),
            neighbourhood=optional(form, "neighbourhood"),
            programme=optional(form, "programme", limit=64),
            language=optional(form, "language") or "en",
            contact=Contact(name=optional(form, "name"), email=email, phone=phone) if (email or phone) else None,
            entered_by=viewer.id,
            idempotency_key=f"staff:{str(form.get('submission_id', ''))[:64] or uuid.uuid4().hex}",
            fingerprint=fingerprint(kind, form.get("text", "")),
        )
        try:
            async with transaction(pool_of(state)) as conn:
                receipt = (
                    await contributions.submit_contribution(conn, submission, secret=settings_of(state).secret_key)
                ).receipt
        except (InvalidContribution, IdempotencyConflict) as exc:
            errors = (
                exc.errors
                if isinstance(exc, InvalidContribution)
                else [FieldError("text", "This form was already sent with other words.")]
            )
            return Template(
                "staff/enter.html",
                context=await self._enter_context(state, viewer, form, errors),
                status_code=422,
            )
        relay_of(state).wake()
        return Redirect(f"/staff/contributions/{receipt.id}?entered=1")

    async def _enter_context(
        self, state: State, viewer: Any, form: dict[str, Any], errors: list[FieldError]
    ) -> dict[str, Any]:
        async with pool_of(state).acquire() as conn:
            neighbourhoods = await contribution_queries.list_neighbourhoods(conn)
            programmes = await programme_queries.list_programmes(conn)
        return {
            "programmes": programmes,
            "viewer": viewer,
            "form": form,
            **error_context(errors, FORM_FIELD_IDS),
            "neighbourhoods": neighbourhoods,
        }

    @get("/mail", name="staff-mail")
    async def mail_problems(self, request: Request[Any, Any, Any], state: State) -> Template:
        viewer = await require(request, "see_mail_problems")
        async with pool_of(state).acquire() as conn:
            problems = await mail_queries.list_messages(conn, statuses=["failed", "unconfirmed"])
            recent = await mail_queries.list_messages(conn, limit=50)
        return Template("staff/mail.html", context={"viewer": viewer, "problems": problems, "recent": recent})

    @post("/mail/{message_id:uuid}/resend", name="staff-mail-resend", status_code=303)
    async def resend(self, request: Request[Any, Any, Any], state: State, message_id: FromPath[UUID]) -> Redirect:
        viewer = await require(request, "see_mail_problems")
        async with transaction(pool_of(state)) as conn:
            if await mail_queries.requeue(conn, message_id):
                await audit.record(
                    conn,
                    actor=viewer.id,
                    action="mail.resent",
                    subject_type="mail",
                    subject_id=str(message_id),
                )
        return Redirect("/staff/mail")


def _day(value: str, label: str, notices: list[str]) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        notices.append(f"{label} date “{value[:20]}” is not a date like 2026-03-14, so it was ignored.")
        return None


class AdminController(Controller):
    """Administrators: the neighbourhood list and the audit trail."""

    path = "/staff"
    include_in_schema = False

    @get("/neighbourhoods", name="staff-neighbourhoods")
    async def neighbourhoods(self, request: Request[Any, Any, Any], state: State) -> Template:
        viewer = await require(request, "manage_places")
        return await self._neighbourhoods_page(state, viewer, {}, [])

    @post("/neighbourhoods", name="staff-neighbourhoods-add", status_code=200)
    async def add_neighbourhood(self, request: Request[Any, Any, Any], state: State, data: Form) -> Template | Redirect:
        viewer = await require(request, "manage_places")
        form = fields(data)
        try:
            async with transaction(pool_of(state)) as conn:
                await contributions.add_neighbourhood(conn, viewer, form.get("name", ""), form.get("borough", ""))
        except InvalidContribution as exc:
            page = await self._neighbourhoods_page(state, viewer, form, exc.errors)
            page.status_code = 422
            return page
        return Redirect("/staff/neighbourhoods")

    @post("/neighbourhoods/{slug:str}/active", name="staff-neighbourhoods-active", status_code=303)
    async def set_active(
        self, request: Request[Any, Any, Any], state: State, slug: FromPath[str], data: Form
    ) -> Redirect:
        viewer = await require(request, "manage_places")
        async with transaction(pool_of(state)) as conn:
            if not await contributions.set_neighbourhood_active(conn, viewer, slug, data.get("active") == "yes"):
                raise NotFoundException("No such neighbourhood.")
        return Redirect("/staff/neighbourhoods")

    async def _neighbourhoods_page(
        self, state: State, viewer: Any, form: dict[str, str], errors: list[FieldError]
    ) -> Template:
        async with pool_of(state).acquire() as conn:
            hoods = await contribution_queries.list_neighbourhoods(conn, active_only=False)
        return Template(
            "staff/neighbourhoods.html",
            context={
                "viewer": viewer,
                "neighbourhoods": hoods,
                "form": form,
                "errors": errors,
                "error_for": {e.field: e.reason for e in errors},
                "field_ids": {"name": "name", "borough": "borough"},
            },
        )

    @get("/audit", name="staff-audit")
    async def audit_trail(self, request: Request[Any, Any, Any], state: State) -> Template:
        viewer = await require(request, "read_audit")
        async with pool_of(state).acquire() as conn:
            entries = await audit.list_entries(conn, limit=300)
        return Template("staff/audit.html", context={"viewer": viewer, "entries": entries})
