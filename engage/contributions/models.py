"""Shapes of a contribution: what comes in, what is stored, what each kind of reader gets back."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from engage.i18n import N_
from engage.problems import FieldError, Problem

Kind = Literal["i_statement", "story", "workshop_note"]
Source = Literal["web_form", "api", "staff_entry", "import", "workshop", "phone"]

KIND_LABELS: dict[str, str] = {
    "i_statement": N_("I statement"),
    "story": N_("Story"),
    "workshop_note": N_("Workshop note"),
}
SOURCE_LABELS: dict[str, str] = {
    "web_form": "Online form",
    "api": "API",
    "staff_entry": "Entered by staff",
    "import": "Imported",
    "workshop": "Workshop (live)",
    "phone": "By phone",
}

MAX_TEXT_CHARS = 10_000
"""A long story is about 2,000 words; five times that is a paste gone wrong, not a story."""

LANGUAGES: dict[str, str] = {
    "en": "English",
    "pt": "Portuguese",
    "es": "Spanish",
    "pl": "Polish",
    "so": "Somali",
    "fr": "French",
    "yo": "Yoruba",
    "tw": "Twi",
    "ar": "Arabic",
    "bn": "Bengali",
    "tr": "Turkish",
    "other": N_("Another language"),
}


# Categories follow the 2021 Census for England and Wales, so figures can be set against the borough's.
EQUALITY_CHOICES: dict[str, list[str]] = {
    "age_band": [
        N_("Under 18"),
        N_("18 to 24"),
        N_("25 to 34"),
        N_("35 to 49"),
        N_("50 to 64"),
        N_("65 to 74"),
        N_("75 or over"),
    ],
    "ethnicity": [
        N_("Asian or Asian British"),
        N_("Black, Black British, Caribbean or African"),
        N_("Mixed or multiple ethnic groups"),
        N_("White British"),
        N_("White: another White background (including Portuguese, Polish, Irish)"),
        N_("Another ethnic group"),
    ],
    "disability": [N_("Yes"), N_("No")],
    "carer": [N_("Yes"), N_("No")],
}


class Consent(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What the contributor agreed their words may be used for. Analysis is required to be stored at all."""

    analysis: bool
    quote: bool = False
    share: bool = False
    contact: bool = False


class Contact(msgspec.Struct, kw_only=True):
    name: str | None = None
    email: str | None = None
    phone: str | None = None


class Equality(msgspec.Struct, kw_only=True):
    """Optional equality-monitoring answers. Reported only in aggregate, small groups suppressed."""

    age_band: str | None = None
    ethnicity: str | None = None
    disability: str | None = None
    carer: str | None = None
    language: str | None = None

    def is_empty(self) -> bool:
        return not any(msgspec.structs.astuple(self))


class ContributionIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Body of ``POST /api/v1/contributions``."""

    kind: Kind
    text: Annotated[str, msgspec.Meta(max_length=MAX_TEXT_CHARS)]
    consent: Consent
    neighbourhood: str | None = None
    programme: str | None = None
    """The slug of the co-design programme it is given to, if any."""
    language: Annotated[str, msgspec.Meta(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$|^other$")] = "en"
    email: Annotated[str, msgspec.Meta(max_length=254)] | None = None
    locale: Annotated[str, msgspec.Meta(max_length=16)] | None = None
    """The language the receipt and later emails are written in (one Engage speaks: en, pt, es, pl...)."""


class Placement(msgspec.Struct, frozen=True, kw_only=True):
    """Where a workshop note goes on its workshop's live board, written with the note in the same statement."""

    workshop_id: UUID
    prompt_id: UUID
    from_paper: bool
    while_live: bool
    """Refuse the note if the session has closed by the time it is written (notes from phones); notes typed in
    from paper are welcome after the session."""


class Submission(msgspec.Struct, kw_only=True):
    """A contribution on its way in, from any channel."""

    kind: Kind
    text: str
    consent: Consent
    source: Source
    source_name: str | None = None
    neighbourhood: str | None = None
    programme: str | None = None
    language: str = "en"
    contact: Contact | None = None
    equality: Equality | None = None
    entered_by: UUID | None = None
    idempotency_key: str | None = None
    fingerprint: str | None = None
    received_at: datetime | None = None
    """When it was given, if earlier than now: a paper form typed in, an import, demo data."""
    placement: Placement | None = None
    """A workshop note's place on the board."""
    locale: str = "en"
    """The language of the pages (or paper form) the author used: their receipt and emails are in it."""
    translation: str | None = None
    """An English translation of words written in another language (an import's translation column)."""
    reference: str | None = None
    """The reference pre-printed on a paper form (see `engage.paper`): typing the form in keeps it."""


class Receipt(msgspec.Struct, kw_only=True):
    """What the contributor is told: ``201`` body of the API, and the receipt page."""

    id: UUID
    reference: str
    withdrawal_code: str


class ContributionRow(msgspec.Struct, kw_only=True):
    id: UUID
    reference: str
    kind: Kind
    text: str
    source: Source
    source_name: str | None
    neighbourhood: str | None
    neighbourhood_name: str | None
    programme: str | None
    language: str
    consent_analysis: bool
    consent_quote: bool
    consent_share: bool
    consent_contact: bool
    received_at: datetime
    quote_approved_at: datetime | None = None
    """When a facilitator approved the words for quoting in digests (the author consented too)."""
    entered_by: UUID | None = None
    """The staff account that typed it in or imported it, if any."""
    redacted: bool = False
    """The words are shown with personal details replaced (see engage.privacy.visibility)."""
    themes: list[str] = []
    """Theme ids given to it (by the model or a person) in any framework."""
    flagged: bool = False
    """A possible safeguarding concern not yet cleared."""
    translated: bool = False
    """`text` is an English translation added by staff; `original` holds the words as written."""
    original: str | None = None
    """For a translated contribution, the words as written (as this reader may read them)."""
    locale: str = "en"


class ContributionExport(msgspec.Struct, frozen=True, kw_only=True):
    """A line of a programme's contributions CSV: the fields are its columns, in order. Never contact details or
    equality answers."""

    reference: str
    kind: Kind
    received_at: datetime
    neighbourhood: str | None
    source: Source
    source_name: str | None
    language: str
    consent_quote: bool
    themes: str
    """Theme ids given to it, in any framework, joined with ";"."""
    text: str
    """The words as the reader may read them."""


class ContributionPage(msgspec.Struct, kw_only=True):
    items: list[ContributionRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


class ContributionFilters(msgspec.Struct, kw_only=True):
    kind: Kind | None = None
    neighbourhood: str | None = None
    source: str | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None
    q: str | None = None
    programme: str | None = None
    age_band: str | None = None
    """Only contributions whose authors gave this age band (an equality group filter for aggregate views)."""
    theme: str | None = None
    framework: str = "lambeth-what-matters"
    """Which framework `theme` belongs to; the web edge sets it from the settings."""
    flagged: bool | None = None
    page: int = 1
    per_page: int = 50


class Neighbourhood(msgspec.Struct, kw_only=True):
    slug: str
    name: str
    borough: str
    active: bool


class InvalidContribution(Problem):
    """Input that cannot be accepted. Carries every problem found, each naming its field."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(
            errors[0].field,
            errors[0].reason,
            more=errors[1:],
            detail="The contribution was not accepted; nothing was stored.",
        )
        self.errors = list(errors)  # as given: each keeps its message for translation


class IdempotencyConflict(Problem):
    """The Idempotency-Key was used before with a different request."""

    def __init__(self) -> None:
        super().__init__(
            "Idempotency-Key",
            "was used before for another request",
            status=409,
            detail="This Idempotency-Key was already used with a different body; nothing was stored.",
        )


class PlacementRefused(Problem):
    """The workshop session a note was posted to closed before the note could be written."""

    def __init__(self) -> None:
        super().__init__("workshop", N_("This session has closed. Thank you for taking part."), status=410)


class WithdrawalRefused(Problem):
    """Reference and code do not match a contribution (without saying which was wrong)."""

    def __init__(self) -> None:
        super().__init__("code", "The reference and code do not match. Check both against your receipt.")
