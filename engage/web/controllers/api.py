"""JSON API, version 1. Intake is open; reading needs a staff session."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter

from engage import i18n
from engage.contributions import queries as contribution_queries
from engage.contributions import service as contributions
from engage.contributions.models import (
    Contact,
    ContributionIn,
    ContributionPage,
    ContributionRow,
    InvalidContribution,
    Kind,
    Neighbourhood,
    Receipt,
    Submission,
)
from engage.contributions.service import ContributionDetail
from engage.db import latest_migration, readiness
from engage.ids import fingerprint
from engage.problems import FieldError, Problem
from engage.web.deps import Conn, ReaderSight, Viewer, intake_of, limits_of, pool_of, requires
from engage.web.errors import problem_responses
from engage.web.filters import filters_from_query


class ContributionList(msgspec.Struct, kw_only=True):
    items: list[ContributionRow]
    total: int
    page: int
    pages: int


class ContributionsApi(Controller):
    path = "/api/v1"
    tags = ["contributions"]  # noqa: RUF012 - Litestar reads it as declared

    @post(
        "/contributions",
        name="api-contribution-create",
        status_code=201,
        summary="Give a contribution",
        description=(
            "Stores an I statement, story or workshop note. Consent to analysis is required. Send an "
            "`Idempotency-Key` header to make retries safe: the same key with the same body returns the first "
            "answer and stores nothing new; the same key with another body is refused with 409."
        ),
        responses=problem_responses(400, 409, 413, 415, 422, 429, 503),
    )
    async def create_contribution(
        self,
        request: Request[Any, Any, Any],
        state: State,
        data: JSONBody[ContributionIn],
        idempotency_key: Annotated[
            str | None, HeaderParameter(name="Idempotency-Key", min_length=1, max_length=200)
        ] = None,
    ) -> Receipt:
        limits = limits_of(state)
        if (wait := await limits.api.allow(limits.address(request))) is not None:
            raise Problem(
                "body",
                f"too many contributions from this address in the last minute: wait {wait:.0f} s",
                status=429,
                detail="Slow down; nothing was stored.",
            )
        locale = i18n.supported(data.locale) if data.locale else i18n.SOURCE
        if locale is None:
            known = ", ".join(i18n.languages())
            raise InvalidContribution([FieldError("locale", f"is not a language Engage writes emails in ({known})")])
        submission = Submission(
            kind=data.kind,
            text=data.text,
            consent=data.consent,
            source="api",
            neighbourhood=data.neighbourhood,
            programme=data.programme,
            language=data.language,
            locale=locale,
            contact=Contact(email=data.email) if data.email else None,
            idempotency_key=f"api:{idempotency_key}" if idempotency_key else None,
            fingerprint=fingerprint(await request.body()) if idempotency_key else None,
        )
        # Group commit: answered once the batch this joins has committed (engage.contributions.intake). A refusal
        # (422, or 409 for an idempotency clash) is a Problem, answered by engage.web.errors.
        return (await intake_of(state).submit(submission)).receipt

    @get(
        "/contributions",
        name="api-contributions",
        summary="List contributions (staff)",
        guards=[requires("read_contributions")],
        responses=problem_responses(400, 401, 403, 422, 503),
    )
    async def list_contributions(
        self,
        conn: Conn,
        sight: ReaderSight,
        kind: FromQuery[Kind | None] = None,
        neighbourhood: FromQuery[str | None] = None,
        source: FromQuery[str | None] = None,
        received_from: Annotated[date | None, QueryParameter(name="from")] = None,
        received_to: Annotated[date | None, QueryParameter(name="to")] = None,
        q: FromQuery[str | None] = None,
        page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1,
    ) -> ContributionList:
        filters = filters_from_query(kind, neighbourhood, source, received_from, received_to, q, page)
        result: ContributionPage = await contributions.list_contributions(conn, sight, filters)
        return ContributionList(items=result.items, total=result.total, page=result.page, pages=result.pages)

    @get(
        "/contributions/{contribution_id:uuid}",
        name="api-contribution",
        summary="One contribution (staff)",
        guards=[requires("read_contributions")],
        responses=problem_responses(400, 401, 403, 404, 422, 503),
    )
    async def get_contribution(self, conn: Conn, viewer: Viewer, contribution_id: FromPath[UUID]) -> ContributionDetail:
        detail = await contributions.view_contribution(conn, viewer, contribution_id)
        if detail is None:
            raise NotFoundException("No contribution with this id, or not one you may see.")
        return detail

    @get(
        "/neighbourhoods",
        name="api-neighbourhoods",
        summary="Neighbourhoods a contribution can name",
        tags=["places"],
        responses=problem_responses(400, 503),
    )
    async def list_neighbourhoods(self, conn: Conn) -> list[Neighbourhood]:
        return await contribution_queries.list_neighbourhoods(conn)


@get("/healthz", name="health", include_in_schema=False, sync_to_thread=False)
def health() -> dict[str, str]:
    """Alive: the process answers. No database, no template (it is also the benchmark's ceiling for the
    framework). An orchestrator restarts a process that stops answering this."""
    return {"status": "ok"}


@get("/readyz", name="ready", include_in_schema=False)
async def ready(state: State) -> Response[dict[str, str]]:
    """Ready for traffic: PostgreSQL answers with every migration applied, and Valkey answers. 503 otherwise, so a
    load balancer sends requests elsewhere (the process stays alive and keeps what it can do)."""
    checks = await readiness(pool_of(state), state["redis"], latest_migration())
    ok = all(value == "ok" for value in checks.values())
    return Response(
        {"status": "ready" if ok else "not ready", **checks},
        status_code=200 if ok else 503,
        headers={} if ok else {"Retry-After": "5"},
    )
