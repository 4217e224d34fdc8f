"""Staff users and what each role may do."""

from __future__ import annotations

from typing import Literal, get_args
from uuid import UUID

import msgspec

Role = Literal["admin", "facilitator", "governance", "partner_staff"]
ROLES: tuple[Role, ...] = ("admin", "facilitator", "governance", "partner_staff")
ROLE_LABELS: dict[str, str] = {
    "admin": "Administrator",
    "facilitator": "Facilitator",
    "governance": "Governance member",
    "partner_staff": "Partner staff",
}

Permission = Literal[
    "read_contributions",  # the words, neighbourhood, kind, source
    "enter_contributions",  # type in stories gathered on paper or by phone
    "see_contacts",  # a contributor's name, email, phone
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
]

# Least privilege: each role gets what its work needs and nothing more. Governance reads themes and words,
# never who said them; partner staff may call people back, so they see contacts (for what they may read).
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    "admin": frozenset(get_args(Permission)),
    "facilitator": frozenset(
        {"read_contributions", "enter_contributions", "review_tags", "handle_safeguarding", "approve_quotes"}
    ),
    "governance": frozenset({"read_contributions"}),
    "partner_staff": frozenset({"read_contributions", "enter_contributions", "see_contacts"}),
}


def can(role: Role, permission: Permission) -> bool:
    return permission in PERMISSIONS[role]


class StaffUser(msgspec.Struct, kw_only=True, frozen=True):
    id: UUID
    email: str
    name: str
    role: Role
    organisation: str | None


class UserExists(Exception):
    pass
