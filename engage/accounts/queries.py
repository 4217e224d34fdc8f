"""The only SQL for accounts and sessions."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from engage.accounts.models import MemberLink, Session, StaffUser, UserSummary
from engage.db import Connection

_USER_COLUMNS = "u.id, u.email, u.name, u.role::text AS role, u.organisation"


async def insert_user(conn: Connection, user: StaffUser, password_hash: str | None) -> None:
    """A user; ``password_hash`` None for someone who signs in by emailed links only."""
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


async def set_password_hash(conn: Connection, user_id: UUID, password_hash: str) -> None:
    await conn.execute("UPDATE users SET password_hash = $2 WHERE id = $1", user_id, password_hash)


class Credentials(msgspec.Struct):
    user: StaffUser
    password_hash: str


async def get_credentials(conn: Connection, email: str) -> Credentials | None:
    record = await conn.fetchrow(
        f"""SELECT {_USER_COLUMNS}, u.password_hash FROM users u
            WHERE u.email = $1 AND u.active AND u.password_hash IS NOT NULL""",  # noqa: S608
        email,
    )
    if record is None:
        return None
    data = dict(record)
    password_hash = data.pop("password_hash")
    return Credentials(user=msgspec.convert(data, StaffUser), password_hash=password_hash)


async def insert_session(
    conn: Connection, token_hash: bytes, user_id: UUID, expires_at: datetime, csrf_hash: bytes
) -> None:
    await conn.execute(
        "INSERT INTO staff_sessions (token_hash, user_id, expires_at, csrf_hash) VALUES ($1, $2, $3, $4)",
        token_hash,
        user_id,
        expires_at,
        csrf_hash,
    )


async def get_session(conn: Connection, token_hash: bytes) -> Session | None:
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


async def delete_user_sessions(conn: Connection, user_id: UUID, *, keep: bytes | None = None) -> int:
    """End a user's sessions (all of them, or all but ``keep``)."""
    result = await conn.execute(
        "DELETE FROM staff_sessions WHERE user_id = $1 AND token_hash IS DISTINCT FROM $2", user_id, keep
    )
    return int(result.split()[-1])


async def get_password_hash(conn: Connection, user_id: UUID) -> str | None:
    return await conn.fetchval("SELECT password_hash FROM users WHERE id = $1", user_id)  # type: ignore[no-any-return]


async def list_users(conn: Connection) -> list[UserSummary]:
    records = await conn.fetch(
        f"""SELECT {_USER_COLUMNS}, u.active,
                   (SELECT count(*) FROM staff_sessions s WHERE s.user_id = u.id AND s.expires_at > now()) AS sessions
            FROM users u ORDER BY u.role, u.name"""  # noqa: S608
    )
    return [msgspec.convert(dict(r), UserSummary) for r in records]


async def get_user(conn: Connection, user_id: UUID) -> StaffUser | None:
    record = await conn.fetchrow(f"SELECT {_USER_COLUMNS} FROM users u WHERE u.id = $1", user_id)  # noqa: S608
    return None if record is None else msgspec.convert(dict(record), StaffUser)


async def delete_session(conn: Connection, token_hash: bytes) -> None:
    await conn.execute("DELETE FROM staff_sessions WHERE token_hash = $1", token_hash)


async def delete_expired_sessions(conn: Connection) -> int:
    result = await conn.execute("DELETE FROM staff_sessions WHERE expires_at < now()")
    # Sign-in links are kept a day after they expire, so a late click is told "expired" rather than "unknown".
    await conn.execute("DELETE FROM member_links WHERE expires_at < now() - interval '1 day'")
    return int(result.split()[-1])


async def user_by_email(conn: Connection, email: str) -> tuple[StaffUser, bool] | None:
    """Anyone with this address, active or not: (the user, whether active)."""
    record = await conn.fetchrow(f"SELECT {_USER_COLUMNS}, u.active FROM users u WHERE u.email = $1", email)  # noqa: S608
    if record is None:
        return None
    data = dict(record)
    active = data.pop("active")
    return msgspec.convert(data, StaffUser), bool(active)


async def set_active(conn: Connection, user_id: UUID, active: bool) -> None:
    await conn.execute("UPDATE users SET active = $2 WHERE id = $1", user_id, active)


async def insert_link(
    conn: Connection,
    link_id: UUID,
    user_id: UUID,
    hashed: bytes,
    *,
    expires_at: datetime,
    programme: str | None,
    invited_by: UUID | None,
) -> None:
    await conn.execute(
        """INSERT INTO member_links (id, user_id, token_hash, programme, invited_by, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6)""",
        link_id,
        user_id,
        hashed,
        programme,
        invited_by,
        expires_at,
    )


async def queue_link_email(conn: Connection, link_id: UUID, email: str) -> None:
    """The email carrying a sign-in link: one per link (the dedupe key)."""
    await conn.execute(
        """INSERT INTO mail_messages (id, dedupe_key, template, to_address)
           VALUES (gen_random_uuid(), 'member_link:' || $1::uuid::text, 'member_link', $2)
           ON CONFLICT (dedupe_key) DO NOTHING""",
        link_id,
        email,
    )


async def get_link(conn: Connection, *, link_id: UUID | None = None, hashed: bytes | None = None) -> MemberLink | None:
    """A sign-in link by its id or by its token's hash."""
    record = await conn.fetchrow(
        """SELECT l.id, l.programme, p.name AS programme_name, i.name AS invited_by_name, l.expires_at, l.used_at,
                  u.active, u.id AS user_id, u.email, u.name, u.role::text AS role, u.organisation
           FROM member_links l JOIN users u ON u.id = l.user_id
           LEFT JOIN programmes p ON p.slug = l.programme LEFT JOIN users i ON i.id = l.invited_by
           WHERE l.id = $1 OR l.token_hash = $2""",
        link_id,
        hashed,
    )
    if record is None:
        return None
    data = dict(record)
    user = {
        "id": data.pop("user_id"),
        **{name: data.pop(name) for name in ("email", "name", "role", "organisation")},
    }
    return msgspec.convert({**data, "user": user}, MemberLink)


async def use_link(conn: Connection, link_id: UUID) -> bool:
    """Spend a link: true for the one request that spends it while it is still valid."""
    spent = await conn.fetchval(
        """UPDATE member_links SET used_at = now() WHERE id = $1 AND used_at IS NULL AND expires_at > now()
           RETURNING id""",
        link_id,
    )
    return spent is not None


async def link_sent_since(conn: Connection, user_id: UUID, seconds: float) -> bool:
    return bool(
        await conn.fetchval(
            """SELECT EXISTS (SELECT 1 FROM member_links
                              WHERE user_id = $1 AND created_at > now() - make_interval(secs => $2))""",
            user_id,
            seconds,
        )
    )


async def delete_links(conn: Connection, user_id: UUID) -> None:
    await conn.execute("DELETE FROM member_links WHERE user_id = $1 AND used_at IS NULL", user_id)
