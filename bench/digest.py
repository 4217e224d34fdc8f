"""Governance benchmark: a million contributions, the dashboard and one board's digest.

Starts an embedded PostgreSQL and Valkey in a fresh directory, applies the migrations, and loads BENCH_ROWS
(1,000,000) contributions spread over 24 months with COPY: about 1.6 theme tags each, equality answers for a
third, a safeguarding flag on 1 %, quote consent on half, and facilitator approval (with redacted words) on about
BENCH_APPROVALS_PER_MONTH (200) a month: a person approves each quote, so approvals do not grow with intake. A
second embedded PostgreSQL gets BENCH_SMALL_ROWS (100,000) made the same way over the same 24 months, so that a
digest's cost at each size can be compared in the same run: a month at 1,000,000 holds ten times the contributions
of a month at 100,000, and a digest that reads counts by day and month costs about the same at both. Then:

- refreshes the dashboard's rollups, as the worker does (time printed);
- times each dashboard view's queries on the server side (build_dashboard, 12 and 24 months, one neighbourhood,
  one programme) and the drill-down for one month and theme: median and max of BENCH_REPEATS (20);
- times one board's digest build (500 members, no filters: the most work) for last month and last week, and a
  filtered board's, at 100,000 and at 1,000,000 in turn (BENCH_REPEATS rounds, alternating), and prints the
  ratio; then the digest's queueing (digest row + 500 mail rows in one transaction);
- starts `engage web` against the same database, requests the dashboard and the drill-down BENCH_REPEATS times
  each over HTTP, and prints the web process's resident memory (RSS) afterwards.

Run by hand: `.venv/bin/python bench/digest.py`. Loading takes a few minutes on two cores.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engage.accounts.service import create_user  # noqa: E402
from engage.boards import service as boards  # noqa: E402
from engage.boards.models import BoardDraft  # noqa: E402
from engage.contributions.models import EQUALITY_CHOICES  # noqa: E402
from engage.dashboards import queries as dashboard_queries  # noqa: E402
from engage.dashboards import service as dashboards  # noqa: E402
from engage.dashboards.models import DashboardQuery, DrillQuery  # noqa: E402
from engage.db import create_pool, migrate, transaction  # noqa: E402
from engage.demo.loader import NEIGHBOURHOODS  # noqa: E402
from engage.digests import service as digests  # noqa: E402
from engage.digests.models import LOCAL, last_full_month, last_full_week  # noqa: E402
from engage.embedded import EmbeddedPostgres, EmbeddedValkey, free_port  # noqa: E402
from engage.ids import token  # noqa: E402
from engage.workers.tagging import sync_builtin_frameworks  # noqa: E402
from nlp.redact import REDACTOR_VERSION  # noqa: E402

ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
SMALL_ROWS = int(os.environ.get("BENCH_SMALL_ROWS", "100000"))
APPROVALS_PER_MONTH = int(os.environ.get("BENCH_APPROVALS_PER_MONTH", "200"))
KEEP = os.environ.get("BENCH_DATA_DIR", "")
"""Keep the loaded database in this directory and reuse it on the next run (loading takes minutes)."""
REPEATS = int(os.environ.get("BENCH_REPEATS", "20"))
FRAMEWORK = "lambeth-what-matters"
THEMES = ["listen", "easier", "quality", "choice", "thrive", "safe"]
HOODS = NEIGHBOURHOODS
ETHNICITIES = EQUALITY_CHOICES["ethnicity"]
AGES = EQUALITY_CHOICES["age_band"]
PROGRAMMES = ["going-home", "carers-breaks", "same-gp"]
BATCH = 50_000


def texts() -> list[str]:
    from engage.demo.data import I_STATEMENTS

    return list(I_STATEMENTS)


async def load(pool: Any, rows: int) -> float:
    rng = random.Random(7)
    statements = texts()
    now = datetime.now(UTC)
    span_s = 730 * 86400
    # A facilitator approves each quote by hand, so approvals follow people's time, not intake: about
    # APPROVALS_PER_MONTH a month whatever the number of contributions (of those whose authors agreed to quoting).
    approval_rate = min(1.0, APPROVALS_PER_MONTH * 24 / (rows * 0.5))
    started = time.perf_counter()
    async with pool.acquire() as conn:
        admin = await conn.fetchval("SELECT id FROM users LIMIT 1")
        for slug in PROGRAMMES:
            await conn.execute(
                """INSERT INTO programmes (slug, name, purpose, framework_id, discovery_from, define_from,
                                           develop_from, ends_on, created_by)
                   VALUES ($1, $2, 'Bench', $3, '2025-01-01', '2026-06-01', '2026-09-01', '2027-12-31', $4)""",
                slug,
                slug.replace("-", " ").title(),
                FRAMEWORK,
                admin,
            )
        for offset in range(0, rows, BATCH):
            contributions, tags, equality, flags = [], [], [], []
            for i in range(offset, min(rows, offset + BATCH)):
                cid = uuid.UUID(int=rng.getrandbits(128) | (4 << 76))
                at = now - timedelta(seconds=rng.random() * span_s)
                quote = rng.random() < 0.5
                approved = quote and rng.random() < approval_rate
                text = f"{rng.choice(statements)} ({i})"
                contributions.append(
                    (
                        cid,
                        f"BEN-{i:010d}",
                        "i_statement",
                        text,
                        "import",
                        rng.choice(HOODS) if rng.random() < 0.9 else None,
                        True,
                        quote,
                        at,
                        at if approved else None,
                        rng.choice(PROGRAMMES) if rng.random() < 0.2 else None,
                        # The worker redacts every contribution within seconds; the digest quotes only redacted
                        # words, so the approved ones carry theirs (the statements hold no personal details).
                        text if approved else None,
                        REDACTOR_VERSION if approved else None,
                    )
                )
                for theme in rng.sample(THEMES, 1 if rng.random() < 0.5 else 2 if rng.random() < 0.8 else 3):
                    tags.append((cid, FRAMEWORK, theme, True, "model", round(rng.random(), 3)))
                if rng.random() < 0.33:
                    equality.append(
                        (
                            cid,
                            rng.choice(AGES),
                            rng.choice(ETHNICITIES),
                            rng.choice(["Yes", "No"]),
                            rng.choice(["Yes", "No"]),
                        )
                    )
                if rng.random() < 0.01:
                    flags.append((cid, "rules", "open" if rng.random() < 0.2 else "actioned"))
            await conn.copy_records_to_table(
                "contributions",
                records=contributions,
                columns=[
                    "id",
                    "reference",
                    "kind",
                    "text",
                    "source",
                    "neighbourhood",
                    "consent_analysis",
                    "consent_quote",
                    "received_at",
                    "quote_approved_at",
                    "programme",
                    "redacted_text",
                    "redactor_version",
                ],
            )
            await conn.copy_records_to_table(
                "contribution_tags",
                records=tags,
                columns=["contribution_id", "framework_id", "theme_id", "given", "source", "confidence"],
            )
            await conn.copy_records_to_table(
                "contribution_equality",
                records=equality,
                columns=["contribution_id", "age_band", "ethnicity", "disability", "carer"],
            )
            await conn.copy_records_to_table(
                "safeguarding_flags", records=flags, columns=["contribution_id", "raised_by", "status"]
            )
            print(f"  loaded {min(rows, offset + BATCH):,} contributions", end="\r", flush=True)
        await conn.fetchval("SELECT fold_day_counts()")  # as the worker does every minute
        await conn.execute("VACUUM ANALYZE")  # what autovacuum does after a bulk load
    print()
    return time.perf_counter() - started


async def timed(fn: Callable[[], Awaitable[Any]]) -> tuple[float, float]:
    """Median and max milliseconds over REPEATS runs, after one warm-up run."""
    await fn()
    samples = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        await fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)


def start_web(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "engage", "web"], env=env, start_new_session=True, stdout=subprocess.DEVNULL
    )


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def prepare(dsn: str, rows: int, where: Path) -> tuple[Any, Any]:
    """Migrate, load ``rows`` contributions unless they are there already, and make a fresh admin account."""
    await migrate(dsn)
    pool = await create_pool(dsn, size=4)
    await sync_builtin_frameworks(pool)
    async with transaction(pool) as conn:
        await conn.execute("TRUNCATE boards, digests, mail_messages, audit_log, staff_sessions CASCADE")
        loaded = await conn.fetchval("SELECT count(*) FROM contributions")
        await conn.execute("DELETE FROM users WHERE email = 'bench@example.org'")
        admin = await create_user(
            conn,
            email="bench@example.org",
            name="Bench",
            role="admin",
            password="a long bench password",  # noqa: S106 - a throwaway database
            organisation=None,
        )
    if loaded:
        print(f"reusing the {loaded:,} contributions in {where}")
    else:
        took = await load(pool, rows)
        print(f"loaded {rows:,} contributions (with tags, equality answers and flags) by COPY in {took:.0f} s")
    return pool, admin


async def make_boards(pool: Any, admin: Any) -> tuple[Any, Any]:
    async with transaction(pool) as conn:
        board = await boards.save_board(
            conn,
            admin,
            BoardDraft(
                id="hwb",
                name="Health and Wellbeing Board",
                frequency="monthly",
                owner_email=admin.email,
                members=[f"member{i}@example.org" for i in range(500)],
            ),
            framework_id=FRAMEWORK,
        )
        filtered = await boards.save_board(
            conn,
            admin,
            BoardDraft(
                id="brixton-safe",
                name="Brixton safety",
                frequency="weekly",
                owner_email=admin.email,
                themes=["safe"],
                neighbourhoods=["brixton"],
                members=["chair@example.org"],
            ),
            framework_id=FRAMEWORK,
        )
    return board, filtered


async def main() -> None:
    root = Path(KEEP) if KEEP else Path(tempfile.mkdtemp(prefix="engage-bench-digest-"))
    postgres, valkey = EmbeddedPostgres(root), EmbeddedValkey(root)
    small_postgres = EmbeddedPostgres(root / "small")
    dsn = postgres.start()
    small_dsn = small_postgres.start()
    redis_url = valkey.start()
    web: subprocess.Popen[bytes] | None = None
    try:
        small_pool, small_admin = await prepare(small_dsn, SMALL_ROWS, root / "small")
        pool, admin = await prepare(dsn, ROWS, root)
        async with pool.acquire() as conn:
            tag_rows = await conn.fetchval("SELECT count(*) FROM contribution_tags")
            refresh_ms = await dashboard_queries.refresh_rollups(conn)
            refresh_again_ms = await dashboard_queries.refresh_rollups(conn)
            rollup_rows = await conn.fetchval(
                "SELECT (SELECT count(*) FROM theme_monthly) + (SELECT count(*) FROM contribution_monthly)"
            )
        print(
            f"{tag_rows:,} theme tags; rollups refreshed (CONCURRENTLY, as the worker does) in "
            f"{refresh_ms / 1000:.1f} s, again in {refresh_again_ms / 1000:.1f} s; {rollup_rows:,} rollup rows"
        )

        today = datetime.now(LOCAL).date()
        month = last_full_month(today)
        print(f"\nDashboard views, server side (median / max of {REPEATS}; target under 50 ms)")
        async with pool.acquire() as conn:
            views: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
                ("dashboard, 12 months", lambda: dashboards.build_dashboard(conn, FRAMEWORK, DashboardQuery(), today)),
                (
                    "dashboard, 24 months",
                    lambda: dashboards.build_dashboard(conn, FRAMEWORK, DashboardQuery(months=24), today),
                ),
                (
                    "dashboard, one neighbourhood",
                    lambda: dashboards.build_dashboard(conn, FRAMEWORK, DashboardQuery(neighbourhood="brixton"), today),
                ),
                (
                    "dashboard, one programme",
                    lambda: dashboards.build_dashboard(conn, FRAMEWORK, DashboardQuery(programme="same-gp"), today),
                ),
                (
                    "drill-down, one month and theme (100 rows)",
                    lambda: dashboards.drill_down(
                        conn, admin, FRAMEWORK, DrillQuery(month=month.start, theme="safe"), today, limit=100
                    ),
                ),
            ]
            for label, view in views:
                median, worst = await timed(view)
                print(f"  {label:44} {median:7.1f} ms  {worst:7.1f} ms")

        board, filtered = await make_boards(pool, admin)
        small_board, small_filtered = await make_boards(small_pool, small_admin)
        week = last_full_week(today)
        async with pool.acquire() as conn, small_pool.acquire() as small_conn:
            in_month = [
                await c.fetchval(
                    "SELECT count(*) FROM contributions WHERE received_at >= $1 AND received_at < $2", *month.bounds()
                )
                for c in (small_conn, conn)
            ]
            print(
                f"\nOne board's digest build at {SMALL_ROWS:,} and at {ROWS:,} contributions ({in_month[0]:,} and "
                f"{in_month[1]:,} of them in {month.label}); median / max of {REPEATS}, the two sizes in turn; "
                "target under 2 s, and the month at 1,000,000 within 2x of the month at 100,000"
            )
            for label, targets, period in (
                (f"500-member board, no filters, {month.label}", (small_board, board), month),
                (f"500-member board, no filters, week {week.label}", (small_board, board), week),
                (f"filtered board (safe, Brixton), {month.label}", (small_filtered, filtered), month),
            ):
                samples: tuple[list[float], list[float]] = ([], [])
                for round_number in range(REPEATS + 1):
                    for size, (c, target) in enumerate(((small_conn, targets[0]), (conn, targets[1]))):
                        started = time.perf_counter()
                        await digests.build_digest(c, target, period, framework_id=FRAMEWORK)
                        if round_number:  # the first round warms up
                            samples[size].append((time.perf_counter() - started) * 1000)
                small_ms, big_ms = (statistics.median(x) for x in samples)
                print(
                    f"  {label:56} {small_ms:7.1f} ms / {big_ms:7.1f} ms (max {max(samples[1]):.0f} ms); "
                    f"ratio {big_ms / small_ms:.2f}"
                )
        await small_pool.close()
        started = time.perf_counter()
        async with transaction(pool) as conn:
            digest_id = await digests.send_digest(conn, board, month, framework_id=FRAMEWORK)
            queued = await conn.fetchval("SELECT count(*) FROM mail_messages WHERE digest_id = $1", digest_id)
        print(
            f"  build + store + queue {queued} emails in one transaction: "
            f"{(time.perf_counter() - started) * 1000:.0f} ms"
        )

        raw, hashed = token()
        async with pool.acquire() as conn:
            await conn.execute(
                """INSERT INTO staff_sessions (token_hash, user_id, expires_at)
                   VALUES ($1, $2, now() + interval '1 hour')""",
                hashed,
                admin.id,
            )
        await pool.close()

        port = free_port()
        env = {
            **os.environ,
            "ENGAGE_DATABASE_URL": dsn,
            "ENGAGE_REDIS_URL": redis_url,
            "ENGAGE_PORT": str(port),
            "ENGAGE_DATA_DIR": str(root / "data"),
            "ENGAGE_LOG_LEVEL": "warning",
        }
        web = start_web(env)
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, cookies={"engage_session": raw}, timeout=30) as client:
            for _ in range(200):
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.2)
            idle = rss_mb(web.pid)
            print(f"\nengage web over HTTP (median / max of {REPEATS}), RSS at start {idle:.0f} MB")
            for label, url in (
                ("GET /staff/dashboard", "/staff/dashboard"),
                ("GET /staff/dashboard?months=24", "/staff/dashboard?months=24"),
                (
                    "GET /staff/dashboard/contributions (a month)",
                    f"/staff/dashboard/contributions?month={month.start:%Y-%m}&theme=safe",
                ),
                (
                    "GET /staff/dashboard/contributions CSV (a month)",
                    f"/staff/dashboard/contributions?month={month.start:%Y-%m}&format=csv",
                ),
                ("GET /boards/hwb/digests/{id}", f"/boards/hwb/digests/{digest_id}"),
            ):

                async def fetch(url: str = url) -> None:
                    response = await client.get(url)
                    assert response.status_code == 200, (url, response.status_code, response.text[:300])

                median, worst = await timed(fetch)
                print(f"  {label:52} {median:7.1f} ms  {worst:7.1f} ms")
            print(f"web process RSS after the requests: {rss_mb(web.pid):.0f} MB (target under 300 MB)")
    finally:
        if web is not None:
            os.killpg(web.pid, signal.SIGINT)
            web.wait(timeout=30)
        valkey.stop()
        postgres.stop()
        small_postgres.stop()
        if not KEEP:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
