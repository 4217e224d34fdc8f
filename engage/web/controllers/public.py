"""Pages for citizens: no account, works without JavaScript, plain English."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import FromQuery
from litestar.response import Template

from engage.contributions import queries as contribution_queries
from engage.contributions.models import (
    Contact,
    Equality,
    FieldError,
    IdempotencyConflict,
    InvalidContribution,
    Submission,
    WithdrawalRefused,
)
from engage.contributions.service import submit_contribution, withdraw_contribution
from engage.db import transaction
from engage.ids import fingerprint
from engage.programmes import queries as programme_queries
from engage.web.deps import RateLimiter, client_address, pool_of, relay_of, settings_of
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
        settings = settings_of(state)
        try:
            async with transaction(pool_of(state)) as conn:
                receipt = (await submit_contribution(conn, submission, secret=settings.secret_key)).receipt
        except InvalidContribution as exc:
            context = await _give_context(state, form, exc.errors)
            return Template("public/give.html", context=context, status_code=422)
        except IdempotencyConflict:
            form["submission_id"] = uuid.uuid4().hex
            errors = [FieldError("text", "This form was already sent with other words. Check them and send again.")]
            return Template("public/give.html", context=await _give_context(state, form, errors), status_code=409)
        relay_of(state).wake()
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
