"""JSON API, version 1. Intake is open; reading needs a staff session."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter

from engage.contributions import queries as contribution_queries
from engage.contributions import service as contributions
from engage.contributions.models import (
    Contact,
    ContributionFilters,
    ContributionIn,
    ContributionPage,
    ContributionRow,
    FieldError,
    IdempotencyConflict,
    Kind,
    Neighbourhood,
    Receipt,
    Submission,
)
from engage.contributions.service import ContributionDetail
from engage.ids import fingerprint
from engage.web.deps import Conn, ReaderSight, Viewer, intake_of, requires
from engage.web.errors import problem


class ContributionList(msgspec.Struct, kw_only=True):
    items: list[ContributionRow]
    total: int
    page: int
    pages: int


def filters_from_query(
    kind: Kind | None,
    neighbourhood: str | None,
    source: str | None,
    received_from: date | None,
    received_to: date | None,
    q: str | None,
    page: int,
) -> ContributionFilters:
    """Dates are whole days in UTC; ``received_to`` includes its day."""
    return ContributionFilters(
        kind=kind,
        neighbourhood=neighbourhood or None,
        source=source or None,
        received_from=datetime.combine(received_from, time.min, tzinfo=UTC) if received_from else None,
        received_to=datetime.combine(received_to, time.min, tzinfo=UTC) + timedelta(days=1) if received_to else None,
        q=(q or "").strip()[:200] or None,
        page=page,
    )


class ContributionsApi(Controller):
    path = "/api/v1"
    tags = ["contributions"]  # noqa: RUF012 - Litestar reads it as declared

    @post(
        "/contributions",
        status_code=201,
        summary="Give a contribution",
        description=(
            "Stores an I statement, story or workshop note. Consent to analysis is required. Send an "
            "`Idempotency-Key` header to make retries safe: the same key with the same body returns the first "
            "answer and stores nothing new; the same key with another body is refused with 409."
        ),
    )
    async def create_contribution(
        self,
        request: Request[Any, Any, Any],
        state: State,
        data: JSONBody[ContributionIn],
        idempotency_key: Annotated[
            str | None, HeaderParameter(name="Idempotency-Key", min_length=1, max_length=200)
        ] = None,
    ) -> Response[Receipt | dict[str, Any]]:
        submission = Submission(
            kind=data.kind,
            text=data.text,
            consent=data.consent,
            source="api",
            neighbourhood=data.neighbourhood,
            programme=data.programme,
            language=data.language,
            contact=Contact(email=data.email) if data.email else None,
            idempotency_key=f"api:{idempotency_key}" if idempotency_key else None,
            fingerprint=fingerprint(await request.body()) if idempotency_key else None,
        )
        try:
            # Group commit: answered once the batch this joins has committed (engage.contributions.intake).
            receipt = (await intake_of(state).submit(submission)).receipt
        except IdempotencyConflict:
            return problem(
                409,
                "This Idempotency-Key was already used with a different body; nothing was stored.",
                [FieldError("Idempotency-Key", "was used before for another request")],
            )
        return Response(receipt, status_code=201)

    @get("/contributions", summary="List contributions (staff)", guards=[requires("read_contributions")])
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
        summary="One contribution (staff)",
        guards=[requires("read_contributions")],
    )
    async def get_contribution(self, conn: Conn, viewer: Viewer, contribution_id: FromPath[UUID]) -> ContributionDetail:
        detail = await contributions.view_contribution(conn, viewer, contribution_id)
        if detail is None:
            raise NotFoundException("No contribution with this id, or not one you may see.")
        return detail

    @get("/neighbourhoods", summary="Neighbourhoods a contribution can name", tags=["places"])
    async def list_neighbourhoods(self, conn: Conn) -> list[Neighbourhood]:
        return await contribution_queries.list_neighbourhoods(conn)


@get("/healthz", include_in_schema=False, sync_to_thread=False)
def health() -> dict[str, str]:
    """The cheapest endpoint: no database, no template. The benchmark's ceiling for the framework."""
    return {"status": "ok"}
