"""The worker's side of redaction: the words governance and partner staff read, with names, phone numbers,
addresses and the like replaced (nlp.redact), computed once per contribution and stored beside the words, and
computed again when the redactor changes (see engage.privacy.visibility)."""

from __future__ import annotations

import asyncio
from uuid import UUID

import asyncpg

from engage.contributions import queries
from engage.contributions.queries import TextToRedact
from engage.db import transaction
from engage.propositions import queries as proposition_queries
from nlp.redact import REDACTOR_VERSION, redact

RESCAN_AFTER_S = 600.0
"""With nothing left to redact, the sweep looks at every contribution again only after this long."""


def _redacted(rows: list[TextToRedact]) -> list[TextToRedact]:
    return [
        TextToRedact(row.id, redact(row.text).text, redact(row.original).text if row.original else None) for row in rows
    ]


async def redact_contributions(pool: asyncpg.Pool, contribution_ids: list[UUID]) -> int:
    """Redact these contributions (those already redacted by this redactor are skipped) and commit."""
    async with transaction(pool) as conn:
        todo = await queries.texts_to_redact(conn, REDACTOR_VERSION, ids=contribution_ids, limit=len(contribution_ids))
        if not todo:
            return 0
        return await queries.save_redactions(conn, await asyncio.to_thread(_redacted, todo), REDACTOR_VERSION)


async def redact_comments(pool: asyncpg.Pool, comment_ids: list[UUID] | None = None, *, limit: int = 500) -> int:
    """Redact comments on propositions (these, or any not redacted by this redactor) and commit."""
    async with transaction(pool) as conn:
        todo = await proposition_queries.comments_to_redact(conn, REDACTOR_VERSION, ids=comment_ids, limit=limit)
        if not todo:
            return 0
        done = await asyncio.to_thread(lambda: [(i, redact(text).text) for i, text in todo])
        return await proposition_queries.save_comment_redactions(conn, done, REDACTOR_VERSION)


class RedactionSweep:
    """Redacts, a batch at a time, whatever an event did not reach, and everything again after the redactor
    changes. Remembers when a full pass found nothing, so an idle sweep does not scan every contribution."""

    def __init__(self, batch: int = 500) -> None:
        self.batch = batch
        self._settled_at: float | None = None

    async def run(self, pool: asyncpg.Pool, *, budget_s: float) -> int:
        loop = asyncio.get_running_loop()
        if self._settled_at is not None and loop.time() - self._settled_at < RESCAN_AFTER_S:
            return 0
        deadline = loop.time() + budget_s
        done = 0
        while loop.time() < deadline:
            async with transaction(pool) as conn:
                todo = await queries.texts_to_redact(conn, REDACTOR_VERSION, limit=self.batch)
                if not todo:
                    self._settled_at = loop.time()
                    return done
                done += await queries.save_redactions(conn, await asyncio.to_thread(_redacted, todo), REDACTOR_VERSION)
        return done
