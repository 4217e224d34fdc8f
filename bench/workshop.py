"""Live workshop benchmark: 200 simulated participants post to one live session while a board listens.

Starts `engage run` on a fresh data directory (embedded PostgreSQL and Valkey, one web and one worker process),
creates a facilitator, a programme and a workshop, opens the session, signs the board in and reads its server-sent
event stream. Each participant joins with the code (GET, which gives it a CSRF cookie and token) and posts
BENCH_NOTES notes (3) at random moments over BENCH_SPREAD seconds (10). For each note: the time from sending the
POST to the note arriving on the board, and from its commit (the note's received_at) to its arrival. Prints
p50/p95/max, and counts lost and duplicated notes.

The board reads its stream in a process of its own, so a busy moment among the 200 participants' clients (one
event loop) never delays when a note is seen. BENCH_ROUNDS (3) sessions, one after the other; the figures are
over all their notes, with each round's p95.

Run by hand: `.venv/bin/python bench/workshop.py`. BENCH_PARTICIPANTS (200).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import httpx
from running import engage_running  # bench/running.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PARTICIPANTS = int(os.environ.get("BENCH_PARTICIPANTS", "200"))
NOTES = int(os.environ.get("BENCH_NOTES", "3"))
SPREAD = float(os.environ.get("BENCH_SPREAD", "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
PASSWORD = "a long bench password"  # noqa: S105 - a throwaway account in a throwaway database


def csrf(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


async def set_up(dsn: str, round_number: int) -> tuple[str, str]:
    from engage.accounts.service import create_user, sign_in
    from engage.db import create_pool, transaction
    from engage.programmes.models import ProgrammeDraft
    from engage.programmes.service import start_programme
    from engage.workshops.models import WorkshopDraft
    from engage.workshops.service import open_live_session, plan_workshop

    pool = await create_pool(dsn, size=2)
    try:
        async with transaction(pool) as conn:
            if round_number == 0:
                user = await create_user(
                    conn, email="bench@example.org", name="Bench", role="facilitator", password=PASSWORD
                )
            else:
                user, _ = await sign_in(
                    conn, "bench@example.org", PASSWORD, session_hours=1, csrf_token=secrets.token_urlsafe()
                )
            slug = await start_programme(
                conn,
                user,
                ProgrammeDraft(
                    name=f"Bench programme {round_number}",
                    purpose="Measuring the live board.",
                    framework_id="lambeth-what-matters",
                    neighbourhoods=["brixton"],
                    discovery_from=date(2026, 1, 1),
                    define_from=date(2026, 2, 1),
                    develop_from=date(2026, 3, 1),
                    ends_on=date(2026, 4, 1),
                ),
            )
            workshop_id = await plan_workshop(
                conn,
                slug,
                user,
                WorkshopDraft(
                    title=f"Bench workshop {round_number}",
                    held_on=date(2026, 1, 5),
                    prompts=["What matters to you?", "Who helps?"],
                ),
            )
            code = await open_live_session(conn, workshop_id, user)
    finally:
        await pool.close()
    return str(workshop_id), code


async def read_board(base: str, workshop_id: str, expected: int) -> None:
    """The board, in a process of its own: prints READY, then a line per note as it arrives (monotonic time, wall
    time, text), DUP for a note shown twice, until every note has arrived or a minute has passed."""
    shown: set[str] = set()
    async with httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(30, read=None)) as staff:
        page = await staff.get("/staff/sign-in")
        await staff.post(
            "/staff/sign-in",
            data={"_csrf_token": csrf(page.text), "email": "bench@example.org", "password": PASSWORD, "next": "/"},
        )
        async with asyncio.timeout(120), staff.stream("GET", f"/staff/workshops/{workshop_id}/events") as response:
            print("READY", flush=True)
            event = ""
            async for line in response.aiter_lines():
                if not line.strip():
                    event = ""
                elif line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and event == "note":
                    now, wall = time.monotonic(), time.time()
                    text = json.loads(line.split(":", 1)[1])["text"]
                    print("DUP" if text in shown else f"{now}\t{wall}\t{text}", flush=True)
                    shown.add(text)
                    if len(shown) == expected:
                        return


def start_board(base: str, workshop_id: str) -> subprocess.Popen[str]:
    board = subprocess.Popen(
        [sys.executable, __file__, "--board", base, workshop_id, str(PARTICIPANTS * NOTES)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert board.stdout is not None
    assert board.stdout.readline().strip() == "READY"
    return board


async def run(base: str, dsn: str, workshop_id: str, code: str, board: subprocess.Popen[str]) -> dict[str, Any]:
    sent: dict[str, float] = {}

    async def participant(number: int) -> None:
        rng = random.Random(number)
        async with httpx.AsyncClient(base_url=base, timeout=30) as phone:
            page = await phone.get(f"/w/{code}")
            prompts = re.findall(r'name="prompt_id" value="([0-9a-f-]{36})"', page.text)
            token = csrf(page.text)
            for note in range(NOTES):
                await asyncio.sleep(rng.uniform(0, SPREAD / NOTES))
                text = f"Participant {number} note {note}: seeing friends at the lunch club"
                sent[text] = time.monotonic()
                response = await phone.post(
                    f"/w/{code}",
                    data={
                        "_csrf_token": token,
                        "prompt_id": rng.choice(prompts),
                        "text": text,
                        "client_key": f"{number}-{note}",
                        "consent_analysis": "yes",
                    },
                )
                assert response.status_code == 200, response.text[:500]

    started = time.monotonic()
    await asyncio.gather(*(participant(n) for n in range(PARTICIPANTS)))
    output, _ = await asyncio.to_thread(board.communicate, timeout=90)
    elapsed = time.monotonic() - started
    seen: dict[str, tuple[float, float]] = {}
    duplicates = 0
    for line in output.splitlines():
        if line == "DUP":
            duplicates += 1
        elif line:
            now, wall, text = line.split("\t", 2)
            seen[text] = (float(now), float(wall))
    conn = await asyncpg.connect(dsn)
    try:
        committed = {
            r["text"]: r["at"]
            for r in await conn.fetch(
                """SELECT c.text, extract(epoch FROM c.received_at)::float8 AS at FROM workshop_notes n
                   JOIN contributions c ON c.id = n.contribution_id WHERE n.workshop_id = $1""",
                UUID(workshop_id),
            )
        }
    finally:
        await conn.close()
    return {
        "note_to_board": [seen[t][0] - sent[t] for t in sent if t in seen],
        "commit_to_board": [seen[t][1] - committed[t] for t in sent if t in seen and t in committed],
        "lost": len(sent) - len([t for t in sent if t in seen]),
        "duplicated": duplicates,
        "notes": len(sent),
        "elapsed": elapsed,
    }


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


def main() -> None:
    # Hundreds of phones on one address and one join code each: the limits would measure themselves.
    with engage_running(form_rate_limit_per_minute="0", workshop_notes_per_minute="0") as engage:
        rounds = []
        for round_number in range(ROUNDS):
            workshop_id, code = asyncio.run(set_up(engage.dsn, round_number))
            board = start_board(engage.base, workshop_id)
            rounds.append(asyncio.run(run(engage.base, engage.dsn, workshop_id, code, board)))
    notes = [x for r in rounds for x in r["note_to_board"]]
    session_p95 = [percentile(r["note_to_board"], 0.95) for r in rounds]
    commits = [x for r in rounds for x in r["commit_to_board"]]
    print(
        f"{PARTICIPANTS} participants x {NOTES} notes over ~{SPREAD:.0f} s, {ROUNDS} sessions "
        f"({sum(r['notes'] for r in rounds)} notes; {os.cpu_count()} cores, web + worker + PostgreSQL + Valkey + "
        "the participants' clients + the board's client on the same machine)"
    )
    print(
        f"note to board (POST sent -> on the board): p50 {percentile(notes, 0.5):.0f} ms, "
        f"p95 {percentile(notes, 0.95):.0f} ms; per session p95 "
        + ", ".join(f"{p95:.0f}" for p95 in session_p95)
        + f" (median {statistics.median(session_p95):.0f}; target under 50 ms); max {max(notes) * 1000:.0f} ms; "
        f"lost {sum(r['lost'] for r in rounds)}, "
        f"duplicated {sum(r['duplicated'] for r in rounds)}"
    )
    print(
        f"commit to board (the note's received_at -> on the board): p50 {percentile(commits, 0.5):.0f} ms, "
        f"p95 {percentile(commits, 0.95):.0f} ms, max {max(commits) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--board"]:
        asyncio.run(read_board(sys.argv[2], sys.argv[3], int(sys.argv[4])))
    else:
        main()
