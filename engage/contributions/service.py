"""Use cases for contributions. Callers own the transaction; nothing here commits."""

from __future__ import annotations

import re
import unicodedata
from uuid import UUID

import asyncpg
import msgspec

from engage.accounts.models import StaffUser, can
from engage.audit import queries as audit
from engage.contributions import queries
from engage.contributions.models import (
    LANGUAGES,
    MAX_TEXT_CHARS,
    Contact,
    ContributionFilters,
    ContributionPage,
    ContributionRow,
    Equality,
    FieldError,
    IdempotencyConflict,
    InvalidContribution,
    Neighbourhood,
    Receipt,
    Submission,
    WithdrawalRefused,
)
from engage.ids import check_withdrawal_code, new_reference, normalise_reference, uuid7, withdrawal_code
from engage.outbox import queries as outbox
from engage.outbox.models import CONTRIBUTION_RECEIVED, CONTRIBUTION_WITHDRAWN
from engage.privacy.visibility import UNRESTRICTED, Sight, sight_for
from engage.safeguarding import queries as safeguarding_queries

EMAIL = re.compile(r"^[^@\s<>\"']{1,64}@[^@\s<>\"']+\.[^@\s<>\"']{2,}$")
_LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
_ALLOWED_CONTROLS = {"\n", "\t"}


def clean_text(text: str) -> str:
    """Normalise line endings and Unicode form; keep the words exactly as given otherwise."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def text_problem(text: str, *, max_chars: int = MAX_TEXT_CHARS) -> str | None:
    """Why this text cannot be accepted, in plain English, or None."""
    if not text.strip():
        return "is empty: write at least a few words"
    if len(text) > max_chars:
        return f"is too long: {len(text):,} characters, the most is {max_chars:,}"
    for ch in text:
        if ch not in _ALLOWED_CONTROLS and unicodedata.category(ch) in ("Cc", "Cs"):
            return f"contains a control character (U+{ord(ch):04X}) that cannot be stored"
    return None


def check_submission(sub: Submission) -> list[FieldError]:
    """Every problem with a submission that can be found without the database."""
    errors: list[FieldError] = []
    problem = text_problem(sub.text)
    if problem:
        errors.append(FieldError("text", f"The text {problem}."))
    if not sub.consent.analysis:
        errors.append(
            FieldError(
                "consent.analysis",
                "Consent to analysis is needed: without it we cannot read or use what you wrote.",
            )
        )
    if sub.language not in LANGUAGES and not _LANGUAGE_TAG.match(sub.language):
        errors.append(FieldError("language", f"'{sub.language}' is not a language code such as 'en' or 'pt'."))
    email = sub.contact.email if sub.contact else None
    if email is not None and not EMAIL.match(email):
        errors.append(FieldError("email", "This does not look like an email address."))
    if sub.consent.contact and not (sub.contact and (sub.contact.email or sub.contact.phone)):
        errors.append(FieldError("email", "To be contacted back, give an email address."))
    if sub.contact and (sub.contact.email or sub.contact.phone) and not sub.consent.contact:
        errors.append(FieldError("consent.contact", "You gave contact details: tick 'contact me' or remove them."))
    return errors


class Submitted(msgspec.Struct):
    receipt: Receipt
    created: bool
    """False when an idempotency key replayed an earlier submission."""


def prepare_submission(sub: Submission) -> Submission:
    """The submission as it will be stored (text normalised), or InvalidContribution naming every problem that can
    be found without the database."""
    sub = msgspec.structs.replace(sub, text=clean_text(sub.text))
    errors = check_submission(sub)
    if errors:
        raise InvalidContribution(errors)
    return sub


def unknown_place(sub: Submission, field: str) -> InvalidContribution:
    if field == "programme":
        return InvalidContribution([FieldError("programme", f"'{sub.programme}' is not a programme.")])
    return InvalidContribution(
        [FieldError("neighbourhood", f"'{sub.neighbourhood}' is not one of our neighbourhoods.")]
    )


def replayed(sub: Submission, existing: queries.ExistingByKey, *, secret: str) -> Submitted:
    """The first answer again, for a request whose idempotency key was used before (or a 409 if its body differs)."""
    if existing.request_fingerprint != sub.fingerprint:
        raise IdempotencyConflict
    return Submitted(receipt_for(existing.id, existing.reference, secret=secret), created=False)


async def submit_contribution(conn: asyncpg.Connection, sub: Submission, *, secret: str) -> Submitted:
    """Store one contribution and its ``contribution.received`` event, for writers without a batcher (the importer
    batches rows in its own transaction; web intake goes through `engage.contributions.intake`).

    Everything is written by one statement. With an idempotency key already used for the same request, returns
    the first receipt and writes nothing.
    """
    sub = prepare_submission(sub)
    contribution_id, reference = uuid7(), new_reference()
    try:
        inserted = await queries.insert_contribution(conn, contribution_id, reference, sub, CONTRIBUTION_RECEIVED)
    except queries.UnknownPlace as exc:
        raise unknown_place(sub, exc.field) from exc
    if inserted is None:
        assert sub.idempotency_key is not None
        existing = (await queries.get_by_idempotency_keys(conn, [sub.idempotency_key]))[sub.idempotency_key]
        return replayed(sub, existing, secret=secret)
    return Submitted(receipt_for(contribution_id, reference, secret=secret), created=True)


def receipt_for(contribution_id: UUID, reference: str, *, secret: str) -> Receipt:
    return Receipt(id=contribution_id, reference=reference, withdrawal_code=withdrawal_code(secret, contribution_id))


async def withdraw_contribution(conn: asyncpg.Connection, reference: str, code: str, *, secret: str, via: str) -> str:
    """Remove a contribution and everything derived from it. Returns the reference.

    Asking again with the right code after it has gone answers the same way; a wrong reference or code is
    refused without saying which was wrong.
    """
    normalised = normalise_reference(reference)
    target = await queries.find_for_withdrawal(conn, normalised)
    if target is None:
        gone = await queries.find_withdrawn(conn, normalised)
        if gone is not None and check_withdrawal_code(secret, gone.id, code):
            return gone.reference
        raise WithdrawalRefused
    if not check_withdrawal_code(secret, target.id, code):
        raise WithdrawalRefused
    await _withdraw(conn, target, via=via, actor=None, reason=None)
    return target.reference


async def _withdraw(
    conn: asyncpg.Connection, target: queries.WithdrawalTarget, *, via: str, actor: UUID | None, reason: str | None
) -> None:
    """Delete the contribution and everything made from it: rows that refer to it go by cascade, and a database
    trigger reaches the copies inside other rows (digests, assets, clusters); see migrations/0012_trust.sql."""
    await queries.delete_and_record_withdrawal(conn, target.id, via, withdrawn_by=actor, reason=reason)
    await outbox.insert_event(conn, CONTRIBUTION_WITHDRAWN, {"contribution_id": str(target.id)})
    await audit.record(
        conn,
        actor=actor,
        action="contribution.withdrawn",
        subject_type="contribution",
        subject_id=str(target.id),
        detail={"via": via, **({"reason": reason} if reason else {})},
    )


async def withdraw_on_behalf(conn: asyncpg.Connection, viewer: StaffUser, contribution_id: UUID, *, reason: str) -> str:
    """Withdraw for someone who asked by phone or in person and has lost their code. Staff with the
    ``withdraw_on_behalf`` permission only, with a reason, in the audit trail. Returns the reference."""
    if not can(viewer.role, "withdraw_on_behalf"):
        raise InvalidContribution([FieldError("reason", "Your role does not withdraw contributions for people.")])
    reason = " ".join(reason.split())
    if not 5 <= len(reason) <= 500:
        raise InvalidContribution(
            [FieldError("reason", "Say who asked and how, for example 'Asked by phone on 3 March, identity checked'.")]
        )
    target = await queries.lock_for_withdrawal(conn, contribution_id)
    if target is None:
        raise InvalidContribution([FieldError("reason", "This contribution has already gone.")])
    await _withdraw(conn, target, via="staff", actor=viewer.id, reason=reason)
    return target.reference


class ContributionDetail(msgspec.Struct, kw_only=True):
    contribution: ContributionRow
    contact: Contact | None
    equality: Equality | None
    contact_hidden: bool
    equality_hidden: bool


async def list_contributions(conn: asyncpg.Connection, sight: Sight, filters: ContributionFilters) -> ContributionPage:
    return await queries.list_contributions(conn, filters, sight)


async def count_by_theme(conn: asyncpg.Connection, sight: Sight, filters: ContributionFilters) -> dict[str, int]:
    return await queries.count_by_theme(conn, filters, sight)


async def view_contribution(
    conn: asyncpg.Connection, viewer: StaffUser, contribution_id: UUID
) -> ContributionDetail | None:
    """One contribution as this viewer may see it (None: no such contribution, or not one they may see).
    Reading flagged words or personal details writes an audit entry."""
    sight = sight_for(viewer)
    row = await queries.get_contribution(conn, contribution_id, sight)
    if row is None:
        return None
    contact = await queries.get_contact(conn, row.id) if sight.contacts_for(row.entered_by) else None
    equality = await queries.get_equality(conn, row.id) if sight.equality else None
    shown = [name for name, value in (("contact", contact), ("equality", equality)) if value is not None]
    if shown:
        await audit.record(
            conn,
            actor=viewer.id,
            action="personal_data.viewed",
            subject_type="contribution",
            subject_id=str(row.id),
            detail={"shown": shown},
        )
    if row.flagged:
        await audit.record(
            conn, actor=viewer.id, action="flagged_words.viewed", subject_type="contribution", subject_id=str(row.id)
        )
    return ContributionDetail(
        contribution=row,
        contact=contact,
        equality=equality,
        contact_hidden=not sight.contacts_for(row.entered_by),
        equality_hidden=not sight.equality,
    )


def slug_for(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


async def add_neighbourhood(conn: asyncpg.Connection, viewer: StaffUser, name: str, borough: str) -> Neighbourhood:
    """Add a neighbourhood to the list citizens choose from. Names are unique; the slug is made from the name."""
    name, borough = " ".join(name.split()), " ".join(borough.split())
    errors = []
    if not 2 <= len(name) <= 80:
        errors.append(FieldError("name", "Give a name between 2 and 80 characters."))
    if not 2 <= len(borough) <= 80:
        errors.append(FieldError("borough", "Give the borough, for example Lambeth."))
    slug = slug_for(name)
    if name and not slug:
        errors.append(FieldError("name", "The name needs at least one letter or digit."))
    existing = {n.slug: n for n in await queries.list_neighbourhoods(conn, active_only=False)}
    if slug in existing or any(n.name.lower() == name.lower() for n in existing.values()):
        errors.append(FieldError("name", f"{name} is already on the list."))
    if errors:
        raise InvalidContribution(errors)
    hood = Neighbourhood(slug=slug, name=name, borough=borough, active=True)
    await queries.upsert_neighbourhood(conn, hood)
    await audit.record(
        conn, actor=viewer.id, action="neighbourhood.added", subject_type="neighbourhood", subject_id=slug
    )
    return hood


async def set_neighbourhood_active(conn: asyncpg.Connection, viewer: StaffUser, slug: str, active: bool) -> bool:
    """Hide a neighbourhood from the citizen form (its contributions keep it), or bring it back."""
    found = {n.slug: n for n in await queries.list_neighbourhoods(conn, active_only=False)}.get(slug)
    if found is None:
        return False
    await queries.upsert_neighbourhood(conn, msgspec.structs.replace(found, active=active))
    await audit.record(
        conn,
        actor=viewer.id,
        action="neighbourhood.activated" if active else "neighbourhood.retired",
        subject_type="neighbourhood",
        subject_id=slug,
    )
    return True


async def approve_quote(conn: asyncpg.Connection, viewer: StaffUser, contribution_id: UUID, *, approve: bool) -> None:
    """Approve a contribution's words for quoting in digests, or withdraw the approval. Only words whose author
    consented to quoting, and that were never flagged as a safeguarding concern, can be approved."""
    if not can(viewer.role, "approve_quotes"):
        raise InvalidContribution([FieldError("quote", "Your role does not approve quotes.")])
    row = await queries.get_contribution(conn, contribution_id, UNRESTRICTED)
    if row is None:
        raise InvalidContribution([FieldError("quote", "No contribution with this id.")])
    if approve and not row.consent_quote:
        raise InvalidContribution([FieldError("quote", "The author did not agree to be quoted.")])
    if approve and await safeguarding_queries.was_ever_flagged(conn, contribution_id):
        raise InvalidContribution([FieldError("quote", "Words flagged as a safeguarding concern are never quoted.")])
    await queries.set_quote_approval(conn, contribution_id, viewer.id if approve else None)
    await audit.record(
        conn,
        actor=viewer.id,
        action="quote.approved" if approve else "quote.unapproved",
        subject_type="contribution",
        subject_id=str(contribution_id),
    )
