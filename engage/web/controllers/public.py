"""Pages for citizens: no account, works without JavaScript, plain English."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie, State
from litestar.exceptions import NotFoundException
from litestar.middleware.csrf import generate_csrf_token
from litestar.params import FromQuery
from litestar.response import Template
from litestar.utils.scope.state import ScopeState

from engage.citizens import service as citizens
from engage.citizens.models import OwnContribution
from engage.contributions import queries as contribution_queries
from engage.contributions.models import (
    LANGUAGES,
    MAX_TEXT_CHARS,
    Contact,
    Equality,
    IdempotencyConflict,
    InvalidContribution,
    Receipt,
    Submission,
    WithdrawalRefused,
)
from engage.contributions.service import withdraw_contribution
from engage.db import transaction
from engage.i18n import N_
from engage.ids import fingerprint
from engage.privacy import service as privacy
from engage.privacy.models import RetentionPeriods
from engage.problems import FieldError
from engage.programmes import queries as programme_queries
from engage.settings import Settings
from engage.web.deps import AppSettings, Conn, intake_of, limits_of, pool_of, relay_of, settings_of
from engage.web.forms import EQUALITY_CHOICES, FORM_FIELD_IDS, Form, consent_from, error_context, fields, optional
from engage.web.links import url
from engage.web.locale import locale_of

TOO_SOON = N_(
    "A lot has been sent from this connection in the last minute. Wait %(seconds)s seconds, then send again: "
    "what you wrote is still here."
)


async def _too_soon(request: Request[Any, Any, Any], state: State) -> FieldError | None:
    """The form limit for this address: None, or why to wait (shown at the top of the form, which keeps what was
    typed)."""
    limits = limits_of(state)
    wait = await limits.forms.allow(limits.address(request))
    if wait is None:
        return None
    return FieldError.of("text", TOO_SOON, seconds=max(1, round(wait)))


def _slow_down(template: str, context: dict[str, Any], error: FieldError) -> Template:
    return Template(
        template,
        context={**context, "errors": [error, *context.get("errors", [])]},
        status_code=429,
        headers={"Retry-After": "60", "Cache-Control": "no-store"},
    )


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
        "max_chars": MAX_TEXT_CHARS,
    }


def _receipt_page(
    request: Request[Any, Any, Any], receipt: Receipt, kind: str, *, emailed: bool, easy: bool = False
) -> Template:
    """The receipt; its language switch opens the same receipt again by reference and code (it was a POST)."""
    again = urlencode(
        {"reference": receipt.reference, "code": receipt.withdrawal_code, **({"easy": "1"} if easy else {})}
    )
    return Template(
        "public/easy_receipt.html" if easy else "public/receipt.html",
        context={
            "receipt": receipt,
            "kind": kind,
            "emailed": emailed,
            "switch_target": f"{url(request, 'give-receipt')}?{again}",
        },
        headers={"Cache-Control": "no-store"},
    )


async def give(request: Request[Any, Any, Any], state: State, data: dict[str, Any], *, easy: bool) -> Template:
    """Store what a citizen sent from the full form or the easy read one, and show the receipt (or the form again,
    with what they typed and each problem beside its field)."""
    form_template = "public/easy_give.html" if easy else "public/give.html"
    form: dict[str, Any] = fields(data)
    if form.get("website"):
        # The honeypot: a field people never see. Whoever filled it gets a polite page and stores nothing.
        return Template("public/thanks.html", context={})
    if (wait := await _too_soon(request, state)) is not None:
        return _slow_down(form_template, await _give_context(state, form, []), wait)
    kind = form.get("kind", "")
    if easy and not kind:
        kind = "story"  # the easy read form's first question can be left: the words are what matter
    if kind not in ("i_statement", "story"):
        errors = [FieldError("kind", N_("Choose whether this is an I statement or a story."))]
        return Template(form_template, context=await _give_context(state, form, errors), status_code=422)
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
        locale=locale_of(request),
        source_name=EASY_READ if easy else None,
        contact=Contact(email=email, name=optional(form, "name")) if email else None,
        equality=equality,
        # The form carries its own idempotency key, so pressing Send twice or refreshing the receipt page
        # shows the same receipt instead of storing the words twice.
        idempotency_key=f"form:{submission_id[:64]}",
        fingerprint=fingerprint(kind, form.get("text", "")),
    )
    try:
        # Group commit: answered once the batch this joins has committed (engage.contributions.intake).
        receipt = (await intake_of(state).submit(submission)).receipt
    except InvalidContribution as exc:
        context = await _give_context(state, form, exc.errors)
        return Template(form_template, context=context, status_code=422)
    except IdempotencyConflict:
        form["submission_id"] = uuid.uuid4().hex
        errors = [FieldError("text", N_("This form was already sent with other words. Check them and send again."))]
        return Template(form_template, context=await _give_context(state, form, errors), status_code=409)
    return _receipt_page(request, receipt, kind, emailed=bool(email and submission.consent.contact), easy=easy)


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
        self,
        request: Request[Any, Any, Any],
        state: State,
        kind: FromQuery[str] = "i_statement",
        programme: FromQuery[str] = "",
    ) -> Template:
        locale = locale_of(request)
        form = {
            "kind": kind if kind in ("i_statement", "story") else "i_statement",
            "submission_id": uuid.uuid4().hex,
            # Someone reading the Portuguese page most likely writes in Portuguese; they can say otherwise.
            "language": locale if locale in LANGUAGES else "en",
            # A programme's own link (/give?programme=...) gives to it; an unknown one is quietly ignored.
            "programme": programme[:64],
        }
        return Template("public/give.html", context=await _give_context(state, form, []))

    @post("/give", name="give-submit", status_code=200)
    async def give_submit(self, request: Request[Any, Any, Any], state: State, data: Form) -> Template:
        return await give(request, state, data, easy=False)

    @get("/give/receipt", name="give-receipt")
    async def receipt_again(
        self,
        request: Request[Any, Any, Any],
        state: State,
        conn: Conn,
        settings: AppSettings,
        reference: FromQuery[str] = "",
        code: FromQuery[str] = "",
        easy: FromQuery[str] = "",
    ) -> Template:
        """A receipt shown again from its reference and code (the language switch on a receipt comes here). Limited
        like withdrawal, so it is no faster a way to guess codes."""
        if await _too_soon(request, state) is not None:
            return Template("public/slow_down.html", context={}, status_code=429, headers={"Retry-After": "60"})
        try:
            receipt, kind = await citizens.receipt_for(conn, reference[:40], code[:40], secret=settings.secret_key)
        except WithdrawalRefused as exc:
            raise NotFoundException(REFUSED.reason) from exc
        return _receipt_page(request, receipt, kind, emailed=False, easy=easy == "1")

    @get("/give/paper", name="give-paper")
    async def paper_form(self, conn: Conn) -> Template:
        """A form to print and fill in by hand, in the reader's language (staff print numbered ones for events)."""
        return Template(
            "public/paper.html",
            context={"forms": [None], "neighbourhoods": await contribution_queries.list_neighbourhoods(conn)},
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
            errors.append(FieldError("reference", NEED_REFERENCE))
        if not code:
            errors.append(FieldError("code", NEED_CODE))
        if not errors and (wait := await _too_soon(request, state)) is not None:
            context = {"form": form, "errors": [], "error_for": {}}
            return _slow_down("public/withdraw.html", context, msgspec.structs.replace(wait, field="code"))
        if not errors:
            try:
                async with transaction(pool_of(state)) as conn:
                    withdrawn = await withdraw_contribution(
                        conn, reference, code, secret=settings_of(state).secret_key, via="citizen"
                    )
            except WithdrawalRefused:
                errors.append(REFUSED)
            else:
                relay_of(state).wake()
                return Template("public/withdrawn.html", context={"reference": withdrawn})
        return Template(
            "public/withdraw.html",
            context={"form": form, **error_context(errors, FORM_FIELD_IDS)},
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
            errors.append(FieldError("reference", NEED_REFERENCE))
        if not form.get("code", "").strip():
            errors.append(FieldError("code", NEED_CODE))
        if not errors and (wait := await _too_soon(request, state)) is not None:
            errors.append(msgspec.structs.replace(wait, field="code"))
        return form, errors

    def _refused(self, form: dict[str, str], errors: list[FieldError]) -> Template:
        waiting = any(e.msgid == TOO_SOON for e in errors)
        return Template(
            "public/your_words_open.html",
            context={"form": form, **error_context(errors, FORM_FIELD_IDS)},
            status_code=429 if waiting else 422,
            headers={"Cache-Control": "no-store", **({"Retry-After": "60"} if waiting else {})},
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
            return self._refused(form, [FieldError("what", N_("Choose what to stop: quoting, sharing or contact."))])
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


REFUSED = FieldError("code", N_("The reference and code do not match. Check both against your receipt."))
NEED_REFERENCE = N_("Enter the reference from your receipt, like ENG-4K7QP-2M9XT.")
NEED_CODE = N_("Enter the withdrawal code from your receipt.")
STOPPABLE = {
    "quote": N_("We will not quote your words any more, and we have removed them from reports already made."),
    "share": N_("We will not share your words with partner organisations any more."),
    "contact": N_("We will not contact you any more, and we have deleted your contact details."),
}
EASY_READ = "Easy read form"
"""The source name of contributions given through the easy read form."""


class EasyReadController(Controller):
    """Easy read: short sentences, one idea a line, a picture for each step, big buttons. The same consent and
    the same receipt (reference and code), in every language Engage speaks."""

    path = "/easy-read"
    include_in_schema = False

    @get("/", name="easy-read")
    async def start(self) -> Template:
        return Template("public/easy_read.html", context={})

    @get("/give", name="easy-read-give")
    async def form(self, request: Request[Any, Any, Any], state: State) -> Template:
        locale = locale_of(request)
        form = {
            "kind": "",
            "submission_id": uuid.uuid4().hex,
            "language": locale if locale in LANGUAGES else "en",
        }
        return Template("public/easy_give.html", context=await _give_context(state, form, []))

    @post("/give", name="easy-read-give-submit", status_code=200)
    async def send(self, request: Request[Any, Any, Any], state: State, data: Form) -> Template:
        return await give(request, state, data, easy=True)


def expired_form(request: Request[Any, Any, Any], settings: Settings) -> Response[Any]:
    """A form sent without a matching CSRF cookie (the page was open for hours, or cookies were cleared): nothing
    was stored. The citizen sees a plain page that keeps what they typed, with a fresh token, to send it again to
    the same address; nothing is sent unless they press the button."""
    posted = ScopeState.from_scope(request.scope).form
    values = posted if isinstance(posted, dict) else {}
    kept = [
        (str(name), value)
        for name, many_values in values.items()
        if name != "_csrf_token"
        for value in (many_values if isinstance(many_values, list) else [many_values])
        if isinstance(value, str)
    ]
    token = generate_csrf_token(settings.secret_key)
    ScopeState.from_scope(request.scope).csrf_token = token
    return Template(
        "public/expired.html",
        context={
            "action": request.url.path,
            "shown": [(name, value) for name, value in kept if name in SHOWN_FIELDS or name.startswith("comment-")],
            "hidden": [
                (name, value) for name, value in kept if name not in SHOWN_FIELDS and not name.startswith("comment-")
            ],
        },
        status_code=403,
        cookies=[
            Cookie(
                key=CSRF_COOKIE, value=token, path="/", secure=settings.secure_cookies, samesite="lax", httponly=False
            )
        ],
        headers={"Cache-Control": "no-store"},
    )


SHOWN_FIELDS = ("text",)
"""Fields the expired-form page shows for checking (long words); the others travel hidden."""
CSRF_COOKIE = "engage_csrf"
