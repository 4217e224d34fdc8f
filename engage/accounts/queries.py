"""The only SQL for accounts and sessions."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg
import msgspec

from engage.accounts.models import Session, StaffUser, UserSummary

_USER_COLUMNS = "u.id, u.email, u.name, u.role::text AS role, u.organisation"


async def insert_user(conn: asyncpg.Connection, user: StaffUser, password_hash: str) -> None:
    await conn.execute(
        """INSERT INTO users (id, email, name, role, organisation, password_hash)
           VALUES ($1, $2, $3, $4, $5, $6)""",
        user.id,
        user.email,
        user.name,
        user.role,
        user.organisation,
        password_hash,
    )


async def set_password_hash(conn: asyncpg.Connection, user_id: UUID, password_hash: str) -> None:
    await conn.execute("UPDATE users SET password_hash = $2 WHERE id = $1", user_id, password_hash)


class Credentials(msgspec.Struct):
    user: StaffUser
    password_hash: str


async def get_credentials(conn: asyncpg.Connection, email: str) -> Credentials | None:
    record = await conn.fetchrow(
        f"SELECT {_USER_COLUMNS}, u.password_hash FROM users u WHERE u.email = $1 AND u.active",  # noqa: S608
        email,
    )
    if record is None:
        return None
    data = dict(record)
    password_hash = data.pop("password_hash")
    return Credentials(user=msgspec.convert(data, StaffUser), password_hash=password_hash)


async def insert_session(
    conn: asyncpg.Connection, token_hash: bytes, user_id: UUID, expires_at: datetime, csrf_hash: bytes
) -> None:
    await conn.execute(
        "INSERT INTO staff_sessions (token_hash, user_id, expires_at, csrf_hash) VALUES ($1, $2, $3, $4)",
        token_hash,
        user_id,
        expires_at,
        csrf_hash,
    )


async def get_session(conn: asyncpg.Connection, token_hash: bytes) -> Session | None:
    record = await conn.fetchrow(
        f"""SELECT {_USER_COLUMNS}, s.csrf_hash FROM staff_sessions s JOIN users u ON u.id = s.user_id
            WHERE s.token_hash = $1 AND s.expires_at > now() AND u.active""",  # noqa: S608
        token_hash,
    )
    if record is None:
        return None
    data = dict(record)
    csrf_hash = data.pop("csrf_hash")
    return Session(user=msgspec.convert(data, StaffUser), csrf_hash=csrf_hash)


async def delete_user_sessions(conn: asyncpg.Connection, user_id: UUID, *, keep: bytes | None = None) -> int:
    """End a user's sessions (all of them, or all but ``keep``)."""
    result = await conn.execute(
        "DELETE FROM staff_sessions WHERE user_id = $1 AND token_hash IS DISTINCT FROM $2", user_id, keep
    )
    return int(result.split()[-1])


async def get_password_hash(conn: asyncpg.Connection, user_id: UUID) -> str | None:
    return await conn.fetchval("SELECT password_hash FROM users WHERE id = $1", user_id)  # type: ignore[no-any-return]


async def list_users(conn: asyncpg.Connection) -> list[UserSummary]:
    records = await conn.fetch(
        f"""SELECT {_USER_COLUMNS}, u.active,
                   (SELECT count(*) FROM staff_sessions s WHERE s.user_id = u.id AND s.expires_at > now()) AS sessions
            FROM users u ORDER BY u.role, u.name"""  # noqa: S608
    )
    return [msgspec.convert(dict(r), UserSummary) for r in records]


async def get_user(conn: asyncpg.Connection, user_id: UUID) -> StaffUser | None:
    record = await conn.fetchrow(f"SELECT {_USER_COLUMNS} FROM users u WHERE u.id = $1", user_id)  # noqa: S608
    return None if record is None else msgspec.convert(dict(record), StaffUser)


async def delete_session(conn: asyncpg.Connection, token_hash: bytes) -> None:
    await conn.execute("DELETE FROM staff_sessions WHERE token_hash = $1", token_hash)


async def delete_expired_sessions(conn: asyncpg.Connection) -> int:
    result = await conn.execute("DELETE FROM staff_sessions WHERE expires_at < now()")
    return int(result.split()[-1])
