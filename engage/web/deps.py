"""What handlers get from the application: the pool, the settings, the relay, and who is asking."""

from __future__ import annotations

import time
from collections import deque
from typing import Any

import asyncpg
from litestar import Request
from litestar.datastructures import State
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException

from engage.accounts import service as accounts
from engage.accounts.models import Permission, StaffUser, can
from engage.outbox.service import OutboxRelay
from engage.settings import Settings

SESSION_COOKIE = "engage_session"


def pool_of(state: State) -> asyncpg.Pool:
    return state["pool"]


def settings_of(state: State) -> Settings:
    return state["settings"]  # type: ignore[no-any-return]


def relay_of(state: State) -> OutboxRelay:
    return state["relay"]  # type: ignore[no-any-return]


async def viewer_of(request: Request[Any, Any, Any]) -> StaffUser | None:
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    async with pool_of(request.app.state).acquire() as conn:
        return await accounts.user_for_session(conn, raw)


async def require(request: Request[Any, Any, Any], permission: Permission) -> StaffUser:
    viewer = await viewer_of(request)
    if viewer is None:
        raise NotAuthorizedException("Sign in to see this page.")
    if not can(viewer.role, permission):
        raise PermissionDeniedException("Your role does not give access to this.")
    return viewer


def client_address(request: Request[Any, Any, Any]) -> str:
    # Behind a proxy, uvicorn's --forwarded-allow-ips puts the real client here.
    return request.client.host if request.client else "unknown"


class RateLimiter:
    """A sliding window per client, kept in this process. Enough to blunt a script hammering the form; a
    determined attacker with many addresses needs a proxy's limits in front."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._hits: dict[str, deque[float]] = {}

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        hits = self._hits.setdefault(key, deque())
        while hits and now - hits[0] > 60:
            hits.popleft()
        if len(hits) >= self.per_minute:
            return False
        hits.append(now)
        if len(self._hits) > 50_000:
            self._hits = {k: v for k, v in self._hits.items() if v and now - v[-1] <= 60}
        return True
