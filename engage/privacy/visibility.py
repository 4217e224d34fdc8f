"""The one rule for what a reader may see of citizens' contributions.

Every query that returns a contribution's words takes a `Sight` and builds its SQL from `visible()` (which rows) and
`words()` (which words), so the rule is written once, here, and a route x role test proves it on every page
(tests/web/test_visibility.py). The rule:

- Words flagged as a possible safeguarding concern are read only by those who handle safeguarding.
- Partner staff read only what its author agreed to share with partner organisations, or what they entered.
- Governance members, and partner staff reading what someone else entered, get the words **redacted**: names,
  phone numbers, addresses and the like replaced. The redacted text is computed once by the worker when the
  contribution is analysed, stored, and recomputed when the redactor changes; until then such readers see a
  placeholder, never the raw words.
- Contact details: administrators; partner staff only for what they entered (they gathered them, and call back).
- Equality answers one by one: administrators only (everyone else gets aggregates with small groups suppressed).
- Community of practice members (residents, carers, voluntary-sector people a facilitator invited to a programme)
  see no more than partner staff: the redacted words of contributions shared with partner organisations, never
  flagged words, contact details or equality answers; and only on the pages of the programmes they were invited
  to (the member pages check that).
- Free text people write on Engage itself (comments on propositions): as written for readers of words as written
  and for its author; everyone else reads the worker's redaction of it (`authored_words`).
- Nobody without an account reads anyone's words here; a citizen reads their own through the reference and code
  (`engage.citizens.service`).
- Words not in English may have a translation added by staff: readers get the translation (redacted readers, the
  translation redacted), marked as such, and the words as written on request through `original_words()`. The
  tagger and the redactor work on `analysed_words()`.

The SQL fragments embed only booleans and the reader's id (a UUID we hold, rendered by `uuid.UUID`), never text a
person typed, so they are safe to splice into a statement.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

import msgspec

from engage.accounts.models import Permission, StaffUser, can

Scope = Literal["all", "own", "none"]

PENDING_REDACTION = "[These words are being checked for personal details and will appear shortly.]"
"""What a reader of redacted words sees before the worker has redacted a contribution."""

FLAGGED_SQL = """EXISTS (SELECT 1 FROM safeguarding_flags f
                         WHERE f.contribution_id = {c}.id AND f.status <> 'not_a_concern')"""


class Sight(msgspec.Struct, frozen=True, kw_only=True):
    """What one reader may see of contributions. Made by `sight_for`, never by hand in a controller."""

    reader: UUID | None
    flagged: bool
    """Words flagged as a possible safeguarding concern."""
    unshared: bool
    """Contributions whose authors did not agree to sharing with partner organisations (and the reader did not
    enter)."""
    raw_words: Scope
    """The words as written: for every contribution, only for those the reader entered, or for none."""
    contacts: Scope
    equality: bool
    """Equality-monitoring answers one contribution at a time."""

    def contacts_for(self, entered_by: UUID | None) -> bool:
        return self.contacts == "all" or (
            self.contacts == "own" and entered_by is not None and entered_by == self.reader
        )


NOBODY = Sight(reader=None, flagged=False, unshared=False, raw_words="none", contacts="none", equality=False)
"""Anyone without an account: no contribution's words."""

PUBLISHED = Sight(reader=UUID(int=0), flagged=False, unshared=True, raw_words="none", contacts="none", equality=False)
"""What goes into digests and other documents that leave Engage: every unflagged contribution, redacted, no
contacts. (Quotes additionally need the author's consent and a facilitator's approval.)"""


UNRESTRICTED = Sight(reader=UUID(int=0), flagged=True, unshared=True, raw_words="all", contacts="all", equality=True)
"""For the system's own decisions (does this contribution exist, did its author consent to quoting); what it
reads is never shown to a person as it stands."""


def _scope(user: StaffUser, everyone: Permission, own: Permission) -> Scope:
    if can(user.role, everyone):
        return "all"
    return "own" if can(user.role, own) else "none"


def _member_sight(user: StaffUser) -> Sight:
    """A community of practice member: partner staff's sight for what someone else entered (members enter
    nothing), which is the narrowest sight that reads any words."""
    return Sight(reader=user.id, flagged=False, unshared=False, raw_words="none", contacts="none", equality=False)


def sight_for(user: StaffUser | None) -> Sight:
    if user is None:
        return NOBODY
    if not can(user.role, "read_contributions"):
        return _member_sight(user) if can(user.role, "take_part") else NOBODY
    return Sight(
        reader=user.id,
        flagged=can(user.role, "handle_safeguarding"),
        unshared=can(user.role, "read_unshared"),
        raw_words=_scope(user, "read_unredacted", "read_own_entries_unredacted"),
        contacts=_scope(user, "see_contacts", "see_contacts_of_own_entries"),
        equality=can(user.role, "see_equality"),
    )


def _reader(sight: Sight) -> str:
    return f"'{sight.reader}'::uuid"


def visible(sight: Sight, c: str = "c") -> str:
    """A predicate on the contributions row aliased ``c``: true for the rows this reader may see."""
    if sight.reader is None:
        return "false"
    clauses = []
    if not sight.flagged:
        clauses.append("NOT " + FLAGGED_SQL.format(c=c))
    if not sight.unshared:
        clauses.append(f"({c}.consent_share OR {c}.entered_by = {_reader(sight)})")
    return "(" + " AND ".join(clauses) + ")" if clauses else "true"


def analysed_words(c: str = "c") -> str:
    """The words the system tags and redacts: the English translation staff added, else the words as written."""
    return f"coalesce({c}.translation, {c}.text)"


def _redacted(c: str) -> str:
    pending = PENDING_REDACTION.replace("'", "''")
    return f"coalesce({c}.redacted_text, '{pending}')"


def words(sight: Sight, c: str = "c") -> str:
    """An expression for the words of row ``c`` as this reader may read them (use with `visible`)."""
    if sight.raw_words == "all":
        return analysed_words(c)
    if sight.raw_words == "own":
        return f"CASE WHEN {c}.entered_by = {_reader(sight)} THEN {analysed_words(c)} ELSE {_redacted(c)} END"
    return _redacted(c)


def original_words(sight: Sight, c: str = "c") -> str:
    """The words as written (for a translated contribution, the original beside its translation), as this reader
    may read them: redacted readers get the original redacted."""
    redacted = f"coalesce({c}.redacted_original, {_redacted(c)})"
    if sight.raw_words == "all":
        return f"{c}.text"
    if sight.raw_words == "own":
        return f"CASE WHEN {c}.entered_by = {_reader(sight)} THEN {c}.text ELSE {redacted} END"
    return redacted


def authored_words(sight: Sight, text: str, redacted: str, author: str) -> str:
    """An expression for free text someone wrote on Engage (a comment), given its columns: as written for readers
    of words as written and for its author, otherwise the worker's redaction (a placeholder until it is done)."""
    if sight.reader is None:
        return "NULL"
    if sight.raw_words == "all":
        return text
    pending = PENDING_REDACTION.replace("'", "''")
    return f"CASE WHEN {author} = {_reader(sight)} THEN {text} ELSE coalesce({redacted}, '{pending}') END"


def search_vector(sight: Sight, c: str = "c") -> str:
    """The full-text index this reader searches: searching raw words would tell a reader of redacted words that a
    name they cannot see is there."""
    return f"{c}.search" if sight.raw_words == "all" else f"{c}.search_redacted"
