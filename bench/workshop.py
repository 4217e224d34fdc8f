"""Live workshop benchmark: 200 simulated participants post to one live session while a board listens.

Starts `engage run` on a fresh data directory (embedded PostgreSQL and Valkey, one web and one worker process),
creates a facilitator, a programme and a workshop, opens the session, signs the board in and reads its server-sent
event stream. Each participant joins with the code (GET, which gives it a CSRF cookie and token) and posts
BENCH_NOTES notes (3) at random moments over BENCH_SPREAD seconds (10). For each note: the time from sending the
POST to the note arriving on the board. Prints p50/p95/max, and counts lost and duplicated notes.

Run by hand: `.venv/bin/python bench/workshop.py`. BENCH_PARTICIPANTS (200).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import sys
import time
from datetime import date
from pathlib import Path

import httpx
from running import engage_running  # bench/running.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PARTICIPANTS = int(os.environ.get("BENCH_PARTICIPANTS", "200"))
NOTES = int(os.environ.get("BENCH_NOTES", "3"))
SPREAD = float(os.environ.get("BENCH_SPREAD", "10"))
PASSWORD = "a long bench password"  # noqa: S105 - a throwaway account in a throwaway database


def csrf(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


async def set_up(dsn: str) -> tuple[str, str]:
    from engage.accounts.service import create_user
    from engage.db import create_pool, transaction
    from engage.programmes.models import ProgrammeDraft
    from engage.programmes.service import start_programme
    from engage.workshops.models import WorkshopDraft
    from engage.workshops.service import open_live_session, plan_workshop

    pool = await create_pool(dsn, size=2)
    try:
        async with transaction(pool) as conn:
            user = await create_user(
                conn, email="bench@example.org", name="Bench", role="facilitator", password=PASSWORD
            )
            slug = await start_programme(
                conn,
                user,
                ProgrammeDraft(
                    name="Bench programme",
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
                    title="Bench workshop", held_on=date(2026, 1, 5), prompts=["What matters to you?", "Who helps?"]
                ),
            )
            code = await open_live_session(conn, workshop_id, user)
    finally:
        await pool.close()
    return str(workshop_id), code


async def run(base: str, workshop_id: str, code: str) -> None:
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}
    duplicates = 0
    board_ready = asyncio.Event()

    async def board() -> None:
        nonlocal duplicates
        async with httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(30, read=None)) as staff:
            page = await staff.get("/staff/sign-in")
            await staff.post(
                "/staff/sign-in",
                data={"_csrf_token": csrf(page.text), "email": "bench@example.org", "password": PASSWORD, "next": "/"},
            )
            async with staff.stream("GET", f"/staff/workshops/{workshop_id}/events") as response:
                board_ready.set()
                event = ""
                async for line in response.aiter_lines():
                    if not line.strip():
                        event = ""
                    elif line.startswith("event:"):
                        event = line.split(":", 1)[1].strip()
                    elif line.startswith("data:") and event == "note":
                        text = json.loads(line.split(":", 1)[1])["text"]
                        if text in seen:
                            duplicates += 1
                        else:
                            seen[text] = time.perf_counter()
                        if len(seen) == PARTICIPANTS * NOTES:
                            return

    async def participant(number: int) -> None:
        rng = random.Random(number)
        async with httpx.AsyncClient(base_url=base, timeout=30) as phone:
            page = await phone.get(f"/w/{code}")
            prompts = re.findall(r'name="prompt_id" value="([0-9a-f-]{36})"', page.text)
            token = csrf(page.text)
            for note in range(NOTES):
                await asyncio.sleep(rng.uniform(0, SPREAD / NOTES))
                text = f"Participant {number} note {note}: seeing friends at the lunch club"
                sent[text] = time.perf_counter()
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

    listener = asyncio.create_task(board())
    await asyncio.wait_for(board_ready.wait(), 30)
    started = time.perf_counter()
    await asyncio.gather(*(participant(n) for n in range(PARTICIPANTS)))
    try:
        await asyncio.wait_for(listener, 60)
    except TimeoutError:
        listener.cancel()
    elapsed = time.perf_counter() - started
    latencies = sorted(seen[text] - sent[text] for text in sent if text in seen)
    lost = len(sent) - len(latencies)

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    print(
        f"{PARTICIPANTS} participants x {NOTES} notes over ~{SPREAD:.0f} s ({len(sent)} notes, {elapsed:.1f} s, "
        f"{os.cpu_count()} cores, web + worker + PostgreSQL + Valkey + this client on the same machine)"
    )
    print(
        f"note to board: p50 {pct(0.5):.0f} ms, p95 {pct(0.95):.0f} ms, max {latencies[-1] * 1000:.0f} ms; "
        f"lost {lost}, duplicated {duplicates}"
    )


def main() -> None:
    with engage_running(form_rate_limit_per_minute="100000") as engage:
        workshop_id, code = asyncio.run(set_up(engage.dsn))
        asyncio.run(run(engage.base, workshop_id, code))


if __name__ == "__main__":
    main()
