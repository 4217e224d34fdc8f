"""Staff pages: sign in, read and search contributions, enter stories gathered on paper, mail problems."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.middleware.csrf import generate_csrf_token
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template

from engage import i18n
from engage.accounts import service as accounts
from engage.audit import queries as audit
from engage.contributions import queries as contribution_queries
from engage.contributions import service as contributions
from engage.contributions.models import (
    KIND_LABELS,
    Contact,
    IdempotencyConflict,
    InvalidContribution,
    Submission,
)
from engage.db import transaction
from engage.ids import fingerprint
from engage.mail import queries as mail_queries
from engage.mail import service as mail_service
from engage.privacy.visibility import sight_for
from engage.problems import FieldError
from engage.programmes import queries as programme_queries
from engage.propositions import queries as proposition_queries
from engage.safeguarding import queries as safeguarding_queries
from engage.tags import queries as tag_queries
from engage.web import sessions
from engage.web.deps import (
    SESSION_COOKIE,
    AppSettings,
    Conn,
    Intake,
    ReaderSight,
    Relay,
    Viewer,
    limits_of,
    pool_of,
    requires,
)
from engage.web.evidence import highlight
from engage.web.filters import filters_from_query
from engage.web.forms import FORM_FIELD_IDS, Form, consent_from, error_context, fields, optional, parse_day
from engage.web.links import redirect, url
from engage.workshops import queries as workshop_queries

ACCOUNT_FIELDS = {
    "current_password": "current_password",
    "new_password": "new_password",
    "confirm_password": "confirm_password",
}
ACCOUNT_DONE = {"password": "Your password is changed. You are signed out everywhere else."}


def _safe_next(request: Request[Any, Any, Any], target: str | None) -> str:
    # Only same-site paths: an open redirect after sign-in is a phishing tool.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url(request, "staff-contributions")


class StaffController(Controller):
    path = "/staff"
    include_in_schema = False

    @get("/", name="staff-home")
    async def home(self, request: Request[Any, Any, Any]) -> Redirect:
        return redirect(request, "staff-contributions", status_code=302)

    @get("/sign-in", name="sign-in")
    async def sign_in_form(
        self, request: Request[Any, Any, Any], next_path: Annotated[str | None, QueryParameter(name="next")] = None
    ) -> Template:
        context = {"next": _safe_next(request, next_path), "error": None, "email": ""}
        return Template("staff/sign_in.html", context=context)

    @post("/sign-in", name="sign-in-submit", status_code=200)
    async def sign_in(
        self, request: Request[Any, Any, Any], state: State, settings: AppSettings, data: Form
    ) -> Template | Redirect:
        email = str(data.get("email", ""))[:254]
        password = str(data.get("password", ""))[:1000]
        target = _safe_next(request, str(data.get("next", "")))
        limits = limits_of(state)
        address = limits.address(request)
        if (wait := await limits.sign_in.wait_needed(email, address)) is not None:
            minutes = max(1, round(wait / 60))
            error = (
                f"Too many wrong passwords for this account from this connection. Wait {wait:.0f} seconds and try "
                "again."
                if wait < 120
                else f"Too many wrong passwords from this connection. Wait about {minutes} minutes and try again."
            )
            context = {"next": target, "email": email, "error": error}
            return Template(
                "staff/sign_in.html", context=context, status_code=429, headers={"Retry-After": str(int(wait) + 1)}
            )
        # A new CSRF token with the new session: forms from before this sign-in (or another one) are refused.
        csrf = generate_csrf_token(secret=settings.secret_key)
        try:
            async with transaction(pool_of(state)) as conn:
                _, raw = await accounts.sign_in(
                    conn, email, password, session_hours=settings.session_hours, csrf_token=csrf
                )
        except accounts.SignInFailed:
            await limits.sign_in.failed(email, address)
            async with transaction(pool_of(state)) as conn:
                await accounts.record_failed_sign_in(conn, email)
            return Template(
                "staff/sign_in.html",
                context={"next": target, "email": email, "error": "The email address or password is wrong."},
                status_code=401,
            )
        await limits.sign_in.succeeded(email, address)
        return Redirect(
            target,
            cookies=sessions.signed_in(raw, csrf, settings),
        )

    @post("/sign-out", name="sign-out", status_code=303)
    async def sign_out(self, request: Request[Any, Any, Any], state: State) -> Redirect:
        raw = request.cookies.get(SESSION_COOKIE)
        target = url(request, "sign-in")
        if raw:
            async with transaction(pool_of(state)) as conn:
                session = await accounts.session_for(conn, raw)
                if session is not None and session.user.role == "community_member":
                    target = url(request, "member-sign-in")  # they sign in by emailed link, not with a password
                await accounts.sign_out(conn, raw)
        return Redirect(
            target,
            cookies=sessions.signed_out(),
        )

    @get("/account", name="staff-account", guards=[requires("read_contributions")])
    async def account(self, viewer: Viewer, done: FromQuery[str] = "") -> Template:
        return self._account_page(viewer, [], done=ACCOUNT_DONE.get(done, ""))

    def _account_page(self, viewer: Viewer, errors: list[FieldError], *, done: str = "", status: int = 200) -> Template:
        return Template(
            "staff/account.html",
            context={"viewer": viewer, "done": done, **error_context(errors, ACCOUNT_FIELDS)},
            status_code=status,
            headers={"Cache-Control": "no-store"},
        )

    @post("/account/password", name="staff-account-password", status_code=200, guards=[requires("read_contributions")])
    async def change_password(
        self, request: Request[Any, Any, Any], conn: Conn, viewer: Viewer, data: Form
    ) -> Template | Redirect:
        form = fields(data)
        try:
            async with conn.transaction():
                await accounts.change_password(
                    conn,
                    viewer,
                    form.get("current_password", ""),
                    form.get("new_password", ""),
                    form.get("confirm_password", ""),
                    keep_session=request.cookies.get(SESSION_COOKIE, ""),
                )
        except accounts.PasswordProblem as exc:
            return self._account_page(viewer, exc.errors, status=422)
        return redirect(request, "staff-account", query={"done": "password"})

    @post(
        "/account/sign-out-everywhere",
        name="staff-sign-out-everywhere",
        status_code=303,
        guards=[requires("read_contributions")],
    )
    async def sign_out_everywhere(self, request: Request[Any, Any, Any], conn: Conn, viewer: Viewer) -> Redirect:
        await accounts.sign_out_everywhere(conn, viewer)
        return Redirect(
            url(request, "sign-in"),
            cookies=sessions.signed_out(),
        )

    @get("/contributions", name="staff-contributions", guards=[requires("read_contributions")])
    async def list_contributions(
        self,
        conn: Conn,
        viewer: Viewer,
        sight: ReaderSight,
        settings: AppSettings,
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
        notices: list[str] = []
        day_from, day_to = _day(received_from, "From", notices), _day(received_to, "To", notices)
        kind_value = kind if kind in KIND_LABELS else None
        if kind and kind_value is None:
            notices.append(f"“{kind}” is not a kind of contribution, so it was ignored.")
        filters = filters_from_query(kind_value, neighbourhood, source, day_from, day_to, q, page)  # type: ignore[arg-type]
        framework = await tag_queries.get_framework(conn, settings.framework)
        theme_value = theme if framework and any(t.id == theme for t in framework.themes) else ""
        if theme and not theme_value:
            notices.append(f"“{theme}” is not a theme of this framework, so it was ignored.")
        flagged_only = flagged == "yes" and sight.flagged
        filters = msgspec.structs.replace(
            filters,
            theme=theme_value or None,
            framework=settings.framework,
            flagged=True if flagged_only else None,
            programme=programme[:64] or None,
        )
        result = await contributions.list_contributions(conn, sight, filters)
        theme_counts = await contributions.count_by_theme(conn, sight, filters)
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
                "framework": framework,
                "theme_counts": theme_counts,
            },
        )

    @get("/contributions/{contribution_id:uuid}", name="staff-contribution", guards=[requires("read_contributions")])
    async def show_contribution(
        self, conn: Conn, viewer: Viewer, settings: AppSettings, contribution_id: FromPath[UUID]
    ) -> Template:
        detail = await contributions.view_contribution(conn, viewer, contribution_id)
        if detail is None:
            raise NotFoundException("No contribution with this id, or not one you may see.")
        framework = await tag_queries.get_framework(conn, settings.framework)
        analysis = await tag_queries.analysis_for(conn, contribution_id)
        theme_tags = await tag_queries.tags_for(conn, contribution_id, settings.framework)
        flag = (
            await safeguarding_queries.get_flag(conn, contribution_id, sight_for(viewer))
            if detail.contribution.flagged
            else None
        )
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
                # Evidence offsets point into the words as written; redacted words are shown without highlights.
                "segments": highlight(detail.contribution.text, theme_tags, framework)
                if framework and not detail.contribution.redacted
                else [{"text": detail.contribution.text, "themes": [], "ids": []}],
                "used_in": used_in,
                "workshop": workshop,
            },
            headers={"Cache-Control": "no-store"},
        )

    @post(
        "/contributions/{contribution_id:uuid}/quote",
        name="staff-quote-approval",
        status_code=303,
        guards=[requires("approve_quotes")],
    )
    async def quote_approval(
        self, request: Request[Any, Any, Any], conn: Conn, viewer: Viewer, contribution_id: FromPath[UUID], data: Form
    ) -> Redirect:
        await contributions.approve_quote(conn, viewer, contribution_id, approve=fields(data).get("approve") == "yes")
        return redirect(request, "staff-contribution", contribution_id=contribution_id, fragment="quoting")

    @post(
        "/contributions/{contribution_id:uuid}/withdraw",
        name="staff-withdraw-on-behalf",
        status_code=200,
        guards=[requires("withdraw_on_behalf")],
    )
    async def withdraw_on_behalf(
        self,
        conn: Conn,
        viewer: Viewer,
        relay: Relay,
        contribution_id: FromPath[UUID],
        data: Form,
    ) -> Template:
        """For someone who asks by phone or in person: the reason is required and kept in the audit trail."""
        reference = await contributions.withdraw_on_behalf(
            conn, viewer, contribution_id, reason=fields(data).get("reason", "")
        )
        relay.wake()
        return Template("staff/withdrawn.html", context={"viewer": viewer, "reference": reference})

    @post(
        "/contributions/{contribution_id:uuid}/translation",
        name="staff-translate",
        status_code=303,
        guards=[requires("translate")],
    )
    async def translate(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        viewer: Viewer,
        relay: Relay,
        contribution_id: FromPath[UUID],
        data: Form,
    ) -> Redirect:
        """Keep an English translation beside the words as written; the worker tags and redacts it."""
        form = fields(data)
        await contributions.translate_contribution(conn, viewer, contribution_id, form.get("translation", ""))
        relay.wake()
        page = url(request, "staff-contribution", contribution_id=contribution_id)
        back = form.get("back", "")
        if back not in (page, url(request, "staff-review", query={"translated": "1"})):
            back = page
        return Redirect(back, status_code=303)

    @get("/contributions/new", name="staff-enter", guards=[requires("enter_contributions")])
    async def enter_form(self, conn: Conn, viewer: Viewer) -> Template:
        form = {
            "kind": "story",
            "submission_id": uuid.uuid4().hex,
            "language": "en",
            "locale": "en",
            "channel": "paper",
            "source_name": viewer.organisation or "",
        }
        return Template("staff/enter.html", context=await self._enter_context(conn, viewer, form, []))

    @post("/contributions/new", name="staff-enter-submit", status_code=200, guards=[requires("enter_contributions")])
    async def enter_submit(
        self, conn: Conn, viewer: Viewer, settings: AppSettings, intake: Intake, relay: Relay, data: Form
    ) -> Template:
        form: dict[str, Any] = fields(data)
        kind = form.get("kind", "")
        errors: list[FieldError] = []
        if kind not in ("i_statement", "story", "workshop_note"):
            errors.append(FieldError("kind", "Choose the kind of contribution."))
        gathered_on = _day(form.get("gathered_on", ""), "", [])
        if form.get("gathered_on", "").strip() and (gathered_on is None or gathered_on > date.today()):
            errors.append(
                FieldError("gathered_on", "Give the date it was gathered, like 2026-03-14, not in the future.")
            )
        if errors:
            return Template(
                "staff/enter.html", context=await self._enter_context(conn, viewer, form, errors), status_code=422
            )
        email, phone = optional(form, "email"), optional(form, "phone", limit=40)
        channel = form.get("channel", "paper")
        submission = Submission(
            kind=kind,
            text=form.get("text", ""),
            consent=consent_from(form),
            # Taken down by phone, or typed in from paper or from what someone said in person.
            source="phone" if channel == "phone" else "staff_entry",
            locale=i18n.supported(form.get("locale")) or i18n.SOURCE,
            reference=optional(form, "paper_reference", limit=40) if channel == "paper" else None,
            source_name=optional(form, "source_name"),
            neighbourhood=optional(form, "neighbourhood"),
            programme=optional(form, "programme", limit=64),
            language=optional(form, "language") or "en",
            contact=Contact(name=optional(form, "name"), email=email, phone=phone) if (email or phone) else None,
            entered_by=viewer.id,
            idempotency_key=f"staff:{str(form.get('submission_id', ''))[:64] or uuid.uuid4().hex}",
            fingerprint=fingerprint(kind, form.get("text", "")),
            received_at=datetime.combine(gathered_on, time(12), tzinfo=UTC) if gathered_on else None,
        )
        try:
            if submission.reference is None:
                # Group commit: answered once the batch this joins has committed (engage.contributions.intake).
                receipt = (await intake.submit(submission)).receipt
            else:
                # A pre-printed paper form is claimed, written and marked used in this request's transaction, not
                # batched (a savepoint: a refused entry leaves the request's transaction usable).
                async with conn.transaction():
                    receipt = (
                        await contributions.submit_contribution(conn, submission, secret=settings.secret_key)
                    ).receipt
                relay.wake()
        except (InvalidContribution, IdempotencyConflict) as exc:
            errors = (
                exc.errors
                if isinstance(exc, InvalidContribution)
                else [FieldError("text", "This form was already sent with other words.")]
            )
            return Template(
                "staff/enter.html", context=await self._enter_context(conn, viewer, form, errors), status_code=422
            )
        # The reference and code, to hand or post back to the person: with them they can withdraw their words.
        return Template(
            "staff/entered.html",
            context={
                "viewer": viewer,
                "receipt": receipt,
                "kind": kind,
                "base_url": settings.base_url,
                "by_phone": submission.source == "phone",
                "read_out": {"reference": spoken(receipt.reference), "code": spoken(receipt.withdrawal_code)},
                "email_language": i18n.languages()[submission.locale].name,
            },
            headers={"Cache-Control": "no-store"},
        )

    async def _enter_context(
        self, conn: Conn, viewer: Viewer, form: dict[str, Any], errors: list[FieldError]
    ) -> dict[str, Any]:
        neighbourhoods = await contribution_queries.list_neighbourhoods(conn)
        programmes = await programme_queries.list_programmes(conn)
        return {
            "programmes": programmes,
            "viewer": viewer,
            "form": form,
            **error_context(errors, FORM_FIELD_IDS),
            "neighbourhoods": neighbourhoods,
        }

    @get("/mail", name="staff-mail", guards=[requires("see_mail_problems")])
    async def mail_problems(self, conn: Conn, viewer: Viewer) -> Template:
        problems = await mail_queries.list_messages(conn, statuses=["failed", "unconfirmed"])
        recent = await mail_queries.list_messages(conn, limit=50)
        return Template("staff/mail.html", context={"viewer": viewer, "problems": problems, "recent": recent})

    @post(
        "/mail/{message_id:uuid}/resend",
        name="staff-mail-resend",
        status_code=303,
        guards=[requires("see_mail_problems")],
    )
    async def resend(
        self, request: Request[Any, Any, Any], conn: Conn, viewer: Viewer, message_id: FromPath[UUID]
    ) -> Redirect:
        await mail_service.resend_message(conn, viewer, message_id)
        return redirect(request, "staff-mail", status_code=302)


PHONETIC = {
    "A": "Alpha", "B": "Bravo", "C": "Charlie", "D": "Delta", "E": "Echo", "F": "Foxtrot", "G": "Golf",
    "H": "Hotel", "J": "Juliet", "K": "Kilo", "M": "Mike", "N": "November", "P": "Papa", "Q": "Quebec",
    "R": "Romeo", "S": "Sierra", "T": "Tango", "V": "Victor", "W": "Whiskey", "X": "X-ray", "Y": "Yankee",
    "Z": "Zulu",
}  # fmt: skip
"""The spelling alphabet, for reading references over the phone (Crockford's letters: no I, L, O or U)."""


def spoken(code: str) -> list[list[str]]:
    """A reference or code as groups of characters to read out: ``ENG-4K7QP`` -> [["E for Echo", ...], [...]]."""
    return [
        [f"{ch} as in {PHONETIC[ch]}" if ch in PHONETIC else ch for ch in group] for group in code.split("-") if group
    ]


def _day(value: str, label: str, notices: list[str]) -> date | None:
    if not value.strip():
        return None
    try:
        found = parse_day(value)
        if found is None:
            raise ValueError(value)
        return found
    except ValueError:
        notices.append(f"{label} date “{value[:20]}” is not a date like 2026-03-14, so it was ignored.")
        return None


class AdminController(Controller):
    """Administrators: the neighbourhood list and the audit trail."""

    path = "/staff"
    include_in_schema = False

    @get("/neighbourhoods", name="staff-neighbourhoods", guards=[requires("manage_places")])
    async def neighbourhoods(self, conn: Conn, viewer: Viewer) -> Template:
        return await self._neighbourhoods_page(conn, viewer, {}, [])

    @post("/neighbourhoods", name="staff-neighbourhoods-add", status_code=200, guards=[requires("manage_places")])
    async def add_neighbourhood(
        self, request: Request[Any, Any, Any], conn: Conn, viewer: Viewer, data: Form
    ) -> Template | Redirect:
        form = fields(data)
        try:
            async with conn.transaction():
                await contributions.add_neighbourhood(conn, viewer, form.get("name", ""), form.get("borough", ""))
        except InvalidContribution as exc:
            page = await self._neighbourhoods_page(conn, viewer, form, exc.errors)
            page.status_code = 422
            return page
        return redirect(request, "staff-neighbourhoods", status_code=302)

    @post(
        "/neighbourhoods/{slug:str}/active",
        name="staff-neighbourhoods-active",
        status_code=303,
        guards=[requires("manage_places")],
    )
    async def set_active(
        self, request: Request[Any, Any, Any], conn: Conn, viewer: Viewer, slug: FromPath[str], data: Form
    ) -> Redirect:
        if not await contributions.set_neighbourhood_active(conn, viewer, slug, data.get("active") == "yes"):
            raise NotFoundException("No such neighbourhood.")
        return redirect(request, "staff-neighbourhoods", status_code=302)

    async def _neighbourhoods_page(
        self, conn: Conn, viewer: Viewer, form: dict[str, str], errors: list[FieldError]
    ) -> Template:
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

    @get("/users", name="staff-users", guards=[requires("manage_users")])
    async def users(self, conn: Conn, viewer: Viewer, done: FromQuery[str] = "") -> Template:
        return Template(
            "staff/users.html",
            context={"viewer": viewer, "users": await accounts.list_users(conn, viewer), "done": done[:254]},
            headers={"Cache-Control": "no-store"},
        )

    @post(
        "/users/{user_id:uuid}/end-sessions",
        name="staff-users-end-sessions",
        status_code=303,
        guards=[requires("manage_users")],
    )
    async def end_sessions(
        self, request: Request[Any, Any, Any], conn: Conn, viewer: Viewer, user_id: FromPath[UUID]
    ) -> Redirect:
        ended = await accounts.end_sessions(conn, viewer, user_id)
        return redirect(request, "staff-users", query={"done": str(ended)})

    @get("/audit", name="staff-audit", guards=[requires("read_audit")])
    async def audit_trail(
        self,
        conn: Conn,
        viewer: Viewer,
        person: FromQuery[str] = "",
        action: FromQuery[str] = "",
        received_from: Annotated[str, QueryParameter(name="from")] = "",
        received_to: Annotated[str, QueryParameter(name="to")] = "",
    ) -> Template:
        notices: list[str] = []
        day_from, day_to = _day(received_from, "From", notices), _day(received_to, "To", notices)
        entries = await audit.list_entries(
            conn,
            actor_email=person.strip()[:254] or None,
            action=action.strip()[:80] or None,
            since=datetime.combine(day_from, time.min, tzinfo=UTC) if day_from else None,
            until=datetime.combine(day_to, time.min, tzinfo=UTC) + timedelta(days=1) if day_to else None,
            limit=300,
        )
        return Template(
            "staff/audit.html",
            context={
                "viewer": viewer,
                "entries": entries,
                "actions": await audit.list_actions(conn),
                "notices": notices,
                "query": {"person": person, "action": action, "from": received_from, "to": received_to},
            },
        )
