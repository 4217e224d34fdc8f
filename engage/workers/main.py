"""The arq worker: settings, start-up (one pool and one relay per process) and shut-down."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from arq import Worker, cron
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from engage.db import create_pool, freeze_heap
from engage.mail.smtp import parse_smtp_url
from engage.outbox.service import OutboxRelay, redis_client
from engage.settings import Settings
from engage.workers import tasks
from engage.workers.delivery import MailSender
from engage.workers.redaction import RedactionSweep
from engage.workers.retraining import TrainingRunner
from engage.workers.tagging import TaggerHolder, sync_builtin_frameworks
from nlp.redact import redact

log = logging.getLogger(__name__)


class WorkerResources:
    """What a worker process loads once and keeps, even when it has to reconnect to Valkey: the database pool,
    the spaCy pipeline and model, the mail sender, the trainer."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.loaded: dict[str, Any] = {}

    async def load(self) -> dict[str, Any]:
        if not self.loaded:
            settings = self.settings
            pool = await create_pool(
                settings.database_url or "", size=settings.pool_size, timeout_s=settings.job_timeout_s
            )
            await sync_builtin_frameworks(pool)
            # The spaCy pipeline and the model load once per process, here, not in the first job.
            tagger = TaggerHolder(
                settings.framework, [f.strip() for f in settings.also_frameworks.split(",") if f.strip()]
            )
            async with pool.acquire() as conn:
                await tagger.current(conn)
            self.loaded = {
                "settings": settings,
                "pool": pool,
                "mail": MailSender(pool, settings, parse_smtp_url(settings.smtp_url or "")),
                "tagger": tagger,
                "trainer": TrainingRunner(pool, settings),
                "redactions": RedactionSweep(settings.tag_batch_size),
            }
        return self.loaded

    async def close(self) -> None:
        if self.loaded:
            await self.loaded["trainer"].stop()
            await self.loaded["pool"].close()
            self.loaded = {}


def build_worker(settings: Settings, *, burst: bool = False, resources: WorkerResources | None = None) -> Worker:
    """An arq worker. Given `resources`, it borrows them (they outlive it); otherwise it loads and closes its own."""
    assert settings.database_url and settings.redis_url and settings.smtp_url, "engage run fills these in"
    owned = resources is None
    held = resources or WorkerResources(settings)

    async def startup(ctx: dict[str, Any]) -> None:
        ctx.update(await held.load())
        ctx["relay"] = OutboxRelay(ctx["pool"], ctx["redis"])
        ctx["relay"].start()
        redact("Warm up the redactor's word lists, Ada.")
        # The language model, the redactor's lists and the rest stay for the process's life: keep them out of
        # full garbage collections (engage.db.freeze_heap).
        freeze_heap()

    async def shutdown(ctx: dict[str, Any]) -> None:
        if "relay" in ctx:
            await ctx["relay"].stop()
        if owned:
            await held.close()

    interval = max(1, min(settings.sweep_interval_s, 30))
    cron_jobs = [
        cron(tasks.sweep, second=set(range(0, 60, interval)), run_at_startup=True, timeout=settings.job_timeout_s)
    ]
    # Every job keeps the one timeout: arq waits the longest timeout of any function before rerunning a job whose
    # worker died, so one long timeout would delay every recovery.
    cron_jobs += [
        cron(tasks.refresh_dashboard, second=10, run_at_startup=True, timeout=settings.job_timeout_s),
        cron(tasks.send_due_digests, second=40, run_at_startup=True, timeout=settings.job_timeout_s),
        cron(tasks.apply_retention, hour=2, minute=30, second=0, run_at_startup=True, timeout=settings.job_timeout_s),
    ]
    if settings.retrain_weekly:
        cron_jobs.append(cron(tasks.weekly_retrain, weekday="mon", hour=3, minute=0, second=0))
    return Worker(
        functions=[tasks.handle_events],
        cron_jobs=cron_jobs,
        redis_pool=redis_client(settings.redis_url or ""),
        on_startup=startup,
        on_shutdown=shutdown,
        job_timeout=settings.job_timeout_s,
        max_tries=8,
        burst=burst,
        handle_signals=False,
        keep_result=3600,
        health_check_interval=30,
    )


VALKEY_DOWN: tuple[type[BaseException], ...] = (RedisConnectionError, RedisTimeoutError, OSError, asyncio.TimeoutError)


async def run_worker(settings: Settings) -> None:
    """Run jobs until stopped. A lost Valkey does not stop the process: it reconnects with a back-off (1 s doubling
    to 30 s), keeping its database pool and model; the outbox sweep then re-relays anything Valkey lost."""
    resources = WorkerResources(settings)
    backoff = 1.0
    try:
        while True:
            worker = build_worker(settings, resources=resources)
            started = asyncio.get_running_loop().time()
            try:
                await worker.async_run()
                return
            except VALKEY_DOWN as exc:
                if asyncio.get_running_loop().time() - started > 60:
                    backoff = 1.0
                log.warning("lost Valkey (%s); reconnecting in %.0f s", type(exc).__name__, backoff)
            finally:
                with contextlib.suppress(*VALKEY_DOWN):
                    await worker.close()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 30.0)
    finally:
        await resources.close()
