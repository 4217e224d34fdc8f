"""Sign-in and accounts. Passwords are hashed with argon2id; sessions are server-side rows whose cookie
holds a random token and whose table holds only the token's hash."""

from __future__ import annotations

import asyncio
import hmac
from datetime import UTC, datetime, timedelta
from uuid import UUID

import asyncpg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from engage.accounts import queries
from engage.accounts.models import MemberLink, Role, Session, StaffUser, UserExists, UserSummary, can
from engage.audit import queries as audit
from engage.db import Connection
from engage.ids import member_token, token, token_hash, uuid7
from engage.problems import Problem

_hasher = PasswordHasher()
# Verifying against this when the email is unknown keeps sign-in time the same either way.
_DUMMY_HASH = _hasher.hash("not a real password")
MIN_PASSWORD_LENGTH = 10


class SignInFailed(Problem):
    """The email address or password is wrong (which one is never said)."""

    def __init__(self) -> None:
        super().__init__("password", "The email address or password is wrong.", status=401)


async def create_user(
    conn: Connection,
    *,
    email: str,
    name: str,
    role: Role,
    password: str,
    organisation: str | None = None,
) -> StaffUser:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    user = StaffUser(id=uuid7(), email=email.strip().lower(), name=name, role=role, organisation=organisation)
    password_hash = await asyncio.to_thread(_hasher.hash, password)
    try:
        await queries.insert_user(conn, user, password_hash)
    except asyncpg.UniqueViolationError as exc:
        raise UserExists(user.email) from exc
    return user


async def create_member_account(
    conn: Connection, *, email: str, name: str, organisation: str | None = None
) -> StaffUser:
    """An account for a community of practice member: no password (they sign in by emailed links)."""
    user = StaffUser(
        id=uuid7(), email=email.strip().lower(), name=name, role="community_member", organisation=organisation
    )
    try:
        await queries.insert_user(conn, user, None)
    except asyncpg.UniqueViolationError as exc:
        raise UserExists(user.email) from exc
    return user


async def sign_in(
    conn: Connection, email: str, password: str, *, session_hours: int, csrf_token: str
) -> tuple[StaffUser, str]:
    """Check a password and open a session bound to ``csrf_token`` (the edge issues it with the session cookie).
    Returns the user and the cookie token."""
    credentials = await queries.get_credentials(conn, email.strip().lower())
    stored = credentials.password_hash if credentials else _DUMMY_HASH
    try:
        # argon2 is deliberately slow; keep it off the event loop.
        await asyncio.to_thread(_hasher.verify, stored, password)
    except (VerificationError, InvalidHashError) as exc:
        raise SignInFailed() from exc
    if credentials is None:
        raise SignInFailed()
    if _hasher.check_needs_rehash(stored):
        await queries.set_password_hash(conn, credentials.user.id, await asyncio.to_thread(_hasher.hash, password))
    raw, hashed = token()
    await queries.insert_session(
        conn, hashed, credentials.user.id, datetime.now(UTC) + timedelta(hours=session_hours), token_hash(csrf_token)
    )
    await audit.record(
        conn,
        actor=credentials.user.id,
        action="sign_in.succeeded",
        subject_type="account",
        subject_id=credentials.user.email,
    )
    return credentials.user, raw


async def record_failed_sign_in(conn: Connection, email: str) -> None:
    """A wrong email or password, in the audit trail (the address tried, never the password)."""
    await audit.record(
        conn, actor=None, action="sign_in.failed", subject_type="account", subject_id=email.strip().lower()[:254]
    )


async def session_for(conn: Connection, raw_token: str) -> Session | None:
    return await queries.get_session(conn, token_hash(raw_token))


def csrf_matches(session: Session, submitted: str | None) -> bool:
    """Whether a submitted CSRF token is the one issued with this session (sessions from before the binding
    existed carry none and are let through until they expire)."""
    if session.csrf_hash is None:
        return True
    return submitted is not None and hmac.compare_digest(token_hash(submitted), session.csrf_hash)


class PasswordProblem(Problem):
    """A password that cannot be used, and why."""


def check_new_password(password: str, *, email: str, name: str) -> None:
    """Long enough, and not guessable: zxcvbn (Dropbox's estimator, MIT) scores it against common passwords,
    names, dictionary words, dates and keyboard patterns, and the person's own email and name."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordProblem("new_password", f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > 1000:
        raise PasswordProblem("new_password", "Use at most 1,000 characters.")
    verdict = zxcvbn(password[:100], user_inputs=[email, *email.split("@"), *name.split()])
    if verdict["score"] < 3:
        warning = verdict["feedback"]["warning"] or "This password would be easy to guess."
        raise PasswordProblem("new_password", f"{warning} Try three or four unrelated words.")


async def change_password(
    conn: Connection, viewer: StaffUser, current: str, new: str, confirm: str, *, keep_session: str
) -> int:
    """Change the viewer's password and end every other session. Returns how many sessions were ended."""
    stored = await queries.get_password_hash(conn, viewer.id) or _DUMMY_HASH
    try:
        await asyncio.to_thread(_hasher.verify, stored, current)
    except (VerificationError, InvalidHashError) as exc:
        raise PasswordProblem("current_password", "This is not your current password.") from exc
    if new != confirm:
        raise PasswordProblem("confirm_password", "The two new passwords are not the same.")
    check_new_password(new, email=viewer.email, name=viewer.name)
    await queries.set_password_hash(conn, viewer.id, await asyncio.to_thread(_hasher.hash, new))
    ended = await queries.delete_user_sessions(conn, viewer.id, keep=token_hash(keep_session))
    await audit.record(
        conn,
        actor=viewer.id,
        action="account.password_changed",
        subject_type="account",
        subject_id=viewer.email,
        detail={"sessions_ended": ended},
    )
    return ended


async def sign_out_everywhere(conn: Connection, viewer: StaffUser) -> int:
    ended = await queries.delete_user_sessions(conn, viewer.id)
    await audit.record(
        conn,
        actor=viewer.id,
        action="account.signed_out_everywhere",
        subject_type="account",
        subject_id=viewer.email,
        detail={"sessions_ended": ended},
    )
    return ended


async def end_sessions(conn: Connection, viewer: StaffUser, user_id: UUID) -> int:
    """An administrator ends someone's sessions (a lost laptop, someone leaving)."""
    if not can(viewer.role, "manage_users"):
        raise PasswordProblem("user", "Only administrators end other people's sessions.", status=403)
    user = await queries.get_user(conn, user_id)
    if user is None:
        raise PasswordProblem("user", "No such account.", status=404)
    ended = await queries.delete_user_sessions(conn, user_id)
    await audit.record(
        conn,
        actor=viewer.id,
        action="account.sessions_ended",
        subject_type="account",
        subject_id=user.email,
        detail={"sessions_ended": ended},
    )
    return ended


async def list_users(conn: Connection, viewer: StaffUser) -> list[UserSummary]:
    if not can(viewer.role, "manage_users"):
        raise PasswordProblem("user", "Only administrators see the list of accounts.", status=403)
    return await queries.list_users(conn)


async def sign_out(conn: Connection, raw_token: str) -> None:
    await queries.delete_session(conn, token_hash(raw_token))


# Community of practice members sign in by emailed links: no password to forget, and nothing a guessed password
# could open. A link is one-use and short-lived; its token is the link's id with an HMAC of it made with the secret
# key (so the worker can put it in the email when it sends it), and only the token's SHA-256 is stored.

LINK_PURPOSE = "member-sign-in"
LINK_EVERY_S = 60
"""At most one link a minute for one person, however often the form is sent."""


class LinkProblem(Problem):
    """A sign-in link that cannot be used, and why."""


def link_token(secret: str, link_id: UUID) -> str:
    return member_token(secret, LINK_PURPOSE, link_id)


async def issue_sign_in_link(
    conn: Connection,
    user: StaffUser,
    *,
    secret: str,
    minutes: int,
    programme: str | None = None,
    invited_by: UUID | None = None,
) -> UUID:
    """Make a sign-in link for a community of practice member and queue the email that carries it."""
    link_id = uuid7()
    await queries.insert_link(
        conn,
        link_id,
        user.id,
        token_hash(link_token(secret, link_id)),
        expires_at=datetime.now(UTC) + timedelta(minutes=minutes),
        programme=programme,
        invited_by=invited_by,
    )
    await queries.queue_link_email(conn, link_id, user.email)
    return link_id


async def request_sign_in_link(conn: Connection, email: str, *, secret: str, minutes: int) -> bool:
    """Someone asks for a new link. Sent only to an active member (at most one a minute); the page says the same
    either way, so it does not tell a stranger who is a member. Returns whether a link was queued."""
    found = await queries.user_by_email(conn, email.strip().lower()[:254])
    if found is None:
        return False
    user, active = found
    if not active or user.role != "community_member" or await queries.link_sent_since(conn, user.id, LINK_EVERY_S):
        return False
    await issue_sign_in_link(conn, user, secret=secret, minutes=minutes)
    return True


async def link_for(conn: Connection, raw_token: str) -> MemberLink:
    """The link a token opens, if it can still be used; otherwise why not."""
    link = await queries.get_link(conn, hashed=token_hash(raw_token))
    if link is None or not link.active:
        raise LinkProblem(
            "token", "This sign-in link is not valid. Check it was copied whole, or ask for a new one.", status=404
        )
    if link.used_at is not None:
        raise LinkProblem(
            "token", "This sign-in link has already been used: each link works once. Ask for a new one.", status=410
        )
    if link.expired:
        raise LinkProblem("token", "This sign-in link has expired. Ask for a new one below.", status=410)
    return link


async def sign_in_by_link(
    conn: Connection, raw_token: str, *, session_hours: int, csrf_token: str
) -> tuple[MemberLink, str]:
    """Spend a link and open a session bound to ``csrf_token``. Returns the link and the cookie token."""
    link = await link_for(conn, raw_token)
    if not await queries.use_link(conn, link.id):  # spent or expired a moment ago, by another request
        raise LinkProblem(
            "token", "This sign-in link has already been used: each link works once. Ask for a new one.", status=410
        )
    raw, hashed = token()
    await queries.insert_session(
        conn, hashed, link.user.id, datetime.now(UTC) + timedelta(hours=session_hours), token_hash(csrf_token)
    )
    await audit.record(
        conn,
        actor=link.user.id,
        action="sign_in.succeeded",
        subject_type="account",
        subject_id=link.user.email,
        detail={"by": "link"},
    )
    return link, raw
