"""Use cases for contributions. Callers own the transaction; nothing here commits."""

from __future__ import annotations

import itertools
import re
import unicodedata
from typing import Protocol
from uuid import UUID

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
    IdempotencyConflict,
    InvalidContribution,
    Neighbourhood,
    PlacementRefused,
    Receipt,
    Submission,
    WithdrawalRefused,
)
from engage.db import Connection
from engage.i18n import N_
from engage.ids import check_withdrawal_code, new_reference, normalise_reference, uuid7, withdrawal_code
from engage.outbox import queries as outbox
from engage.outbox.models import CONTRIBUTION_RECEIVED, CONTRIBUTION_TRANSLATED, CONTRIBUTION_WITHDRAWN
from engage.paper import queries as paper_queries
from engage.paper.models import PaperForm
from engage.privacy.visibility import UNRESTRICTED, Sight, sight_for
from engage.problems import FieldError
from engage.safeguarding import queries as safeguarding_queries

EMAIL = re.compile(r"^[^@\s<>\"']{1,64}@[^@\s<>\"']+\.[^@\s<>\"']{2,}$")
_LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")


def clean_text(text: str) -> str:
    """Normalise line endings and Unicode form; keep the words exactly as given otherwise."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


MIN_WORDS = 2
MIN_LETTERS = 8
"""A contribution says something in words of its own: at least two words and eight letters ("I want" alone, "a",
or one emoji is refused with a request for a few more words). In scripts written without spaces between words
(Chinese, Japanese, Thai...) each character counts as a word. Applied to what citizens send themselves (the form,
the easy read form, the API); staff typing in paper or phone contributions write down what was given, however
short."""
NOTE_MINIMUM = (1, 3)
"""A workshop note from a phone is a sticky note: one word will do ("Transport"), but not "a" or an emoji."""

_UNSPACED = ((0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF), (0x3040, 0x30FF), (0x3400, 0x9FFF), (0xF900, 0xFAFF))


def _is_letter(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LM"


def _unspaced(ch: str) -> bool:
    return any(low <= ord(ch) <= high for low, high in _UNSPACED)


_ASCII_NOT_LETTERS = bytes(b for b in range(128) if not chr(b).isalpha())
_ASCII_WORD = re.compile("\\S*[A-Za-z]\\S*")
_UNSTORABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
"""Control characters (Cc) but newline and tab, and lone surrogates (Cs)."""


def words_and_letters(text: str, *, words_needed: int | None = None) -> tuple[int, int]:
    """How many words and letters a text has (see `MIN_WORDS`); the words may stop at `words_needed` when it is
    given. Most texts are plain ASCII, counted in C (in ASCII a letter is A-Z or a-z, and no script runs
    without spaces): the letters are what is left when every other byte is deleted, and the words stop at the
    number needed (5.3 -> 1.5 microseconds for a sentence, on every contribution)."""
    if text.isascii():
        letters = len(text.encode("ascii").translate(None, _ASCII_NOT_LETTERS))
        found = _ASCII_WORD.finditer(text)
        return sum(1 for _ in (itertools.islice(found, words_needed) if words_needed is not None else found)), letters
    words = letters = 0
    for token in text.split():
        token_letters = [ch for ch in token if _is_letter(ch)]
        letters += len(token_letters)
        unspaced = sum(1 for ch in token_letters if _unspaced(ch))
        words += unspaced + (1 if len(token_letters) > unspaced else 0)
    return words, letters


def text_problem(
    text: str, *, max_chars: int = MAX_TEXT_CHARS, minimum: tuple[int, int] | None = None
) -> FieldError | None:
    """Why these words cannot be accepted, in plain English (and translatable), or None."""
    if not text.strip():
        return FieldError.of(
            "text", N_("The box for your words is empty: write what you want to tell us, a few words at least.")
        )
    if len(text) > max_chars:
        return FieldError.of(
            "text",
            N_(
                "Your words are %(count)s characters long; the most we can take is %(most)s. "
                "Shorten them, or send them in two parts."
            ),
            count=len(text),
            most=max_chars,
        )
    if (unstorable := _UNSTORABLE.search(text)) is not None:
        return FieldError.of(
            "text",
            N_("Your words contain a character that cannot be stored (%(character)s). Remove it and send again."),
            character=f"U+{ord(unstorable.group()):04X}",
        )
    if minimum is not None:
        words, letters = words_and_letters(text, words_needed=minimum[0])
        if words < minimum[0] or letters < minimum[1]:
            return FieldError.of(
                "text",
                N_(
                    "Please write a few more words (at least %(letters)s letters), "
                    "so that we can understand what you mean."
                ),
                letters=minimum[1],
            )
    return None


CITIZEN_SOURCES = ("web_form", "api")
"""Where citizens send their own words (workshop notes from phones are checked by the workshop service)."""


def check_submission(sub: Submission) -> list[FieldError]:
    """Every problem with a submission that can be found without the database."""
    errors: list[FieldError] = []
    problem = text_problem(sub.text, minimum=(MIN_WORDS, MIN_LETTERS) if sub.source in CITIZEN_SOURCES else None)
    if problem:
        errors.append(problem)
    if sub.translation is not None and (problem := text_problem(sub.translation)) is not None:
        errors.append(FieldError("translation", f"The translation: {problem.reason}"))
    if not sub.consent.analysis:
        errors.append(
            FieldError(
                "consent.analysis",
                N_("Consent to analysis is needed: without it we cannot read or use what you wrote."),
            )
        )
    if sub.language not in LANGUAGES and not _LANGUAGE_TAG.match(sub.language):
        errors.append(
            FieldError.of("language", N_("'%(code)s' is not a language code such as 'en' or 'pt'."), code=sub.language)
        )
    email = sub.contact.email if sub.contact else None
    if email is not None and not EMAIL.match(email):
        errors.append(FieldError("email", N_("This does not look like an email address.")))
    if sub.consent.contact and not (sub.contact and (sub.contact.email or sub.contact.phone)):
        errors.append(FieldError("email", N_("To be contacted back, give an email address.")))
    if sub.contact and (sub.contact.email or sub.contact.phone) and not sub.consent.contact:
        errors.append(FieldError("consent.contact", N_("You gave contact details: tick 'contact me' or remove them.")))
    return errors


class Submitted(msgspec.Struct):
    receipt: Receipt
    created: bool
    """False when an idempotency key replayed an earlier submission."""


def prepare_submission(sub: Submission) -> Submission:
    """The submission as it will be stored (text and translation normalised), or InvalidContribution naming every
    problem that can be found without the database."""
    sub = msgspec.structs.replace(
        sub, text=clean_text(sub.text), translation=clean_text(sub.translation) if sub.translation else None
    )
    errors = check_submission(sub)
    if errors:
        raise InvalidContribution(errors)
    return sub


def unknown_place(sub: Submission, field: str) -> InvalidContribution:
    """The refusal of a contribution naming a programme (``field`` "programme") or neighbourhood that does not
    exist."""
    if field == "programme":
        return InvalidContribution(
            [FieldError.of("programme", N_("'%(programme)s' is not a programme."), programme=sub.programme)]
        )
    return InvalidContribution(
        [
            FieldError.of(
                "neighbourhood",
                N_("'%(neighbourhood)s' is not one of our neighbourhoods."),
                neighbourhood=sub.neighbourhood,
            )
        ]
    )


def replayed(sub: Submission, existing: queries.ExistingByKey, *, secret: str) -> Submitted:
    """The first answer again, for a request whose idempotency key was used before (or a 409 if its body differs)."""
    if existing.request_fingerprint != sub.fingerprint:
        raise IdempotencyConflict
    return Submitted(receipt_for(existing.id, existing.reference, secret=secret), created=False)


class Submitter(Protocol):
    """Where a checked contribution goes to be stored: the web process's `IntakeBatcher` (group commit), or
    `SubmitInTransaction`."""

    async def submit(self, submission: Submission) -> Submitted: ...


class SubmitInTransaction:
    """A `Submitter` that stores each contribution in the caller's transaction with `submit_contribution`, for code
    running outside a web process (the demo data)."""

    def __init__(self, conn: Connection, *, secret: str) -> None:
        self._conn = conn
        self._secret = secret

    async def submit(self, submission: Submission) -> Submitted:
        return await submit_contribution(self._conn, submission, secret=self._secret)


def receipt_for(contribution_id: UUID, reference: str, *, secret: str) -> Receipt:
    return Receipt(id=contribution_id, reference=reference, withdrawal_code=withdrawal_code(secret, contribution_id))


async def submit_contribution(conn: Connection, sub: Submission, *, secret: str) -> Submitted:
    """Store one contribution and its ``contribution.received`` event in the caller's transaction, for writers
    that do not go through the web's intake batcher (`engage.contributions.intake`): a paper form typed in with its
    pre-printed reference (the printed form is claimed, the contribution written and the form marked used, all in
    the request's transaction, so a form is never typed in twice), the importer (its rows in its own transaction)
    and demo data.

    The contribution is written by the single-row form of the intake batch statement (`queries.insert_batch`), with
    a workshop note's place on the board when it has one (PlacementRefused when its session has closed). With an
    idempotency key already used for the same request, returns the first receipt and writes nothing.
    """
    sub = prepare_submission(sub)
    contribution_id, reference = uuid7(), new_reference()
    if sub.reference is not None:
        printed = await _printed_form(conn, sub, secret)
        if isinstance(printed, Submitted):
            return printed
        contribution_id, reference = printed.contribution_id, printed.reference
        if sub.locale == "en":  # the form was printed in the language its author read
            sub = msgspec.structs.replace(sub, locale=printed.locale)
    written = await queries.insert_contribution(conn, contribution_id, reference, sub, CONTRIBUTION_RECEIVED)
    if not written.neighbourhood_known:
        raise unknown_place(sub, "neighbourhood")
    if not written.programme_known:
        raise unknown_place(sub, "programme")
    if not written.placement_open:
        raise PlacementRefused
    if not written.inserted:
        return await _replayed(conn, sub, secret)
    if sub.reference is not None:
        await paper_queries.mark_used(conn, reference)
    return Submitted(receipt_for(contribution_id, reference, secret=secret), created=True)


async def _first_by_key(conn: Connection, sub: Submission) -> queries.ExistingByKey | None:
    if sub.idempotency_key is None:
        return None
    return (await queries.get_by_idempotency_keys(conn, [sub.idempotency_key])).get(sub.idempotency_key)


async def _replayed(conn: Connection, sub: Submission, secret: str) -> Submitted:
    """The first receipt for an idempotency key used before with the same request (a conflict otherwise)."""
    existing = await _first_by_key(conn, sub)
    assert existing is not None
    return replayed(sub, existing, secret=secret)


async def _printed_form(conn: Connection, sub: Submission, secret: str) -> PaperForm | Submitted:
    """The paper form a typed-in contribution keeps the reference of; refused when it was never printed, or was
    typed in before (unless this is the same entry sent twice, which gets its first receipt)."""
    printed = await paper_queries.claim(conn, normalise_reference(sub.reference or ""))
    if printed is None:
        raise InvalidContribution(
            [FieldError("paper_reference", "No form was printed with this reference: check it against the paper.")]
        )
    if printed.used_at is not None:
        existing = await _first_by_key(conn, sub)
        if existing is not None and existing.reference == printed.reference:
            return replayed(sub, existing, secret=secret)
        raise InvalidContribution(
            [FieldError("paper_reference", f"The form {printed.reference} was typed in already.")]
        )
    return printed


async def withdraw_contribution(conn: Connection, reference: str, code: str, *, secret: str, via: str) -> str:
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
    conn: Connection, target: queries.WithdrawalTarget, *, via: str, actor: UUID | None, reason: str | None
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


async def withdraw_on_behalf(conn: Connection, viewer: StaffUser, contribution_id: UUID, *, reason: str) -> str:
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


async def list_contributions(conn: Connection, sight: Sight, filters: ContributionFilters) -> ContributionPage:
    return await queries.list_contributions(conn, filters, sight)


async def count_by_theme(conn: Connection, sight: Sight, filters: ContributionFilters) -> dict[str, int]:
    return await queries.count_by_theme(conn, filters, sight)


async def view_contribution(conn: Connection, viewer: StaffUser, contribution_id: UUID) -> ContributionDetail | None:
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


async def add_neighbourhood(conn: Connection, viewer: StaffUser, name: str, borough: str) -> Neighbourhood:
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


async def set_neighbourhood_active(conn: Connection, viewer: StaffUser, slug: str, active: bool) -> bool:
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


async def approve_quote(conn: Connection, viewer: StaffUser, contribution_id: UUID, *, approve: bool) -> None:
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


async def translate_contribution(conn: Connection, viewer: StaffUser, contribution_id: UUID, translation: str) -> None:
    """Add (or correct) the English translation of words written in another language. The words as written are
    kept and shown on request; the translation is what the tagger tags and the redactor redacts, and the themes
    found in it are the contribution's. Staff with ``translate`` only."""
    if not can(viewer.role, "translate"):
        raise InvalidContribution([FieldError("translation", "Your role does not add translations.")])
    translation = clean_text(translation)
    problem = text_problem(translation)
    if problem is not None:
        raise InvalidContribution([FieldError("translation", f"The translation: {problem.reason}")])
    if not await queries.set_translation(conn, contribution_id, translation, viewer.id):
        raise InvalidContribution([FieldError("translation", "This contribution has gone.")])
    await outbox.insert_event(conn, CONTRIBUTION_TRANSLATED, {"contribution_id": str(contribution_id)})
    await audit.record(
        conn,
        actor=viewer.id,
        action="contribution.translated",
        subject_type="contribution",
        subject_id=str(contribution_id),
    )
