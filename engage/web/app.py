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
from litestar.datastructures import State
from litestar.exceptions import HTTPException, PermissionDeniedException
from litestar.logging.config import LoggingConfig
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from engage.accounts.models import ROLE_LABELS, Permission, StaffUser, can
from engage.contributions.intake import MAX_IN_FLIGHT, IntakeBatcher
from engage.contributions.models import (
    EQUALITY_CHOICES,
    KIND_LABELS,
    LANGUAGES,
    SOURCE_LABELS,
    Consent,
    ContributionIn,
)
from engage.db import create_pool, freeze_heap
from engage.digests.population import SUPPRESS_BELOW
from engage.logs import configure_logging
from engage.outbox.service import OutboxRelay, redis_client
from engage.privacy.models import SMALLEST_GROUP_SHOWN
from engage.problems import Problem
from engage.safeguarding.models import KIND_NAMES as SAFEGUARDING_KINDS
from engage.settings import Settings
from engage.web import errors, links, locale
from engage.web.controllers.api import ContributionsApi, health, ready
from engage.web.controllers.assets import AssetsController, ProgrammeOutputsController
from engage.web.controllers.community import CommunityController, MemberSignInController
from engage.web.controllers.consensus import RoundsController, VoteController
from engage.web.controllers.governance import (
    ArchiveController,
    BoardsController,
    DashboardController,
    SubscriptionsController,
)
from engage.web.controllers.mailbox import MailboxController
from engage.web.controllers.paper import PaperFormsController
from engage.web.controllers.programmes import ProgrammesController
from engage.web.controllers.propositions import PropositionsController
from engage.web.controllers.public import EasyReadController, PublicController, YourWordsController, expired_form
from engage.web.controllers.recommendations import PublicRecommendationsController, RecommendationsController
from engage.web.controllers.responses import ResponsesController
from engage.web.controllers.staff import AdminController, StaffController
from engage.web.controllers.themes import ModelsController, ReviewController, SafeguardingController
from engage.web.controllers.workshops import LiveController, WorkshopsController
from engage.web.deps import DEPENDENCIES, request_database
from engage.web.errors import FieldProblem, ProblemBody
from engage.web.headers import security_headers
from engage.web.input import check_input
from engage.web.limits import Limits
from engage.workshops.feed import BoardFeed

log = logging.getLogger(__name__)

WEB_DIR = Path(__file__).parent
MAX_BODY_BYTES = 256 * 1024
"""The longest story allowed is 10,000 characters; with a form's other fields that is far below this."""

CSRF_FAILED = "CSRF token verification failed"
"""What Litestar's CSRF middleware says when a form's token does not match its cookie."""


def may(viewer: StaffUser | None, permission: Permission) -> bool:
    """Templates ask the permission table, never a role's name: ``{% if can(viewer, "run_programmes") %}``."""
    return viewer is not None and can(viewer.role, permission)


def _template_environment(settings: Settings) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(WEB_DIR / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.policies["ext.i18n.trimmed"] = True
    locale.install(env)
    env.globals.update(
        KIND_LABELS=KIND_LABELS,
        SOURCE_LABELS=SOURCE_LABELS,
        LANGUAGES=LANGUAGES,
        ROLE_LABELS=ROLE_LABELS,
        KIND_NAMES=SAFEGUARDING_KINDS,
        EQUALITY_CHOICES=EQUALITY_CHOICES,
        can=may,
        SMALLEST_GROUP_SHOWN=SMALLEST_GROUP_SHOWN,
        SUPPRESS_BELOW=SUPPRESS_BELOW,
        crisis_line=settings.crisis_line,
        crisis_line_number=settings.crisis_line_number,
    )
    env.filters["date"] = lambda value, fmt="%-d %b %Y": value.strftime(fmt) if value else ""
    return env


def create_app(settings: Settings) -> Litestar:
    settings = settings.with_secret()
    assert settings.database_url and settings.redis_url, "engage run fills these in when they are not set"

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        pool = await create_pool(
            settings.database_url or "", size=settings.pool_size, timeout_s=settings.db_timeout_s, session_state=False
        )
        redis = redis_client(settings.redis_url or "")
        relay = OutboxRelay(pool, redis)
        # The batcher's own connections: a request that holds one of the pool's while it waits for its batch
        # (staff entry) can then never leave the batcher without one.
        # A batch's statement is bounded like any other: a stalled PostgreSQL fails its batch (503, "send it again").
        intake_pool = await create_pool(
            settings.database_url or "", size=MAX_IN_FLIGHT, timeout_s=settings.db_timeout_s, session_state=False
        )
        intake = IntakeBatcher(
            intake_pool,
            redis,
            secret=settings.secret_key,
            window_s=settings.intake_batch_window_ms / 1000,
            max_batch=settings.intake_batch_size,
            surge_per_s=settings.surge_per_s,
        )
        board_feed = BoardFeed(settings.database_url or "")
        relay.start()
        limits = Limits(
            redis,
            trusted_proxies=settings.trusted_proxies,
            forms_per_minute=settings.form_rate_limit_per_minute,
            api_per_minute=settings.api_rate_limit_per_minute,
            notes_per_minute=settings.workshop_notes_per_minute,
        )
        intake.start()
        board_feed.start()
        app.state.update(pool=pool, redis=redis, relay=relay, limits=limits, intake=intake, board_feed=board_feed)
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

    def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
        locale.ensure_locale(request)
        if (
            isinstance(exc, PermissionDeniedException)
            and exc.detail == CSRF_FAILED
            and not locale.is_staff_path(request.url.path)
            and not request.url.path.startswith("/api/")
        ):
            # A citizen whose page sat open too long (or who lost the cookie): keep what they typed.
            return expired_form(request, settings)
        return errors.http_error(request, exc)

    def problem(request: Request[Any, Any, Any], exc: Problem) -> Response[Any]:
        locale.ensure_locale(request)
        return errors.problem(request, exc)

    environment = _template_environment(settings)
    app = Litestar(
        route_handlers=[
            PublicController,
            EasyReadController,
            YourWordsController,
            StaffController,
            PaperFormsController,
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
            MemberSignInController,
            CommunityController,
            RecommendationsController,
            PublicRecommendationsController,
            ContributionsApi,
            MailboxController,
            health,
            ready,
            create_static_files_router(path="/static", directories=[WEB_DIR / "static"], name="static"),
        ],
        lifespan=[lifespan],
        middleware=[locale.request_locale(settings.secure_cookies), request_database],
        before_send=[security_headers(settings)],
        dependencies=DEPENDENCIES,
        state=State({"settings": settings}),
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(environment)),
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="engage_csrf",
            cookie_secure=settings.secure_cookies,
            cookie_samesite="lax",
            header_name="x-csrf-token",
            # Unsubscribe links carry a token made for one member; RFC 8058 one-click POSTs arrive without cookies.
            exclude=["/api/", "/healthz", "/unsubscribe/"],
        ),
        exception_handlers={**errors.HANDLERS, HTTPException: http_error, Problem: problem},
        before_request=check_input,
        after_exception=[errors.log_exception],
        request_max_body_size=MAX_BODY_BYTES,
        openapi_config=OpenAPIConfig(
            title="Engage API",
            version="1",
            description="Give contributions and read them (staff). Errors always name the field and the reason.",
            path="/api/schema",
            render_plugins=[ScalarRenderPlugin()],
        ),
        # engage.web.errors.log_exception logs each error once, in the right shape.
        logging_config=LoggingConfig(log_exceptions="never"),
        debug=False,
    )
    # After Litestar's engine registered its own url_for (which needs the request in the template's context).
    environment.globals["url_for"] = links.url_for(app)
    _exact_openapi(app)
    return app


def _exact_openapi(app: Litestar) -> None:
    """Say in the schema what the API refuses: unknown fields in a body (the Structs forbid them), so a client
    generated from it, or a fuzzer, knows."""
    schemas = app.openapi_schema.components.schemas or {}
    for struct in (ContributionIn, Consent, ProblemBody, FieldProblem):
        if struct.__name__ in schemas and struct.__struct_config__.forbid_unknown_fields:
            schemas[struct.__name__].additional_properties = False


def create_app_from_env() -> Litestar:
    """Factory for ASGI servers: ``uvicorn --factory engage.web.app:create_app_from_env``. Each web process
    uvicorn starts sets up its own logging."""
    settings = Settings.from_env()
    configure_logging(settings)
    return create_app(settings)
