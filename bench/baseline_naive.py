"""Baseline for bench/ingest.py: the simplest durable intake, one INSERT and one commit per request.

The validate-only app (bench/baseline_validate.py) plus an asyncpg pool of the same size as Engage's (asyncpg's
defaults otherwise), and for each request one INSERT (its own transaction) of the same row into a table shaped
like ``contributions`` (``LIKE contributions INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING INDEXES``: the same
columns, full-text indexes and other indexes; no foreign keys, triggers, outbox, contact or equality rows). It
answers 201 once the INSERT has committed. Served like `engage web`.

Run by bench/ingest.py: `python bench/baseline_naive.py PORT DSN`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import uvicorn
from litestar import Litestar, post
from litestar.datastructures import State

from engage.contributions.models import Contact, ContributionIn, Receipt, Submission
from engage.contributions.service import prepare_submission, receipt_for
from engage.ids import new_reference, uuid7
from engage.web.server import CoalescingHttpToolsProtocol

SECRET = "bench-secret-key-that-is-long-enough-for-hmac"  # noqa: S105 - signs nothing real
DSN = sys.argv[2] if len(sys.argv) > 2 else ""


@asynccontextmanager
async def lifespan(app: Litestar) -> AsyncIterator[None]:
    pool = await asyncpg.create_pool(DSN, min_size=2, max_size=16)
    await pool.execute(
        """CREATE TABLE IF NOT EXISTS bench_naive
           (LIKE contributions INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING INDEXES)"""
    )
    app.state.pool = pool
    try:
        yield
    finally:
        await pool.close()


@post("/api/v1/contributions", status_code=201)
async def create_contribution(state: State, data: ContributionIn) -> Receipt:
    sub = prepare_submission(
        Submission(
            kind=data.kind,
            text=data.text,
            consent=data.consent,
            source="api",
            neighbourhood=data.neighbourhood,
            programme=data.programme,
            language=data.language,
            contact=Contact(email=data.email) if data.email else None,
        )
    )
    contribution_id, reference = uuid7(), new_reference()
    async with state.pool.acquire() as conn:
        await conn.execute(
            """INSERT INTO bench_naive (id, reference, kind, text, source, neighbourhood, language, consent_analysis,
                                        consent_quote, consent_share, consent_contact)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)""",
            contribution_id,
            reference,
            sub.kind,
            sub.text,
            sub.source,
            sub.neighbourhood,
            sub.language,
            sub.consent.analysis,
            sub.consent.quote,
            sub.consent.share,
            sub.consent.contact,
        )
    return receipt_for(contribution_id, reference, secret=SECRET)


app = Litestar([create_contribution], lifespan=[lifespan])

if __name__ == "__main__":
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        loop="uvloop",
        http="httptools" if os.environ.get("BENCH_BASELINE_HTTP") == "httptools" else CoalescingHttpToolsProtocol,
        log_level="warning",
        access_log=False,
    )
