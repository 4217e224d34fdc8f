"""Retraining: a new model from the corpus plus staff corrections, promoted only if it is not worse.

"Not worse" is judged on the framework's development split, which neither model trained on: the new model's
micro-F1 must be at least the active model's, and its macro-F1 no more than 0.01 below (macro-F1 moves with a
handful of examples of the rarest theme). Both are measured in the same run, on the same texts. Corrections whose
text is in the development split are left out of training, so the comparison stays honest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

import asyncpg
import msgspec

from engage.db import Lock, advisory_lock, transaction
from engage.settings import Settings
from engage.tags import queries as tag_queries
from engage.tags import service as tags
from engage.tags.models import Correction
from nlp.cues import english_pipeline
from nlp.frameworks import parse_framework
from nlp.model import Score, ThemeModel, default_model_dir
from nlp.training import (
    Example,
    Progress,
    TrainingDataError,
    corpus_path,
    evaluate,
    read_examples,
    shipped_labelled_examples,
    shipped_training_examples,
    train_model,
)

log = logging.getLogger(__name__)

MACRO_TOLERANCE = 0.01


class RetrainResult(msgspec.Struct, frozen=True, kw_only=True):
    version: str
    promoted: bool
    new: Score
    current: Score | None
    current_version: str | None
    corrections: int
    note: str


def _train_and_compare(
    document: bytes,
    corrections: list[Correction],
    active: tuple[bytes, bytes] | None,
    progress: Progress | None,
) -> tuple[ThemeModel, RetrainResult]:
    framework = parse_framework(document, source="framework")
    train_file, dev_file = corpus_path(framework.id, "train"), corpus_path(framework.id, "dev")
    if not train_file.is_file() or not dev_file.is_file():
        raise TrainingDataError(f"there is no training corpus for {framework.id!r} under nlp/data/")
    # The same texts `make model` trains the shipped models on (the corpus, the safeguarding texts and voices.jsonl).
    corpus = shipped_training_examples(framework)
    dev = read_examples(dev_file, framework)
    dev_texts = {example.text for example in dev}
    used = [c for c in corrections if c.text not in dev_texts]
    corrected = {c.text for c in used}
    examples = [e for e in corpus if e.text not in corrected] + [Example(text=c.text, themes=c.themes) for c in used]
    nlp = english_pipeline()
    model = train_model(
        framework, examples, nlp=nlp, labelled=shipped_labelled_examples(framework), dev=dev, progress=progress
    )
    assert model.card.dev is not None
    current: ThemeModel | None = None
    if active is not None:
        current = ThemeModel.from_bytes(*active, source="active model")
    elif default_model_dir(framework.id).is_dir():
        current = ThemeModel.load(default_model_dir(framework.id))
    current_score = evaluate(current, dev, nlp=nlp) if current is not None else None
    new = model.card.dev
    if current_score is None:
        promoted, note = True, "first model for this framework"
    else:
        promoted = new.micro_f1 >= current_score.micro_f1 and new.macro_f1 >= current_score.macro_f1 - MACRO_TOLERANCE
        note = (
            f"micro-F1 {new.micro_f1:.3f} vs {current_score.micro_f1:.3f}, "
            f"macro-F1 {new.macro_f1:.3f} vs {current_score.macro_f1:.3f}"
        )
    return model, RetrainResult(
        version=model.version,
        promoted=promoted,
        new=new,
        current=current_score,
        current_version=None if current is None else current.version,
        corrections=len(used),
        note=note,
    )


async def retrain(
    pool: asyncpg.Pool, settings: Settings, *, framework_id: str | None = None, progress: Progress | None = None
) -> RetrainResult:
    framework_id = framework_id or settings.framework
    async with pool.acquire() as conn:
        document = await tag_queries.get_framework_document(conn, framework_id)
        if document is None:
            raise TrainingDataError(f"no framework {framework_id!r} in the database")
        corrections = await tags.training_corrections(conn, framework_id)
        stored = await tag_queries.get_active_model(conn, framework_id)
    active = None if stored is None else (stored.card, stored.weights)
    model, result = await asyncio.to_thread(_train_and_compare, document, corrections, active, progress)
    card, weights = model.to_bytes()
    async with transaction(pool) as conn:
        await tags.record_model(
            conn,
            version=model.version,
            framework_id=framework_id,
            promote=result.promoted,
            card=card,
            weights=weights,
            dev_micro_f1=result.new.micro_f1,
            dev_macro_f1=result.new.macro_f1,
            train_examples=model.card.train_examples,
            corrections=result.corrections,
            note=result.note,
            trained_at=datetime.fromisoformat(model.card.trained_at.replace("Z", "+00:00")).astimezone(UTC),
        )
    log.info("retrained %s: %s (%s)", model.version, "promoted" if result.promoted else "not promoted", result.note)
    return result


class TrainingRunner:
    """Runs retraining as a background task of the worker process rather than as an arq job.

    Why: arq re-runs a job whose worker died only after the longest job timeout of any function has passed, so
    one half-hour training job would leave every killed events job waiting half an hour. Training instead runs
    beside the jobs, in one worker at a time (a PostgreSQL advisory lock), and a run lost with its worker costs
    nothing but the run: the weekly schedule or an admin's request starts another.
    """

    def __init__(self, pool: asyncpg.Pool, settings: Settings) -> None:
        self._pool = pool
        self._settings = settings
        self._task: asyncio.Task[RetrainResult | None] | None = None
        self.last: RetrainResult | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> bool:
        if self.running:
            return False
        self._task = asyncio.create_task(self._run())
        return True

    async def wait(self) -> RetrainResult | None:
        return None if self._task is None else await self._task

    async def _run(self) -> RetrainResult | None:
        async with self._pool.acquire() as conn, advisory_lock(conn, Lock.RETRAINING) as held:
            if not held:
                log.info("retraining is already running in another worker")
                return None
            try:
                self.last = await retrain(self._pool, self._settings)
                return self.last
            except Exception:
                log.exception("retraining failed")
                return None

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
