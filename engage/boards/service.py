"""Use cases for boards and theme subscriptions. Callers own the transaction.

Admins create boards and name an owner (a staff account); the owner keeps the board's members, filters and
meetings up to date. Members are email addresses: a councillor on a scrutiny committee needs no account to
receive a digest. Anyone may subscribe to themes from the public site; the subscription starts only when they
follow the link emailed to them, so nobody can sign someone else up. Every digest carries a one-click
unsubscribe link that only works for the member it was sent to.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date

from engage.accounts.models import StaffUser, can
from engage.audit import queries as audit
from engage.boards import queries
from engage.boards.models import FREQUENCY_LABELS, MAX_MEMBERS, Board, BoardDraft, BoardProblem, Member
from engage.contributions import queries as contribution_queries
from engage.contributions.service import EMAIL
from engage.db import Connection
from engage.i18n import N_
from engage.ids import check_member_token
from engage.programmes import queries as programme_queries
from engage.tags import queries as tag_queries

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


def may_edit(viewer: StaffUser, board: Board) -> bool:
    return can(viewer.role, "manage_boards") or board.owner_id == viewer.id


async def may_read_archive(conn: Connection, viewer: StaffUser, board: Board) -> bool:
    """Admins, the owner and the board's own members (by the email of their staff account)."""
    return may_edit(viewer, board) or board.id in await queries.boards_of_member(conn, viewer.email)


async def boards_for(conn: Connection, viewer: StaffUser) -> list[Board]:
    """The boards a viewer's list shows: every board to those who manage boards, otherwise the boards they own or
    sit on."""
    mine = set(await queries.boards_of_member(conn, viewer.email))
    return [b for b in await queries.list_boards(conn) if may_edit(viewer, b) or b.id in mine]


async def _board(conn: Connection, board_id: str) -> Board:
    board = await queries.get_board(conn, board_id)
    if board is None:
        raise BoardProblem("board", f"No board has the id “{board_id}”.", status=404)
    return board


async def board_to_edit(conn: Connection, viewer: StaffUser, board_id: str) -> Board:
    """The board, when the viewer may change it (its owner, or who manages boards)."""
    board = await _board(conn, board_id)
    if not may_edit(viewer, board):
        raise BoardProblem("board", "Only the board's owner or an administrator can change it.", status=403)
    return board


async def open_archive(conn: Connection, board_id: str, viewer: StaffUser | None, *, key: str, secret: str) -> Board:
    """The board whose archive of digests is asked for, when the asker may read it: by the link in one of its
    digests (a key made for a member who still receives them), or signed in as its owner, an administrator or a
    member (by their account's email). Without either, they are asked to sign in (401)."""
    board = await _board(conn, board_id)
    if key:
        member = await member_from_token(conn, secret, "archive", key)
        if member is None or member.board_id != board.id or not member.receives:
            raise BoardProblem(
                "key",
                f"This link does not open the archive of {board.name}. Use the link in one of its digests.",
                status=403,
            )
        return board
    if viewer is None:
        raise BoardProblem("key", "Sign in, or use the link in one of the board's digests.", status=401)
    if not await may_read_archive(conn, viewer, board):
        raise BoardProblem("board", f"The archive of {board.name} is for its members.", status=403)
    return board


async def open_recommendations(conn: Connection, viewer: StaffUser, board_id: str) -> Board:
    """A board whose recommendations tracker the viewer may read: its owner, its members, administrators."""
    board = await _board(conn, board_id)
    if board.kind != "board":
        raise BoardProblem("board", f"No board has the id “{board_id}”.", status=404)
    if not await may_read_archive(conn, viewer, board):
        raise BoardProblem(
            "board", f"The recommendations of {board.name} are kept by its owner and members.", status=403
        )
    return board


def parse_emails(text: str) -> list[str]:
    """One address per line, or separated by commas or semicolons; "Name <address>" is fine."""
    found: list[str] = []
    for part in re.split(r"[\n,;]+", text):
        part = part.strip()
        if "<" in part and part.endswith(">"):
            part = part[part.rindex("<") + 1 : -1].strip()
        if part:
            found.append(part.lower())
    return list(dict.fromkeys(found))


async def save_board(
    conn: Connection, viewer: StaffUser, draft: BoardDraft, *, framework_id: str, creating: bool = True
) -> Board:
    """Create a board (an admin), or update one (its owner or an admin). Returns it as saved."""
    existing = await queries.get_board(conn, draft.id.strip().lower())
    if creating and existing is not None:
        raise BoardProblem("id", "A board already has this id: choose another.")
    if not creating and existing is None:
        raise BoardProblem("id", "No board has this id.")
    if existing is None and not can(viewer.role, "manage_boards"):
        raise BoardProblem("id", "Only an administrator can create a board.")
    if existing is not None and (existing.kind != "board" or not may_edit(viewer, existing)):
        raise BoardProblem("id", "Only the board's owner or an administrator can change it.")
    if draft.framework_id and await tag_queries.get_framework(conn, draft.framework_id) is None:
        raise BoardProblem("framework_id", "Choose one of the theme frameworks.")
    await _validate(conn, draft, draft.framework_id or framework_id)
    owner = await programme_queries.user_id_by_email(conn, draft.owner_email)
    if owner is None:
        raise BoardProblem("owner_email", "No staff account has this email: the owner needs one.")
    await queries.upsert_board(conn, draft, owner)
    await queries.replace_meetings(conn, draft.id, draft.meetings)
    added, removed = await queries.sync_members(conn, draft.id, draft.members)
    await audit.record(
        conn,
        actor=viewer.id,
        action="board.created" if existing is None else "board.updated",
        subject_type="board",
        subject_id=draft.id,
        detail={"members_added": added, "members_removed": removed},
    )
    board = await queries.get_board(conn, draft.id)
    assert board is not None
    return board


async def _validate(conn: Connection, draft: BoardDraft, framework_id: str) -> None:
    draft.id, draft.name = draft.id.strip().lower(), draft.name.strip()
    draft.owner_email = draft.owner_email.strip().lower()
    if not SLUG.match(draft.id):
        raise BoardProblem("id", "Use 2 to 63 lower-case letters, digits and dashes, e.g. health-wellbeing-board.")
    if not draft.name or len(draft.name) > 200:
        raise BoardProblem("name", "Give the board's name (up to 200 characters).")
    if draft.frequency not in FREQUENCY_LABELS:
        raise BoardProblem("frequency", "Choose weekly, monthly or before each meeting.")
    if draft.frequency == "before_meeting":
        if draft.days_before is None or not 1 <= draft.days_before <= 60:
            raise BoardProblem("days_before", "Give the number of days before each meeting, from 1 to 60.")
        if not draft.meetings:
            raise BoardProblem("meetings", "Give at least one meeting date, one per line as YYYY-MM-DD.")
    else:
        draft.days_before = None
    framework = await tag_queries.get_framework(conn, framework_id)
    known_themes = {t.id for t in framework.themes} if framework else set()
    unknown = [t for t in draft.themes if t not in known_themes]
    if unknown:
        raise BoardProblem("themes", f"{unknown[0]!r} is not a theme of {framework_id}.")
    places = {n.slug for n in await contribution_queries.list_neighbourhoods(conn, active_only=False)}
    unknown = [n for n in draft.neighbourhoods if n not in places]
    if unknown:
        raise BoardProblem("neighbourhoods", f"{unknown[0]!r} is not a neighbourhood.")
    programmes = {p.slug for p in await programme_queries.programme_choices(conn)}
    unknown = [p for p in draft.programmes if p not in programmes]
    if unknown:
        raise BoardProblem("programmes", f"{unknown[0]!r} is not a programme.")
    bad = [e for e in draft.members if not EMAIL.match(e)]
    if bad:
        raise BoardProblem("members", f"{bad[0]!r} does not look like an email address.")
    if len(draft.members) > MAX_MEMBERS:
        raise BoardProblem("members", f"A board can have up to {MAX_MEMBERS:,} members.")


def subscription_id(email: str, themes: list[str]) -> str:
    """The same address and themes always make the same subscription, so subscribing twice changes nothing."""
    digest = hashlib.sha256(f"{email}|{','.join(sorted(themes))}".encode()).hexdigest()
    return f"sub-{digest[:20]}"


async def subscribe_to_themes(
    conn: Connection, email: str, themes: list[str], *, framework_id: str, locale: str = "en"
) -> bool:
    """Start a weekly theme subscription awaiting confirmation, and email the confirmation link (at most one a
    day). False when the same subscription is already running: nothing is sent, and the page says the same either
    way, so it does not tell a stranger whether an address is subscribed. Someone who unsubscribed can subscribe
    again; they confirm again."""
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise BoardProblem("email", N_("This does not look like an email address."))
    framework = await tag_queries.get_framework(conn, framework_id)
    names = {t.id: t.name for t in framework.themes} if framework else {}
    themes = sorted(set(themes))
    if not themes:
        raise BoardProblem("themes", N_("Choose at least one theme."))
    if any(t not in names for t in themes):
        raise BoardProblem("themes", N_("Choose themes from the list."))
    name = "Weekly digest: " + ", ".join(names[t] for t in themes)
    member = await queries.insert_subscription(conn, subscription_id(email, themes), name, email, themes)
    if member is None:
        return False
    await queries.queue_confirmation(conn, member.id, email, locale=locale)
    return True


async def member_from_token(conn: Connection, secret: str, purpose: str, token: str) -> Member | None:
    """The member a link token was made for, for this purpose; None for a token we did not make (or a member
    since removed)."""
    member_id = check_member_token(secret, purpose, token)
    return await queries.get_member(conn, member_id) if member_id else None


async def confirm_subscription(conn: Connection, secret: str, token: str) -> Member | None:
    """None for a link we did not make. Confirming twice is harmless."""
    member = await member_from_token(conn, secret, "confirm", token)
    if member is not None and await queries.mark_confirmed(conn, member.id):
        await audit.record(
            conn, actor=None, action="subscription.confirmed", subject_type="board", subject_id=member.board_id
        )
    return member


async def unsubscribe(conn: Connection, secret: str, token: str) -> tuple[Member, bool] | None:
    """None for a link we did not make (or a member since removed); otherwise the member and whether this call
    unsubscribed them (False: they had already)."""
    member = await member_from_token(conn, secret, "unsubscribe", token)
    if member is None:
        return None
    changed = await queries.mark_unsubscribed(conn, member.id)
    if changed:
        await audit.record(
            conn, actor=None, action="board.unsubscribed", subject_type="board", subject_id=member.board_id
        )
    return member, changed


def parse_meetings(text: str) -> list[date]:
    meetings: list[date] = []
    for part in re.split(r"[\s,;]+", text.strip()):
        if not part:
            continue
        try:
            meetings.append(date.fromisoformat(part))
        except ValueError as exc:
            raise BoardProblem("meetings", f"{part!r} is not a date: write it as YYYY-MM-DD.") from exc
    return sorted(set(meetings))
