"""The worker's side of tagging: load the tagger once per process, run it off the event loop, hand results to
`engage.tags.service`. This module (with the command line) is where `engage` meets `nlp/`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import asyncpg

from engage.db import Connection, transaction
from engage.safeguarding.models import RiskReason
from engage.settings import Settings
from engage.tags import queries as tag_queries
from engage.tags import service as tags
from engage.tags.models import EvidenceSpan, OtherFramework, Tagging, TaggingOutcome, TextToTag
from nlp.frameworks import BUILTIN_DIR
from nlp.model import ThemeModel, default_model_dir
from nlp.tagger import Tagger, TagResult

log = logging.getLogger(__name__)

RESCAN_AFTER_S = 600.0
"""With nothing left to re-tag, the sweep looks again after this long (or at once after a promotion)."""


async def sync_builtin_frameworks(pool: asyncpg.Pool) -> None:
    """Put the frameworks shipped in nlp/frameworks/ into the database (idempotent; run at start-up)."""
    documents = [path.read_bytes() for path in sorted(BUILTIN_DIR.glob("*.json"))]
    async with transaction(pool) as conn:
        await tags.sync_builtin_frameworks(conn, documents)


def _spans(evidence: dict[str, list[Any]]) -> dict[str, list[EvidenceSpan]]:
    return {
        theme: [EvidenceSpan(start=e.start, end=e.end, text=e.text, cue=e.cue, weight=e.weight) for e in spans]
        for theme, spans in evidence.items()
    }


def to_tagging(contribution_id: UUID, result: TagResult, thresholds: dict[str, float], primary: str = "") -> Tagging:
    margin = (
        0.0
        if result.needs_translation or not result.scores
        else min(abs(score - thresholds[theme]) for theme, score in result.scores.items())
    )
    return Tagging(
        contribution_id=contribution_id,
        themes=result.themes,
        scores=result.scores,
        evidence=_spans(result.evidence),
        sentiment=result.sentiment,  # type: ignore[arg-type]
        language=result.language,
        needs_translation=result.needs_translation,
        safeguarding=result.safeguarding,
        safeguarding_score=result.safeguarding_score,
        risk=[RiskReason(kind=r.kind, start=r.start, end=r.end, text=r.text) for r in result.risk],
        margin=round(margin, 4),
        safeguarding_kinds=list(result.safeguarding_kinds),
        others=[
            OtherFramework(
                framework_id=framework_id,
                model_version=found.model,
                themes=found.themes,
                scores=found.scores,
                evidence=_spans(found.evidence),
            )
            for framework_id, found in result.frameworks.items()
            if framework_id != primary
        ],
    )


class TaggerHolder:
    """One tagger per worker process. Each job asks for the framework's active model version (one cheap query)
    and the holder reloads only when a new model has been promoted. Tagging runs in a thread, one batch at a
    time, so the event loop (heartbeats, the outbox relay, other jobs) keeps going."""

    def __init__(self, framework_id: str, also: Sequence[str] = ()) -> None:
        self.framework_id = framework_id
        self.also = [other for other in also if other != framework_id]
        """Frameworks tagged in the same pass with their shipped models (see ENGAGE_ALSO_FRAMEWORKS)."""
        self._tagger: Tagger | None = None
        self._lock = asyncio.Lock()
        # The version for which a full re-tagging pass last found nothing to do, and when: the sweep then skips
        # the scan (a query over every contribution) for a while, until a promotion changes the version.
        self.settled: tuple[str, float] | None = None

    async def current(self, conn: Connection) -> Tagger:
        active = await tag_queries.active_model_version(conn, self.framework_id)
        if self._tagger is not None and (active is None or active == self._tagger.version):
            return self._tagger
        async with self._lock:
            if self._tagger is None or (active is not None and active != self._tagger.version):
                stored = await tag_queries.get_active_model(conn, self.framework_id)
                self._tagger = await asyncio.to_thread(self._load, stored)
                log.info("tagging with %s", self._tagger.version)
        return self._tagger

    def _load(self, stored: object) -> Tagger:
        nlp = self._tagger.nlp if self._tagger is not None else None
        if stored is None:
            model = Tagger.load(framework_id=self.framework_id).model
        else:
            model = ThemeModel.from_bytes(stored.card, stored.weights, source=stored.version)  # type: ignore[attr-defined]
        others = [ThemeModel.load(default_model_dir(other)) for other in self.also]
        tagger = Tagger([model, *others], nlp)
        tagger.warm_up()
        return tagger

    async def tag(self, tagger: Tagger, texts: Sequence[str]) -> list[TagResult]:
        async with self._lock:
            return await asyncio.to_thread(tagger.tag, list(texts))


async def tag_contributions(
    pool: asyncpg.Pool, settings: Settings, holder: TaggerHolder, contribution_ids: list[UUID]
) -> TaggingOutcome:
    """Tag these contributions with the active model (those it already tagged are skipped) and commit."""
    async with pool.acquire() as conn:
        tagger = await holder.current(conn)
        todo = await tag_queries.texts_to_tag(conn, contribution_ids, skip_version=tagger.version)
    if not todo:
        return TaggingOutcome(tagged=0, tags=0, flagged=[])
    taggings = await _taggings(holder, tagger, todo)
    async with transaction(pool) as conn:
        return await tags.record_taggings(
            conn, holder.framework_id, tagger.version, taggings, safeguarding_email=settings.safeguarding_email
        )


async def _taggings(holder: TaggerHolder, tagger: Tagger, todo: list[TextToTag]) -> list[Tagging]:
    results = await holder.tag(tagger, [row.text for row in todo])
    thresholds = tagger.model.card.thresholds
    return [
        to_tagging(row.id, result, thresholds, holder.framework_id) for row, result in zip(todo, results, strict=True)
    ]


async def retag_stale(pool: asyncpg.Pool, settings: Settings, holder: TaggerHolder, *, budget_s: float) -> int:
    """Bring contributions tagged by an older model (or missed) up to the active one, a batch at a time, until
    none are left or the time budget is spent. One worker at a time does this per framework."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + budget_s
    done = 0
    if holder.settled and holder.settled[1] > loop.time() - RESCAN_AFTER_S:
        async with pool.acquire() as conn:
            if (await holder.current(conn)).version == holder.settled[0]:
                return 0
    while loop.time() < deadline:
        async with transaction(pool) as conn:
            if not await tag_queries.lock_retagging(conn, holder.framework_id):
                return done
            tagger = await holder.current(conn)
            ids = await tag_queries.stale_contribution_ids(conn, tagger.version, limit=settings.tag_batch_size)
            if not ids:
                holder.settled = (tagger.version, loop.time())
                return done
            taggings = await _taggings(holder, tagger, await tag_queries.texts_to_tag(conn, ids))
            outcome = await tags.record_taggings(
                conn, holder.framework_id, tagger.version, taggings, safeguarding_email=settings.safeguarding_email
            )
            done += outcome.tagged
    return done
