"""The arq worker: settings, start-up (one pool and one relay per process) and shut-down."""

from __future__ import annotations

import logging
from typing import Any

from arq import Worker, cron
from arq.connections import ArqRedis, RedisSettings

from engage.db import create_pool, freeze_heap
from engage.mail.smtp import parse_smtp_url
from engage.outbox.service import OutboxRelay
from engage.settings import Settings
from engage.workers import tasks
from engage.workers.delivery import MailSender
from engage.workers.redaction import RedactionSweep
from engage.workers.retraining import TrainingRunner
from engage.workers.tagging import TaggerHolder, sync_builtin_frameworks
from nlp.redact import redact

log = logging.getLogger(__name__)


def redis_client(url: str) -> ArqRedis:
    """An arq client that does not need Redis to be up yet: it connects on first use and reconnects."""
    settings = RedisSettings.from_dsn(url)
    return ArqRedis(
        host=settings.host,
        port=settings.port,
        db=settings.database,
        password=settings.password,
        username=settings.username,
        socket_connect_timeout=2,
        socket_timeout=5,
        retry_on_timeout=False,
    )


def build_worker(settings: Settings, *, burst: bool = False) -> Worker:
    assert settings.database_url and settings.redis_url and settings.smtp_url, "engage run fills these in"

    async def startup(ctx: dict[str, Any]) -> None:
        ctx["settings"] = settings
        ctx["pool"] = await create_pool(settings.database_url or "", size=settings.pool_size)
        ctx["mail"] = MailSender(ctx["pool"], settings, parse_smtp_url(settings.smtp_url or ""))
        await sync_builtin_frameworks(ctx["pool"])
        # The spaCy pipeline and the model load once per process, here, not in the first job.
        ctx["tagger"] = TaggerHolder(settings.framework)
        async with ctx["pool"].acquire() as conn:
            await ctx["tagger"].current(conn)
        ctx["trainer"] = TrainingRunner(ctx["pool"], settings)
        ctx["redactions"] = RedactionSweep(settings.tag_batch_size)
        ctx["relay"] = OutboxRelay(ctx["pool"], ctx["redis"])
        ctx["relay"].start()
        redact("Warm up the redactor's word lists, Ada.")
        # The language model, the redactor's lists and the rest stay for the process's life: keep them out of
        # full garbage collections (engage.db.freeze_heap).
        freeze_heap()

    async def shutdown(ctx: dict[str, Any]) -> None:
        if "trainer" in ctx:
            await ctx["trainer"].stop()
        if "relay" in ctx:
            await ctx["relay"].stop()
        if "pool" in ctx:
            await ctx["pool"].close()

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


async def run_worker(settings: Settings) -> None:
    worker = build_worker(settings)
    try:
        await worker.async_run()
    finally:
        await worker.close()
