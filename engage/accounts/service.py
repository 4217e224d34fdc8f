"""Sign-in and accounts. Passwords are hashed with argon2id; sessions are server-side rows whose cookie
holds a random token and whose table holds only the token's hash."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from engage.accounts import queries
from engage.accounts.models import Role, StaffUser, UserExists
from engage.audit import queries as audit
from engage.ids import token, token_hash, uuid7

_hasher = PasswordHasher()
# Verifying against this when the email is unknown keeps sign-in time the same either way.
_DUMMY_HASH = _hasher.hash("not a real password")
MIN_PASSWORD_LENGTH = 10


class SignInFailed(Exception):
    pass


async def create_user(
    conn: asyncpg.Connection,
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


async def sign_in(conn: asyncpg.Connection, email: str, password: str, *, session_hours: int) -> tuple[StaffUser, str]:
    """Check a password and open a session. Returns the user and the cookie token."""
    credentials = await queries.get_credentials(conn, email.strip().lower())
    stored = credentials.password_hash if credentials else _DUMMY_HASH
    try:
        # argon2 is deliberately slow; keep it off the event loop.
        await asyncio.to_thread(_hasher.verify, stored, password)
    except (VerificationError, InvalidHashError) as exc:
        raise SignInFailed from exc
    if credentials is None:
        raise SignInFailed
    if _hasher.check_needs_rehash(stored):
        await queries.set_password_hash(conn, credentials.user.id, await asyncio.to_thread(_hasher.hash, password))
    raw, hashed = token()
    await queries.insert_session(conn, hashed, credentials.user.id, datetime.now(UTC) + timedelta(hours=session_hours))
    await audit.record(
        conn,
        actor=credentials.user.id,
        action="sign_in.succeeded",
        subject_type="account",
        subject_id=credentials.user.email,
    )
    return credentials.user, raw


async def record_failed_sign_in(conn: asyncpg.Connection, email: str) -> None:
    """A wrong email or password, in the audit trail (the address tried, never the password)."""
    await audit.record(
        conn, actor=None, action="sign_in.failed", subject_type="account", subject_id=email.strip().lower()[:254]
    )


async def user_for_session(conn: asyncpg.Connection, raw_token: str) -> StaffUser | None:
    return await queries.get_session_user(conn, token_hash(raw_token))


async def sign_out(conn: asyncpg.Connection, raw_token: str) -> None:
    await queries.delete_session(conn, token_hash(raw_token))
