"""The Litestar application: one factory, given its settings."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import jinja2
from litestar import Litestar, Request, Response
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import ResponseHeader, State
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ServiceUnavailableException,
)
from litestar.exceptions import ValidationException as LitestarValidationException
from litestar.logging.config import LoggingConfig
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from engage.contributions.intake import MAX_IN_FLIGHT, IntakeBatcher, IntakeClosed
from engage.contributions.models import KIND_LABELS, LANGUAGES, SOURCE_LABELS, InvalidContribution
from engage.db import create_pool, freeze_heap
from engage.outbox.service import OutboxRelay
from engage.settings import Settings
from engage.web import errors
from engage.web.controllers.api import ContributionsApi, health
from engage.web.controllers.assets import AssetsController, ProgrammeOutputsController
from engage.web.controllers.consensus import RoundsController, VoteController
from engage.web.controllers.governance import (
    ArchiveController,
    BoardsController,
    DashboardController,
    SubscriptionsController,
)
from engage.web.controllers.mailbox import MailboxController
from engage.web.controllers.programmes import ProgrammesController
from engage.web.controllers.propositions import PropositionsController
from engage.web.controllers.public import PublicController, YourWordsController
from engage.web.controllers.responses import ResponsesController
from engage.web.controllers.staff import AdminController, StaffController
from engage.web.controllers.themes import ModelsController, ReviewController, SafeguardingController
from engage.web.controllers.workshops import LiveController, WorkshopsController
from engage.web.deps import DEPENDENCIES, RateLimiter, request_database
from engage.workers.main import redis_client
from engage.workshops.feed import BoardFeed

log = logging.getLogger(__name__)

WEB_DIR = Path(__file__).parent
MAX_BODY_BYTES = 256 * 1024
"""The longest story allowed is 10,000 characters; with a form's other fields that is far below this."""

SECURITY_HEADERS = [
    ResponseHeader(name="X-Content-Type-Options", value="nosniff"),
    ResponseHeader(name="Referrer-Policy", value="same-origin"),
    ResponseHeader(name="X-Frame-Options", value="DENY"),
    ResponseHeader(
        name="Content-Security-Policy",
        value=(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
        ),
    ),
    ResponseHeader(name="Permissions-Policy", value="camera=(), microphone=(), geolocation=()"),
]


def _template_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(WEB_DIR / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(KIND_LABELS=KIND_LABELS, SOURCE_LABELS=SOURCE_LABELS, LANGUAGES=LANGUAGES)
    env.filters["date"] = lambda value, fmt="%-d %b %Y": value.strftime(fmt) if value else ""
    return env


def create_app(settings: Settings) -> Litestar:
    settings = settings.with_secret()
    assert settings.database_url and settings.redis_url, "engage run fills these in when they are not set"

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        pool = await create_pool(settings.database_url or "", size=settings.pool_size, session_state=False)
        redis = redis_client(settings.redis_url or "")
        relay = OutboxRelay(pool, redis)
        # The batcher's own connections: a request that holds one of the pool's while it waits for its batch
        # (staff entry) can then never leave the batcher without one.
        intake_pool = await create_pool(settings.database_url or "", size=MAX_IN_FLIGHT, session_state=False)
        intake = IntakeBatcher(
            intake_pool,
            redis,
            secret=settings.secret_key,
            window_s=settings.intake_batch_window_ms / 1000,
            max_batch=settings.intake_batch_size,
        )
        board_feed = BoardFeed(settings.database_url or "")
        relay.start()
        intake.start()
        board_feed.start()
        app.state.update(pool=pool, redis=redis, relay=relay, intake=intake, board_feed=board_feed)
        # Everything loaded so far lives as long as the process: keep it out of the cyclic garbage collector's
        # full collections, which otherwise walked it all (80-120 ms, every few seconds under load; that was
        # intake's p99). See engage.db.freeze_heap.
        freeze_heap()
        try:
            yield
        finally:
            await board_feed.stop()
            await intake.stop()
            await relay.stop()
            await redis.aclose()
            await intake_pool.close()
            await pool.close()

    def html_errors(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
        accept = request.headers.get("accept", "")
        if request.url.path.startswith("/api/") or ("json" in accept and "html" not in accept):
            return errors.json_http_error(request, exc)
        if isinstance(exc, NotAuthorizedException):
            return Redirect(f"/staff/sign-in?next={request.url.path}")
        template = "errors/403.html" if isinstance(exc, PermissionDeniedException) else "errors/error.html"
        if isinstance(exc, NotFoundException):
            template = "errors/404.html"
        return Template(
            template_name=template,
            context={"status": exc.status_code, "detail": exc.detail, "viewer": None},
            status_code=exc.status_code,
        )

    def intake_closed(request: Request[Any, Any, Any], exc: IntakeClosed) -> Response[Any]:
        """Shutting down: 503 with Retry-After (a page or JSON), so a client or a proxy tries again."""
        response = html_errors(request, ServiceUnavailableException(detail=str(exc)))
        response.set_header("Retry-After", "5")
        return response

    return Litestar(
        route_handlers=[
            PublicController,
            YourWordsController,
            StaffController,
            AdminController,
            ReviewController,
            SafeguardingController,
            ModelsController,
            ProgrammesController,
            WorkshopsController,
            PropositionsController,
            RoundsController,
            AssetsController,
            ResponsesController,
            ProgrammeOutputsController,
            BoardsController,
            ArchiveController,
            SubscriptionsController,
            DashboardController,
            VoteController,
            LiveController,
            ContributionsApi,
            MailboxController,
            health,
            create_static_files_router(path="/static", directories=[WEB_DIR / "static"], name="static"),
        ],
        lifespan=[lifespan],
        middleware=[request_database],
        dependencies=DEPENDENCIES,
        state=State(
            {
                "settings": settings,
                "form_limiter": RateLimiter(settings.form_rate_limit_per_minute),
                "sign_in_limiter": RateLimiter(10),
            }
        ),
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(_template_environment())),
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="engage_csrf",
            cookie_secure=settings.secure_cookies,
            cookie_samesite="lax",
            header_name="x-csrf-token",
            # Unsubscribe links carry a token made for one member; RFC 8058 one-click POSTs arrive without cookies.
            exclude=["/api/", "/healthz", "/unsubscribe/"],
        ),
        exception_handlers={
            InvalidContribution: errors.invalid_contribution,
            IntakeClosed: intake_closed,
            LitestarValidationException: errors.validation_failed,
            UnicodeDecodeError: errors.bad_encoding,
            HTTPException: html_errors,
        },
        response_headers=SECURITY_HEADERS,
        request_max_body_size=MAX_BODY_BYTES,
        openapi_config=OpenAPIConfig(
            title="Engage API",
            version="1",
            description="Give contributions and read them (staff). Errors always name the field and the reason.",
            path="/api/schema",
            render_plugins=[ScalarRenderPlugin()],
        ),
        logging_config=LoggingConfig(log_exceptions="always", disable_stack_trace={404, 401, 403, 405, 413, 422, 400}),
        debug=False,
    )


def create_app_from_env() -> Litestar:
    """Factory for ASGI servers: ``uvicorn --factory engage.web.app:create_app_from_env``."""
    return create_app(Settings.from_env())
