"""Pages for citizens: no account, works without JavaScript, plain English."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromQuery
from litestar.response import Template

from engage.citizens import service as citizens
from engage.citizens.models import OwnContribution
from engage.contributions import queries as contribution_queries
from engage.contributions.models import (
    LANGUAGES,
    Contact,
    Equality,
    FieldError,
    IdempotencyConflict,
    InvalidContribution,
    Submission,
    WithdrawalRefused,
)
from engage.contributions.service import withdraw_contribution
from engage.db import transaction
from engage.ids import fingerprint
from engage.privacy import service as privacy
from engage.privacy.models import RetentionPeriods
from engage.programmes import queries as programme_queries
from engage.web.deps import (
    AppSettings,
    Conn,
    RateLimiter,
    client_address,
    intake_of,
    pool_of,
    relay_of,
    settings_of,
)
from engage.web.forms import EQUALITY_CHOICES, FORM_FIELD_IDS, Form, consent_from, error_context, fields, optional


def _limiter(state: State) -> RateLimiter:
    return state["form_limiter"]  # type: ignore[no-any-return]


async def _give_context(state: State, form: dict[str, Any], errors: list[FieldError]) -> dict[str, Any]:
    async with pool_of(state).acquire() as conn:
        neighbourhoods = await contribution_queries.list_neighbourhoods(conn)
        programme = await programme_queries.get_programme(conn, form["programme"]) if form.get("programme") else None
    return {
        "programme": programme,
        "form": form,
        **error_context(errors, FORM_FIELD_IDS),
        "neighbourhoods": neighbourhoods,
        "equality_choices": EQUALITY_CHOICES,
    }


class PublicController(Controller):
    include_in_schema = False

    @get("/", name="home")
    async def home(self) -> Template:
        return Template("public/home.html", context={})

    @get("/privacy", name="privacy")
    async def privacy_notice(self, conn: Conn, settings: AppSettings) -> Template:
        return Template(
            "public/privacy.html",
            context={
                "settings": settings,
                "periods": RetentionPeriods.from_settings(settings),
                "last_run": await privacy.last_retention_run(conn),
            },
        )

    @get("/accessibility", name="accessibility")
    async def accessibility_statement(self, settings: AppSettings) -> Template:
        return Template("public/accessibility.html", context={"settings": settings})

    @get("/give", name="give")
    async def give_form(
        self, state: State, kind: FromQuery[str] = "i_statement", programme: FromQuery[str] = ""
    ) -> Template:
        form = {
            "kind": kind if kind in ("i_statement", "story") else "i_statement",
            "submission_id": uuid.uuid4().hex,
            "language": "en",
            # A programme's own link (/give?programme=...) gives to it; an unknown one is quietly ignored.
            "programme": programme[:64],
        }
        return Template("public/give.html", context=await _give_context(state, form, []))

    @post("/give", name="give-submit", status_code=200)
    async def give_submit(self, request: Request[Any, Any, Any], state: State, data: Form) -> Template:
        form: dict[str, Any] = fields(data)
        if form.get("website"):
            # The honeypot: a field people never see. Whoever filled it gets a polite page and stores nothing.
            return Template("public/thanks.html", context={})
        if not _limiter(state).allow(client_address(request)):
            return Template("public/slow_down.html", context={}, status_code=429, headers={"Retry-After": "60"})
        kind = form.get("kind", "")
        if kind not in ("i_statement", "story"):
            errors = [FieldError("kind", "Choose whether this is an I statement or a story.")]
            return Template("public/give.html", context=await _give_context(state, form, errors), status_code=422)
        submission_id = form.get("submission_id") or uuid.uuid4().hex
        equality = Equality(
            age_band=optional(form, "age_band"),
            ethnicity=optional(form, "ethnicity"),
            disability=optional(form, "disability"),
            carer=optional(form, "carer"),
            language=optional(form, "equality_language"),
        )
        email = optional(form, "email")
        submission = Submission(
            kind=kind,
            text=form.get("text", ""),
            consent=consent_from(form),
            source="web_form",
            neighbourhood=optional(form, "neighbourhood"),
            programme=optional(form, "programme", limit=64),
            language=optional(form, "language") or "en",
            contact=Contact(email=email, name=optional(form, "name")) if email else None,
            equality=equality,
            # The form carries its own idempotency key, so pressing Send twice or refreshing the receipt page
            # shows the same receipt instead of storing the words twice.
            idempotency_key=f"form:{submission_id[:64]}",
            fingerprint=fingerprint(kind, form.get("text", "")),
        )
        try:
            receipt = (await intake_of(state).submit(submission)).receipt
        except InvalidContribution as exc:
            context = await _give_context(state, form, exc.errors)
            return Template("public/give.html", context=context, status_code=422)
        except IdempotencyConflict:
            form["submission_id"] = uuid.uuid4().hex
            errors = [FieldError("text", "This form was already sent with other words. Check them and send again.")]
            return Template("public/give.html", context=await _give_context(state, form, errors), status_code=409)
        return Template(
            "public/receipt.html",
            context={"receipt": receipt, "kind": kind, "emailed": bool(email and submission.consent.contact)},
            headers={"Cache-Control": "no-store"},
        )

    @get("/withdraw", name="withdraw")
    async def withdraw_form(self, reference: FromQuery[str] = "", code: FromQuery[str] = "") -> Template:
        return Template(
            "public/withdraw.html",
            context={"form": {"reference": reference[:40], "code": code[:40]}, "errors": [], "error_for": {}},
            headers={"Cache-Control": "no-store"},
        )

    @post("/withdraw", name="withdraw-submit", status_code=200)
    async def withdraw_submit(self, request: Request[Any, Any, Any], state: State, data: Form) -> Template:
        form = {key: value[:40] for key, value in fields(data).items()}
        reference, code = form.get("reference", "").strip(), form.get("code", "").strip()
        errors = []
        if not reference:
            errors.append(FieldError("reference", "Enter the reference from your receipt, like ENG-4K7QP-2M9XT."))
        if not code:
            errors.append(FieldError("code", "Enter the withdrawal code from your receipt."))
        if not errors and not _limiter(state).allow("withdraw:" + client_address(request)):
            return Template("public/slow_down.html", context={}, status_code=429, headers={"Retry-After": "60"})
        if not errors:
            try:
                async with transaction(pool_of(state)) as conn:
                    withdrawn = await withdraw_contribution(
                        conn, reference, code, secret=settings_of(state).secret_key, via="citizen"
                    )
            except WithdrawalRefused:
                errors.append(
                    FieldError("code", "The reference and code do not match. Check both against your receipt.")
                )
            else:
                relay_of(state).wake()
                return Template("public/withdrawn.html", context={"reference": withdrawn})
        return Template(
            "public/withdraw.html",
            context={"form": form, "errors": errors, "error_for": {e.field: e.reason for e in errors}},
            status_code=422,
        )


class YourWordsController(Controller):
    """A citizen's own contribution, opened with the reference and withdrawal code from their receipt."""

    path = "/your-words"
    include_in_schema = False

    @get("/", name="your-words")
    async def open_form(self, reference: FromQuery[str] = "", code: FromQuery[str] = "") -> Template:
        form = {"reference": reference[:40], "code": code[:40]}
        return Template(
            "public/your_words_open.html",
            context={"form": form, **error_context([], FORM_FIELD_IDS)},
            headers={"Cache-Control": "no-store"},
        )

    async def _checked(
        self, request: Request[Any, Any, Any], state: State, data: Form
    ) -> tuple[dict[str, str], list[FieldError]]:
        form = {key: value[:40] for key, value in fields(data).items() if key in ("reference", "code", "what")}
        errors = []
        if not form.get("reference", "").strip():
            errors.append(FieldError("reference", "Enter the reference from your receipt, like ENG-4K7QP-2M9XT."))
        if not form.get("code", "").strip():
            errors.append(FieldError("code", "Enter the withdrawal code from your receipt."))
        if not errors and not _limiter(state).allow("your-words:" + client_address(request)):
            errors.append(FieldError("code", "Too many tries from here. Wait a minute, then try again."))
        return form, errors

    def _refused(self, form: dict[str, str], errors: list[FieldError]) -> Template:
        return Template(
            "public/your_words_open.html",
            context={"form": form, **error_context(errors, FORM_FIELD_IDS)},
            status_code=422,
            headers={"Cache-Control": "no-store"},
        )

    @post("/", name="your-words-open", status_code=200)
    async def show(self, request: Request[Any, Any, Any], state: State, settings: AppSettings, data: Form) -> Template:
        form, errors = await self._checked(request, state, data)
        if errors:
            return self._refused(form, errors)
        try:
            async with transaction(pool_of(state)) as conn:
                held = await citizens.view_own(
                    conn, form["reference"], form["code"], secret=settings.secret_key, framework=settings.framework
                )
        except WithdrawalRefused:
            return self._refused(form, [REFUSED])
        return self._page(held, form, done="")

    def _page(self, held: OwnContribution, form: dict[str, str], *, done: str) -> Template:
        return Template(
            "public/your_words.html",
            context={"held": held, "form": form, "done": done, "LANGUAGES": LANGUAGES},
            headers={"Cache-Control": "no-store"},
        )

    @post("/stop", name="your-words-stop", status_code=200)
    async def stop(self, request: Request[Any, Any, Any], state: State, settings: AppSettings, data: Form) -> Template:
        form, errors = await self._checked(request, state, data)
        what = form.get("what", "")
        if errors:
            return self._refused(form, errors)
        if what not in STOPPABLE:
            return self._refused(form, [FieldError("what", "Choose what to stop: quoting, sharing or contact.")])
        try:
            async with transaction(pool_of(state)) as conn:
                await citizens.stop_consent(conn, form["reference"], form["code"], what, secret=settings.secret_key)  # type: ignore[arg-type]
                held = await citizens.view_own(
                    conn, form["reference"], form["code"], secret=settings.secret_key, framework=settings.framework
                )
        except WithdrawalRefused:
            return self._refused(form, [REFUSED])
        return self._page(held, form, done=STOPPABLE[what])

    @post("/download", name="your-words-download", status_code=200)
    async def download(
        self, request: Request[Any, Any, Any], state: State, settings: AppSettings, data: Form
    ) -> Template | Response[bytes]:
        form, errors = await self._checked(request, state, data)
        if errors:
            return self._refused(form, errors)
        try:
            async with transaction(pool_of(state)) as conn:
                held = await citizens.download_own(
                    conn, form["reference"], form["code"], secret=settings.secret_key, framework=settings.framework
                )
        except WithdrawalRefused:
            return self._refused(form, [REFUSED])
        return Response(
            msgspec.json.format(msgspec.json.encode(held), indent=2),
            media_type="application/json",
            headers={
                "Content-Disposition": f'attachment; filename="engage-{held.reference}.json"',
                "Cache-Control": "no-store",
            },
        )


REFUSED = FieldError("code", "The reference and code do not match. Check both against your receipt.")
STOPPABLE = {
    "quote": "We will not quote your words any more, and we have removed them from reports already made.",
    "share": "We will not share your words with partner organisations any more.",
    "contact": "We will not contact you any more, and we have deleted your contact details.",
}
