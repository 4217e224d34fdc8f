"""Staff users and what each role may do."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal, get_args
from uuid import UUID

import msgspec

from engage.problems import Problem

Role = Literal["admin", "facilitator", "governance", "partner_staff", "community_member"]
ROLES: tuple[Role, ...] = ("admin", "facilitator", "governance", "partner_staff", "community_member")
STAFF_ROLES: tuple[Role, ...] = ("admin", "facilitator", "governance", "partner_staff")
"""Roles with a password; a community of practice member signs in by an emailed link."""
ROLE_LABELS: dict[str, str] = {
    "admin": "Administrator",
    "facilitator": "Facilitator",
    "governance": "Governance member",
    "partner_staff": "Partner staff",
    "community_member": "Community of practice member",
}

Permission = Literal[
    "read_contributions",  # the words, neighbourhood, kind, source (as engage.privacy.visibility allows)
    "read_unshared",  # contributions whose authors did not agree to sharing with partner organisations
    "read_unredacted",  # the words as written; without it, names and other details are replaced
    "read_own_entries_unredacted",  # the words as written of what this person typed in or imported
    "enter_contributions",  # type in stories gathered on paper or by phone, print numbered paper forms
    "run_programmes",  # start co-design programmes and run their work: workshops (planned, live, notes typed in
    # from them), propositions, consensus rounds, community assets, "you said, we did" responses
    "run_any_programme",  # run every programme, not only those one is a facilitator of
    "withdraw_on_behalf",  # withdraw a contribution for someone who asks by phone or in person, with a reason
    "see_contacts",  # a contributor's name, email, phone
    "see_contacts_of_own_entries",  # the same, for what this person entered (they gathered it and call back)
    "see_equality",  # one contributor's equality-monitoring answers
    "see_mail_problems",  # failed and unconfirmed deliveries
    "manage_users",
    "manage_places",  # the neighbourhood list
    "read_audit",
    "review_tags",  # accept, remove and add themes; corrections train the next model
    "handle_safeguarding",  # read flagged contributions and record what was done
    "manage_models",  # frameworks, model versions, retraining
    "manage_boards",  # create governance boards and name their owners (an owner edits their own board)
    "approve_quotes",  # mark a consented contribution's words fit to quote in digests
    "translate",  # add an English translation to words written in another language (the original is kept)
    "take_part",  # the pages of the programmes one was invited to (engage.web.controllers.community)
]

# Least privilege: each role gets what its work needs and nothing more. Governance reads themes and redacted
# words, never who said them; partner staff read what was shared with partners (redacted) and what they entered
# themselves (as written, with the contact details they took, because they call people back). Entering what people
# said is not running a programme: partner staff type in stories, facilitators run the co-design work built on them.
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    "admin": frozenset(get_args(Permission)),
    "facilitator": frozenset(
        {
            "read_contributions",
            "read_unshared",
            "read_unredacted",
            "enter_contributions",
            "run_programmes",
            "withdraw_on_behalf",
            "review_tags",
            "handle_safeguarding",
            "approve_quotes",
            "translate",
        }
    ),
    "governance": frozenset({"read_contributions", "read_unshared"}),
    "partner_staff": frozenset(
        {
            "read_contributions",
            "read_own_entries_unredacted",
            "enter_contributions",
            "see_contacts_of_own_entries",
        }
    ),
    # Residents, carers and voluntary-sector people invited to a programme: its pages, its evidence board and
    # propositions as engage.privacy.visibility allows them (no wider than partner staff), comments and votes.
    "community_member": frozenset({"take_part"}),
}


def can(role: Role, permission: Permission) -> bool:
    return permission in PERMISSIONS[role]


class StaffUser(msgspec.Struct, kw_only=True, frozen=True):
    id: UUID
    email: str
    name: str
    role: Role
    organisation: str | None


class Session(msgspec.Struct, kw_only=True, frozen=True):
    user: StaffUser
    csrf_hash: bytes | None
    """SHA-256 of the CSRF token issued with this session: a form from another sign-in is refused."""


class UserSummary(msgspec.Struct, kw_only=True, frozen=True):
    id: UUID
    email: str
    name: str
    role: Role
    organisation: str | None
    active: bool
    sessions: int
    """Sessions open now."""


class MemberLink(msgspec.Struct, kw_only=True, frozen=True):
    """A one-use sign-in link for a community of practice member (only a hash of its token is stored)."""

    id: UUID
    user: StaffUser
    active: bool
    programme: str | None
    """The programme the link invites them to (None: a link they asked for)."""
    programme_name: str | None
    invited_by_name: str | None
    expires_at: datetime
    used_at: datetime | None

    @property
    def expired(self) -> bool:
        return self.expires_at <= datetime.now(UTC)


class UserExists(Problem):
    """An account already has this email address."""

    def __init__(self, email: str) -> None:
        super().__init__("email", f"An account already has the email address {email}.", status=409)
