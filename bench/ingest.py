"""Intake benchmark: Engage against two baselines, in one run, at 32 and 64 connections.

Starts `engage run` on a fresh data directory (embedded PostgreSQL and Valkey, one web process, one worker), and
beside it two small apps served the same way (one uvicorn process, uvloop, httptools):

- bench/baseline_validate.py: the same endpoint, validating and answering, storing nothing (the ceiling);
- bench/baseline_naive.py: one INSERT and one commit per request into a table shaped like ``contributions``, in
  the same PostgreSQL.

Then, for each number of connections, BENCH_ROUNDS (3) rounds, each driving every target with wrk for
BENCH_SECONDS (20) in an order that rotates from round to round, and prints each run, the medians, and the
ratios within each round (their medians). After each Engage run it waits for the worker to finish the run's
events (tags, redactions, receipts) before the next run, so no run pays for another's background work, and
reports the outbox: the oldest event not yet handed to the queue when wrk stopped, the oldest not yet processed,
and how long the worker took to catch up.

Every 201 counts only if its contribution is in PostgreSQL: wrk's script keeps each acknowledged reference and the
bench looks them all up afterwards.

CPU per contribution, per tier, comes from /proc (user + system time of the web process, of the worker, and of
PostgreSQL's processes) over each Engage run and its catch-up. One extra run measures the tiers apart: the
worker is paused (SIGSTOP) while wrk runs, so the web and PostgreSQL figures are intake's alone, and then
resumed, so the worker's and PostgreSQL's figures during the catch-up are the background work's alone.

While a run lasts, the web process tells the worker intake is surging (ENGAGE_SURGE_PER_S), and the worker's jobs
wait, at most ENGAGE_SURGE_WAIT_S (30 s): a 20 s run is answered with the processors to itself. A last run lasts
BENCH_SUSTAINED_SECONDS (60), longer than that wait, and reports what happens once the worker's jobs go ahead anyway:
the throughput over the whole minute and how many events the worker processed while it ran.

Needs `wrk` (Debian package). Run by hand: `make bench` or `.venv/bin/python bench/ingest.py`.
Options through the environment: BENCH_SECONDS (20), BENCH_ROUNDS (3), BENCH_CONNECTIONS ("32,64"),
BENCH_SUSTAINED_SECONDS (60; 0 leaves that run out).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
from running import engage_running, free_port  # bench/running.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
SECONDS = int(os.environ.get("BENCH_SECONDS", "20"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNECTIONS = [int(c) for c in os.environ.get("BENCH_CONNECTIONS", "32,64").split(",")]
SUSTAINED_SECONDS = int(os.environ.get("BENCH_SUSTAINED_SECONDS", "60"))
TICKS = os.sysconf("SC_CLK_TCK")
TARGETS = ("validate-only", "naive INSERT", "Engage")

POST_SCRIPT = r"""
local counter = 0
local hoods = {"brixton", "clapham", "stockwell", "streatham", "norwood", "vauxhall"}
refs = {}
statuses = {}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

request = function()
  counter = counter + 1
  local body = string.format(
    '{"kind":"i_statement","text":"I want to be seen by the same GP each time, message %d from thread %s.",' ..
    '"neighbourhood":"%s","consent":{"analysis":true,"quote":true}}',
    counter, tostring(wrk.thread):sub(-6), hoods[(counter % #hoods) + 1])
  return wrk.format("POST", "/api/v1/contributions", {["Content-Type"] = "application/json"}, body)
end

response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 201 then
    local ref = body:match('"reference":"([^"]+)"')
    if ref then refs[#refs + 1] = ref end
  end
end

done = function(summary, latency, requests)
  local out = io.open(os.getenv("BENCH_REFS"), "w")
  local created = 0
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    created = created + (s[201] or 0)
    for _, ref in ipairs(thread:get("refs")) do out:write(ref, "\n") end
  end
  out:close()
  io.write(string.format("created %d\n", created))
end
"""


def wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 180, *, method: str = "GET") -> None:
    """Until a baseline answers (any status: a POST of {} is refused, and that is an answer)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{process.args} exited early")
        try:
            request = urllib.request.Request(url, method=method, data=b"{}" if method == "POST" else None)  # noqa: S310
            with urllib.request.urlopen(request, timeout=1):  # noqa: S310 - our own local server
                return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {timeout}s")


@dataclass
class Run:
    target: str
    connections: int
    rps: float
    p50_ms: float
    p99_ms: float
    created: int
    non_2xx: int
    socket_errors: int
    stored: int | None = None
    cpu: dict[str, float] = field(default_factory=dict)
    """CPU seconds used during the run (and, for Engage, its catch-up) by each tier."""
    outbox: dict[str, float] = field(default_factory=dict)


def run_wrk(url: str, script: Path, refs: Path, connections: int, seconds: int) -> dict[str, float]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s", "-s", str(script)]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, env={**os.environ, "BENCH_REFS": str(refs)}
    ).stdout
    figures = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))}  # type: ignore[union-attr]
    figures["created"] = float(re.search(r"^created (\d+)$", output, re.MULTILINE).group(1))  # type: ignore[union-attr]
    for label in ("50", "99"):
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        assert match, output
        value, unit = float(match.group(1)), match.group(2)
        figures[f"p{label}_ms"] = value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    figures["non_2xx"] = float(errors.group(1)) if errors else 0.0
    socket_errors = re.search(r"Socket errors: (.*)", output)
    figures["socket_errors"] = (
        0.0 if not socket_errors else float(sum(map(int, re.findall(r"\d+", socket_errors.group(1)))))
    )
    return figures


def cpu_seconds(pid: int) -> float:
    """User + system time of a process and of its children that have ended."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return sum(int(value) for value in fields[11:15]) / TICKS


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError):
                continue
    return found


def cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().split("\0")
    except FileNotFoundError:
        return []


class Tiers:
    """The processes whose CPU time is counted: Engage's web and worker, PostgreSQL, a baseline app."""

    def __init__(self, run_pid: int, pgdata: Path, apps: dict[str, int]) -> None:
        kids = children_of(run_pid)
        self.web = next(p for p in kids if cmdline(p)[1:4] == ["-m", "engage", "web"])
        self.worker = next(p for p in kids if cmdline(p)[1:4] == ["-m", "engage", "worker"])
        self.postmaster = int((pgdata / "postmaster.pid").read_text().split()[0])
        self.apps = apps

    def postgres(self) -> float:
        return cpu_seconds(self.postmaster) + sum(cpu_seconds(p) for p in children_of(self.postmaster))

    def snapshot(self) -> dict[str, float]:
        return {
            "web": cpu_seconds(self.web),
            "worker": cpu_seconds(self.worker),
            "postgres": self.postgres(),
            **{name: cpu_seconds(pid) for name, pid in self.apps.items()},
        }


def used(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {name: after[name] - before[name] for name in before}


async def outbox_now(dsn: str) -> dict[str, float]:
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(
            """SELECT coalesce(extract(epoch FROM now() - min(created_at) FILTER (WHERE enqueued_at IS NULL)), 0)
                          AS unrelayed_oldest_s,
                      coalesce(extract(epoch FROM now() - min(created_at) FILTER (WHERE processed_at IS NULL)), 0)
                          AS unprocessed_oldest_s,
                      count(*) FILTER (WHERE processed_at IS NULL) AS unprocessed
               FROM outbox"""
        )
    finally:
        await conn.close()
    return {key: float(value) for key, value in row.items()}


async def catch_up(dsn: str, since: float, limit_s: float = 600) -> dict[str, float]:
    """Wait until every event is processed; then how long that took and how late events were relayed."""
    conn = await asyncpg.connect(dsn)
    try:
        while await conn.fetchval("SELECT count(*) FROM outbox WHERE processed_at IS NULL"):
            if time.monotonic() - since > limit_s:
                raise SystemExit("the worker did not catch up within 10 minutes")
            await asyncio.sleep(0.25)
        caught_up = time.monotonic() - since
        lags = await conn.fetchrow(
            """SELECT max(extract(epoch FROM enqueued_at - created_at)) AS relay_max_s,
                      percentile_disc(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - created_at))
                          AS processed_p50_s,
                      max(extract(epoch FROM processed_at - created_at)) AS processed_max_s
               FROM outbox WHERE created_at > now() - make_interval(secs => $1)""",
            float(SECONDS + caught_up + 5),
        )
    finally:
        await conn.close()
    return {"caught_up_s": caught_up, **{key: float(value or 0) for key, value in lags.items()}}


async def processed_within(dsn: str, seconds: float) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM outbox WHERE processed_at > now() - make_interval(secs => $1)", seconds
            )
        )
    finally:
        await conn.close()


async def count_stored(dsn: str, table: str, references: list[str]) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(
            await conn.fetchval(
                f"SELECT count(*) FROM {table} WHERE reference = ANY($1::text[])",  # noqa: S608 - our own names
                references,
            )
        )
    finally:
        await conn.close()


def read_refs(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> None:
    if not shutil.which("wrk"):
        raise SystemExit("bench/ingest.py needs wrk: apt-get install wrk")
    # One client address sends everything: the per-address limits would measure themselves.
    with engage_running(web_workers="1", api_rate_limit_per_minute="0", form_rate_limit_per_minute="0") as engage:
        apps: dict[str, subprocess.Popen[bytes]] = {}
        runs: list[Run] = []
        try:
            dsn, data_dir = engage.dsn, engage.data_dir
            ports = {"validate-only": free_port(), "naive INSERT": free_port()}
            app_env = {**os.environ, "PYTHONPATH": str(ROOT)}
            apps["validate-only"] = subprocess.Popen(
                [sys.executable, str(ROOT / "bench" / "baseline_validate.py"), str(ports["validate-only"])],
                env=app_env,
                start_new_session=True,
            )
            apps["naive INSERT"] = subprocess.Popen(
                [sys.executable, str(ROOT / "bench" / "baseline_naive.py"), str(ports["naive INSERT"]), dsn],
                env=app_env,
                start_new_session=True,
            )
            for name in ("validate-only", "naive INSERT"):
                wait_for(f"http://127.0.0.1:{ports[name]}/api/v1/contributions", apps[name], method="POST")
            tiers = Tiers(engage.process.pid, data_dir / "postgres", {name: p.pid for name, p in apps.items()})
            script = data_dir / "post.lua"
            script.write_text(POST_SCRIPT)
            refs = data_dir / "refs.txt"
            tables = {"Engage": "contributions", "naive INSERT": "bench_naive"}

            def url(target: str) -> str:
                base = engage.base if target == "Engage" else f"http://127.0.0.1:{ports[target]}"
                return f"{base}/api/v1/contributions"

            for target in TARGETS:  # warm-up: imports, pools, statement caches, the tagger
                run_wrk(url(target), script, refs, 8, 3)
            asyncio.run(catch_up(dsn, time.monotonic()))

            for connections in CONNECTIONS:
                for round_number in range(ROUNDS):
                    order = TARGETS[round_number % 3 :] + TARGETS[: round_number % 3]
                    for target in order:
                        before = tiers.snapshot()
                        figures = run_wrk(url(target), script, refs, connections, SECONDS)
                        run = Run(
                            target=target,
                            connections=connections,
                            rps=figures["rps"],
                            p50_ms=figures["p50_ms"],
                            p99_ms=figures["p99_ms"],
                            created=int(figures["created"]),
                            non_2xx=int(figures["non_2xx"]),
                            socket_errors=int(figures["socket_errors"]),
                        )
                        if target == "Engage":
                            run.outbox = asyncio.run(outbox_now(dsn))
                            run.outbox |= asyncio.run(catch_up(dsn, time.monotonic()))
                        if target in tables:
                            run.stored = asyncio.run(count_stored(dsn, tables[target], read_refs(refs)))
                        run.cpu = used(before, tiers.snapshot())
                        runs.append(run)
                        print_run(run)

            # The tiers apart: the worker paused while wrk runs, resumed for the catch-up.
            before = tiers.snapshot()
            os.kill(tiers.worker, signal.SIGSTOP)
            try:
                figures = run_wrk(url("Engage"), script, refs, CONNECTIONS[0], SECONDS)
            finally:
                intake_only = used(before, tiers.snapshot())
                os.kill(tiers.worker, signal.SIGCONT)
            before = tiers.snapshot()
            lag = asyncio.run(catch_up(dsn, time.monotonic()))
            background = used(before, tiers.snapshot())
            stored = asyncio.run(count_stored(dsn, "contributions", read_refs(refs)))

            sustained: dict[str, float] = {}
            if SUSTAINED_SECONDS:  # a surge that outlasts the worker's wait
                started = time.monotonic()
                sustained = run_wrk(url("Engage"), script, refs, CONNECTIONS[0], SUSTAINED_SECONDS)
                sustained |= asyncio.run(outbox_now(dsn))
                sustained["processed"] = asyncio.run(processed_within(dsn, time.monotonic() - started))
                sustained["stored"] = asyncio.run(count_stored(dsn, "contributions", read_refs(refs)))
                sustained |= asyncio.run(catch_up(dsn, time.monotonic()))
        finally:
            for process in apps.values():
                os.killpg(process.pid, signal.SIGINT)
            for process in apps.values():
                process.wait(timeout=60)

    print_summary(runs)
    created = int(figures["created"])
    print(
        f"\nTiers apart (wrk -c{CONNECTIONS[0]} {SECONDS}s, the worker paused, then resumed to catch up): "
        f"{created:,} contributions at {figures['rps']:,.0f}/s, {stored:,} of them stored; "
        f"the worker caught up in {lag['caught_up_s']:.0f} s"
    )
    per = {
        "web (intake)": intake_only["web"],
        "PostgreSQL (intake)": intake_only["postgres"],
        "worker (tags, redaction, receipts)": background["worker"],
        "PostgreSQL (the worker's queries)": background["postgres"],
    }
    for label, seconds in per.items():
        ms = seconds / created * 1000
        print(f"  {label:38} {ms:6.3f} ms CPU per contribution = {1000 / ms:8,.0f} contributions/s per core")
    if sustained:
        print(
            f"\nA surge longer than the worker's wait (wrk -c{CONNECTIONS[0]} {SUSTAINED_SECONDS}s): "
            f"{sustained['rps']:,.0f}/s, p99 {sustained['p99_ms']:.1f} ms, {sustained['stored']:,.0f} of "
            f"{sustained['created']:,.0f} acknowledged stored; the worker processed {sustained['processed']:,.0f} "
            f"events while it ran, the oldest then waiting {sustained['unprocessed_oldest_s']:.0f} s; "
            f"caught up {sustained['caught_up_s']:.0f} s after"
        )


def print_run(run: Run) -> None:
    stored = "" if run.stored is None else f"  stored {run.stored}/{run.created}"
    outbox = ""
    if run.outbox:
        o = run.outbox
        outbox = (
            f"\n      outbox when wrk stopped: oldest not handed to the queue {o['unrelayed_oldest_s']:.1f} s, "
            f"oldest not processed {o['unprocessed_oldest_s']:.1f} s ({o['unprocessed']:.0f} waiting); "
            f"relayed at most {o['relay_max_s']:.2f} s after commit; worker caught up {o['caught_up_s']:.0f} s later"
        )
    cpu = "  CPU s: " + ", ".join(f"{k} {v:.1f}" for k, v in run.cpu.items() if v >= 0.05)
    print(
        f"  {run.target:14} -c{run.connections:<3} {run.rps:7.0f}/s  p50 {run.p50_ms:6.1f} ms  p99 {run.p99_ms:6.1f} ms"
        f"  non-2xx {run.non_2xx}  socket errors {run.socket_errors}{stored}{cpu}{outbox}",
        flush=True,
    )


def print_summary(runs: list[Run]) -> None:
    print(
        f"\nengage run (1 web process, 1 worker) and two baselines, wrk -t2, {SECONDS} s per run, {ROUNDS} rounds, "
        f"{os.cpu_count()} cores shared by everything; medians"
    )
    for connections in CONNECTIONS:
        mine = [r for r in runs if r.connections == connections]
        print(f"\n  {connections} connections        throughput      p50      p99")
        for target in TARGETS:
            of = [r for r in mine if r.target == target]
            print(
                f"  {target:22} {median([r.rps for r in of]):7,.0f}/s {median([r.p50_ms for r in of]):6.1f} ms "
                f"{median([r.p99_ms for r in of]):6.1f} ms"
            )
        rounds = [mine[i : i + 3] for i in range(0, len(mine), 3)]
        by_round = [{r.target: r for r in group} for group in rounds]
        vs_validate = [g["Engage"].rps / g["validate-only"].rps for g in by_round]
        vs_naive = [g["Engage"].rps / g["naive INSERT"].rps for g in by_round]
        p99_vs_naive = [g["Engage"].p99_ms / g["naive INSERT"].p99_ms for g in by_round]
        print(
            f"  Engage / validate-only {median(vs_validate):.2f} (target >= 0.5)   "
            f"Engage / naive {median(vs_naive):.2f} (target >= 1.5)   "
            f"p99 Engage / naive {median(p99_vs_naive):.2f} (target <= 1)"
        )
        engage = [r for r in mine if r.target == "Engage"]
        naive = [r for r in mine if r.target == "naive INSERT"]
        lost = sum(r.created - (r.stored or 0) for r in engage + naive)
        print(
            f"  acknowledged and not stored: {lost} (Engage {sum(r.created for r in engage):,} acknowledged, "
            f"naive {sum(r.created for r in naive):,})"
        )
        print(
            "  outbox when wrk stopped, worst run: oldest not handed to the queue "
            f"{max(r.outbox['unrelayed_oldest_s'] for r in engage):.1f} s (target < 10 s); relayed at most "
            f"{max(r.outbox['relay_max_s'] for r in engage):.2f} s after commit; oldest not yet processed "
            f"{max(r.outbox['unprocessed_oldest_s'] for r in engage):.1f} s; worker caught up "
            f"{median([r.outbox['caught_up_s'] for r in engage]):.0f} s after the run (median)"
        )
        for target in TARGETS:
            of = [r for r in mine if r.target == target]
            per = {
                tier: median([r.cpu.get(tier, 0) / max(1, r.created) * 1000 for r in of])
                for tier in ("web", "postgres", "worker", *TARGETS[:2])
            }
            shown = ", ".join(f"{tier} {ms:.3f}" for tier, ms in per.items() if ms >= 0.0005)
            print(f"  CPU ms per contribution, {target:14} {shown}")


if __name__ == "__main__":
    main()
