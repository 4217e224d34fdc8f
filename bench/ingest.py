"""Intake benchmark: POST /api/v1/contributions at 32 connections for 20 s against `engage run`.

Prints contributions/s, p50 and p99 latency, and, in the same run, the throughput of the cheapest endpoint
(GET /healthz: no database, no template) so the ratio says how close intake is to the framework's own limit.
Then counts the rows in PostgreSQL: every 201 must be a committed contribution.

Needs `wrk` (Debian package). Run by hand: `make bench` or `.venv/bin/python bench/ingest.py`.
Options through the environment: BENCH_SECONDS (20), BENCH_CONNECTIONS (32), BENCH_WEB_WORKERS (1).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
from pathlib import Path

import asyncpg
from running import engage_running  # bench/running.py, beside this script

SECONDS = int(os.environ.get("BENCH_SECONDS", "20"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
WEB_WORKERS = int(os.environ.get("BENCH_WEB_WORKERS", "1"))

POST_SCRIPT = r"""
local counter = 0
local hoods = {"brixton", "clapham", "stockwell", "streatham", "norwood", "vauxhall"}
request = function()
  counter = counter + 1
  local body = string.format(
    '{"kind":"i_statement","text":"I want to be seen by the same GP each time, message %d from thread %s.",' ..
    '"neighbourhood":"%s","consent":{"analysis":true,"quote":true}}',
    counter, tostring(wrk.thread):sub(-6), hoods[(counter %% #hoods) + 1])
  return wrk.format("POST", "/api/v1/contributions", {["Content-Type"] = "application/json"}, body)
end
statuses = {}
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
"""


def run_wrk(url: str, script: Path | None) -> dict[str, float]:
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", "--timeout", "5s"]
    if script:
        command += ["-s", str(script)]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    figures = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))}  # type: ignore[union-attr]
    figures["requests"] = float(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
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


async def count_rows(dsn: str) -> tuple[int, int]:
    conn = await asyncpg.connect(dsn)
    try:
        contributions = await conn.fetchval("SELECT count(*) FROM contributions")
        events = await conn.fetchval("SELECT count(*) FROM outbox")
    finally:
        await conn.close()
    return contributions, events


def main() -> None:
    if not shutil.which("wrk"):
        raise SystemExit("bench/ingest.py needs wrk: apt-get install wrk")
    with engage_running(timeout=120, web_workers=str(WEB_WORKERS)) as engage:
        script = engage.data_dir / "post.lua"
        script.write_text(POST_SCRIPT.replace("%%", "%"))
        run_wrk(engage.base + "/healthz", None)  # warm-up: imports, connection pools, statement cache
        intake = run_wrk(engage.base + "/api/v1/contributions", script)
        health = run_wrk(engage.base + "/healthz", None)
        stored, events = asyncio.run(count_rows(engage.dsn))

    print(f"engage run, {WEB_WORKERS} web process(es), wrk -t2 -c{CONNECTIONS} -d{SECONDS}s, {os.cpu_count()} cores")
    print(
        f"POST /api/v1/contributions  {intake['rps']:8.0f} contributions/s   "
        f"p50 {intake['p50_ms']:6.1f} ms   p99 {intake['p99_ms']:6.1f} ms   "
        f"non-2xx {intake['non_2xx']:.0f}   socket errors {intake['socket_errors']:.0f}"
    )
    print(
        f"GET  /healthz               {health['rps']:8.0f} requests/s        "
        f"p50 {health['p50_ms']:6.1f} ms   p99 {health['p99_ms']:6.1f} ms"
    )
    print(f"intake / cheapest endpoint  {intake['rps'] / health['rps']:8.2f}")
    accepted = intake["requests"] - intake["non_2xx"]
    print(
        f"durable: {stored} contributions and {events} outbox events committed; wrk counted {accepted:.0f} "
        "completed 2xx responses (a response cut off at the end of the run may still have committed)"
    )


if __name__ == "__main__":
    main()
