"""The cookies that sign someone in and out: the session and the CSRF token that goes with it (staff sign in with a
password, community of practice members by an emailed link; both leave the same way)."""

from __future__ import annotations

from litestar.datastructures import Cookie

from engage.settings import Settings
from engage.web.deps import SESSION_COOKIE

CSRF_COOKIE = "engage_csrf"


def signed_in(raw: str, csrf: str, settings: Settings) -> list[Cookie]:
    """A new session (raw is its secret) and its CSRF token; the session lasts as long as the server keeps it."""
    return [
        Cookie(
            key=SESSION_COOKIE,
            value=raw,
            httponly=True,
            secure=settings.secure_cookies,
            samesite="lax",
            max_age=settings.session_hours * 3600,
            path="/",
        ),
        Cookie(key=CSRF_COOKIE, value=csrf, secure=settings.secure_cookies, samesite="lax", path="/"),
    ]


def signed_out() -> list[Cookie]:
    return [
        Cookie(key=SESSION_COOKIE, value="", max_age=0, path="/"),
        Cookie(key=CSRF_COOKIE, value="", max_age=0, path="/"),
    ]
