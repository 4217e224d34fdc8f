"""Baseline for bench/ingest.py: the same intake endpoint that validates and answers, and stores nothing.

`POST /api/v1/contributions` parses the body into Engage's own `ContributionIn` (msgspec, through Litestar), runs
the same checks (`prepare_submission`) and answers 201 with a receipt like Engage's (a new id and reference, and
the withdrawal code's HMAC). No database, no queue: the ceiling for a Litestar intake endpoint on this machine.
Served like `engage web`: one uvicorn process with uvloop and Engage's httptools protocol (one write per
response, engage/web/server.py); BENCH_BASELINE_HTTP=httptools serves it with uvicorn's own instead.

Run by bench/ingest.py: `python bench/baseline_validate.py PORT`.
"""

from __future__ import annotations

import os
import sys

import uvicorn
from litestar import Litestar, post

from engage.contributions.models import Contact, ContributionIn, Receipt, Submission
from engage.contributions.service import prepare_submission, receipt_for
from engage.ids import new_reference, uuid7
from engage.web.server import CoalescingHttpToolsProtocol

SECRET = "bench-secret-key-that-is-long-enough-for-hmac"  # noqa: S105 - signs nothing real


@post("/api/v1/contributions", status_code=201)
async def create_contribution(data: ContributionIn) -> Receipt:
    prepare_submission(
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
    return receipt_for(uuid7(), new_reference(), secret=SECRET)


app = Litestar([create_contribution])

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
