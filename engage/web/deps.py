"""What handlers get from the application: the request's one database connection, who is asking, the settings.

One connection per request, shared by the permission guard and the handler: `RequestDatabase` takes it from the
pool on first use and gives it back when the request ends (`request_database` middleware), and the ``conn``
dependency wraps the handler in one transaction that commits before the response is sent (the edge owns the
transaction). A handler that must not hold a connection (the board's event stream) simply does not ask for one.

Guards: ``guards=[requires("read_contributions")]`` refuses anyone signed out (401: the sign-in page) or whose role
lacks the permission (403), and leaves the signed-in user for the ``viewer`` dependency.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import ASGIApp, Guard, Receive, Scope, Send

from engage.accounts import service as accounts
from engage.accounts.models import Permission, Session, StaffUser, can
from engage.contributions.intake import IntakeBatcher
from engage.outbox.service import OutboxRelay
from engage.privacy.visibility import Sight, sight_for
from engage.settings import Settings
from engage.web.limits import Limits
from engage.workshops.feed import BoardFeed

SESSION_COOKIE = "engage_session"
_DB = "engage.db"
_VIEWER = "engage.viewer"


class RequestDatabase:
    """The request's connection, taken from the pool only if something asks for it."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._conn: PoolConnectionProxy | None = None

    async def connection(self) -> PoolConnectionProxy:
        if self._conn is None:
            self._conn = await self._pool.acquire()
        return self._conn

    async def release(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await self._pool.release(conn)


def request_database(app: ASGIApp) -> ASGIApp:
    """Middleware: give every HTTP request a `RequestDatabase`, and make sure its connection goes back."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # type: ignore[comparison-overlap]
            await app(scope, receive, send)
            return
        database = RequestDatabase(scope["litestar_app"].state["pool"])
        scope.setdefault("state", {})[_DB] = database
        try:
            await app(scope, receive, send)
        finally:
            await database.release()

    return middleware


def _database(connection: ASGIConnection[Any, Any, Any, Any]) -> RequestDatabase:
    return connection.scope["state"][_DB]  # type: ignore[no-any-return]


async def current_session(connection: ASGIConnection[Any, Any, Any, Any]) -> Session | None:
    """The session this request's cookie opens, read once per request."""
    state = connection.scope["state"]
    if _VIEWER not in state:
        raw = connection.cookies.get(SESSION_COOKIE)
        found = None
        if raw:
            found = await accounts.session_for(await _database(connection).connection(), raw)
        state[_VIEWER] = found
    return state[_VIEWER]  # type: ignore[no-any-return]


async def signed_in_user(connection: ASGIConnection[Any, Any, Any, Any]) -> StaffUser | None:
    found = await current_session(connection)
    return found.user if found else None


async def submitted_csrf_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    if header := connection.headers.get("x-csrf-token"):
        return header
    if isinstance(connection, Request) and connection.content_type[0] in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        value = (await connection.form()).get("_csrf_token")
        return value if isinstance(value, str) else None
    return None


def requires(permission: Permission) -> Guard:
    """A guard: the request needs a signed-in user whose role has this permission; a form it sends must carry the
    CSRF token issued with that session (Litestar's middleware has checked it matches the cookie)."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        found = await current_session(connection)
        if found is None:
            raise NotAuthorizedException("Sign in to see this page.")
        if not can(found.user.role, permission):
            raise PermissionDeniedException("Your role does not give access to this.")
        unsafe = connection.scope.get("method", "GET") not in ("GET", "HEAD", "OPTIONS")
        if unsafe and not accounts.csrf_matches(found, await submitted_csrf_token(connection)):
            raise PermissionDeniedException(
                "This form was opened before you last signed in. Go back, reload the page and send it again."
            )

    guard.__name__ = f"requires_{permission}"
    return guard


async def provide_conn(request: Request[Any, Any, Any]) -> AsyncGenerator[PoolConnectionProxy, None]:
    """The request's transaction: committed when the handler returns (before the response goes out), rolled back
    when it raises."""
    database = _database(request)
    conn = await database.connection()
    try:
        async with conn.transaction():
            yield conn
    finally:
        await database.release()


async def release_request_connection(request: Request[Any, Any, Any]) -> None:
    """Give the request's connection back early: for a handler whose response streams for a long time."""
    await _database(request).release()


async def provide_viewer(request: Request[Any, Any, Any]) -> StaffUser:
    """The signed-in user of a guarded handler."""
    user = await signed_in_user(request)
    if user is None:
        raise NotAuthorizedException("Sign in to see this page.")
    return user


async def provide_sight(request: Request[Any, Any, Any]) -> Sight:
    """What the person asking may see of contributions (nothing, when nobody is signed in)."""
    return sight_for(await signed_in_user(request))


def provide_settings(state: State) -> Settings:
    return state["settings"]  # type: ignore[no-any-return]


def provide_relay(state: State) -> OutboxRelay:
    return state["relay"]  # type: ignore[no-any-return]


def provide_intake(state: State) -> IntakeBatcher:
    return state["intake"]  # type: ignore[no-any-return]


Conn = NamedDependency[PoolConnectionProxy]
"""The request's connection, inside its transaction (``conn: Conn`` in a handler's signature). Named for the one
class it is (a pool's connection), not ``engage.db.Connection``: Litestar checks dependencies with msgspec, which
accepts one custom class in a type but not a union of two."""
Viewer = NamedDependency[StaffUser]
"""The signed-in user of a guarded handler."""
ReaderSight = NamedDependency[Sight]
"""What the person asking may see of contributions."""
AppSettings = NamedDependency[Settings]
Relay = NamedDependency[OutboxRelay]
Intake = NamedDependency[IntakeBatcher]
"""The process's intake batcher: every contribution from the web goes through it (group commit), except a paper
form typed in with its pre-printed reference (`engage.contributions.service.submit_contribution`, in the request's
transaction)."""

DEPENDENCIES = {
    "conn": Provide(provide_conn),
    "viewer": Provide(provide_viewer),
    "sight": Provide(provide_sight),
    "settings": Provide(provide_settings, sync_to_thread=False),
    "relay": Provide(provide_relay, sync_to_thread=False),
    "intake": Provide(provide_intake, sync_to_thread=False),
}


def pool_of(state: State) -> asyncpg.Pool:
    return state["pool"]  # type: ignore[no-any-return]


def settings_of(state: State) -> Settings:
    return state["settings"]  # type: ignore[no-any-return]


def relay_of(state: State) -> OutboxRelay:
    return state["relay"]  # type: ignore[no-any-return]


def intake_of(state: State) -> IntakeBatcher:
    return state["intake"]  # type: ignore[no-any-return]


def board_feed_of(state: State) -> BoardFeed:
    return state["board_feed"]  # type: ignore[no-any-return]


def limits_of(state: State) -> Limits:
    return state["limits"]  # type: ignore[no-any-return]
