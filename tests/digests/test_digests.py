"""Digests: what one says, and that each member gets it exactly once, through a real SMTP sink."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import msgspec

from engage.boards import service as boards
from engage.boards.models import Board, BoardDraft
from engage.db import transaction
from engage.digests import service as digests
from engage.digests.models import LOCAL, Period, last_full_week
from engage.settings import Settings
from tests.conftest import Servers, create_staff, env_for, eventually, running_worker
from tests.seed import FRAMEWORK, add_contributions, many
from tests.workers.test_events import start_worker_process

BLACK = "Black, Black British, Caribbean or African"


def week_and_day() -> tuple[Period, datetime]:
    week = last_full_week(datetime.now(LOCAL).date())
    return week, datetime.combine(week.start, datetime.min.time(), LOCAL) + timedelta(days=2, hours=10)


async def make_board(pool: asyncpg.Pool, members: list[str], **fields: Any) -> Board:
    admin = await create_staff(pool, "admin", email="owner@test.example")
    draft = BoardDraft(
        **{
            "id": "hwb",
            "name": "Health and Wellbeing Board",
            "frequency": "weekly",
            "owner_email": admin.email,
            "members": members,
            **fields,
        }
    )
    async with transaction(pool) as conn:
        return await boards.save_board(conn, admin, draft, framework_id=FRAMEWORK)


def text_of(message: EmailMessage) -> str:
    return str(message.get_body(("plain",)).get_content())  # type: ignore[union-attr]


def html_of(message: EmailMessage) -> str:
    return str(message.get_body(("html",)).get_content())  # type: ignore[union-attr]


async def test_a_digest_counts_compares_quotes_safely_and_hides_small_groups(pool: asyncpg.Pool) -> None:
    week, day = week_and_day()
    board = await make_board(pool, ["member@example.org"], themes=["safe", "easier"])
    rows = [
        *many(24, "I want to feel safe on the estate at night", day, themes=["safe"], equality={"ethnicity": BLACK}),
        *many(6, "I want the lifts fixed so I feel safe", day, themes=["safe"], neighbourhood="clapham"),
        *many(12, "I want booking to be easier", day, themes=["easier"], equality={"ethnicity": "White British"}),
        *many(3, "I want easier forms", day, themes=["easier"], equality={"ethnicity": "Asian or Asian British"}),
        *many(5, "I want to be listened to", day, themes=["listen"]),
        *many(10, "I want to feel safe", day - timedelta(days=7), themes=["safe"]),
        *many(20, "I want it easier", day - timedelta(days=7), themes=["easier"]),
        {
            "text": "I want someone to call me back on 07700 900123 about feeling safe",
            "at": day,
            "themes": ["safe"],
            "quote": True,
            "approved": True,
            "confidence": 0.99,
        },
        *many(6, "I want safer streets and better lighting", day, themes=["safe"], quote=True, approved=True),
        {
            "text": "FLAGGED words about not being safe",
            "at": day,
            "themes": ["safe"],
            "quote": True,
            "approved": True,
            "flagged": True,
            "confidence": 1.0,
        },
        {"text": "UNAPPROVED words about safety", "at": day, "themes": ["safe"], "quote": True, "confidence": 1.0},
        {"text": "NOCONSENT words about safety", "at": day, "themes": ["safe"], "approved": True, "confidence": 1.0},
    ]
    async with transaction(pool) as conn:
        await add_contributions(conn, rows)
        content = await digests.build_digest(conn, board, week, framework_id=FRAMEWORK)

    # Contributions about other themes are outside this board's filter; the previous week is compared.
    assert content.total == 24 + 6 + 12 + 3 + 1 + 6 + 3
    assert content.previous_total == 30
    lines = {t.theme_id: (t.count, t.previous) for t in content.themes}
    assert lines == {"safe": (24 + 6 + 1 + 6 + 3, 10), "easier": (15, 20)}
    assert [t.theme_id for t in content.rising] == ["safe"]
    assert {p.name: p.count for p in content.neighbourhoods} == {"Brixton": 49, "Clapham": 6}

    quotes = content.quotes[0]
    assert quotes.theme_id == "safe" and len(quotes.quotes) == 5
    said = " ".join(q.text for q in quotes.quotes)
    assert "FLAGGED" not in said and "UNAPPROVED" not in said and "NOCONSENT" not in said
    assert "07700 900123" not in said and "call me back on" in said, "quotes are redacted, not dropped"
    assert content.quotes[1].theme_id == "easier" and content.quotes[1].quotes == []

    ethnicity = next(h for h in content.heard_from if h.question == "Ethnic group")
    shown = {g.label: g.count for g in ethnicity.lines}
    assert shown[BLACK] == 24
    assert shown["Asian or Asian British"] is None, "3 people: under 10, never shown"
    assert shown["White British"] is None, "hidden too, or the 3 could be worked out from the total"
    assert all(h.answered == 0 for h in content.heard_from if h.question != "Ethnic group")


async def test_filters_that_match_nothing_give_a_digest_that_says_so(pool: asyncpg.Pool) -> None:
    week, day = week_and_day()
    board = await make_board(pool, ["member@example.org"], neighbourhoods=["vauxhall"])
    async with transaction(pool) as conn:
        await add_contributions(conn, many(5, "I want to feel safe", day))
        content = await digests.build_digest(conn, board, week, framework_id=FRAMEWORK)
    from engage.mail.service import render_digest

    html, text = render_digest(content, base_url="http://e", archive_url="http://e/a", unsubscribe_url="http://e/u")
    assert content.empty and content.filters == ["Neighbourhoods: Vauxhall"]
    for body in (html, text):
        assert "Nothing matched this digest's filters" in body and "Vauxhall" in body
        assert "No new responses in this period" in body


async def test_the_worker_sends_a_due_digest_once_to_each_member_with_unsubscribe_headers(
    pool: asyncpg.Pool, settings: Settings, servers: Servers
) -> None:
    week, day = week_and_day()
    members = ["ada@example.org", "bola@example.org", "cai@example.org"]
    board = await make_board(pool, members)
    async with transaction(pool) as conn:
        await add_contributions(conn, many(12, "I want to feel safe", day, quote=True, approved=True))
        # The board existed before the period ended, so the schedule owes it last week's digest.
        await conn.execute("UPDATE boards SET created_at = now() - interval '30 days' WHERE id = $1", board.id)
    owed = msgspec.structs.replace(settings, digest_send_hour=0)
    async with running_worker(owed), pool.acquire() as conn:
        # The sink has a message once DATA ends and the worker records 'sent' just after: stopping the worker in
        # between would leave it 'sending' (then 'unconfirmed'), so wait for the record.
        await eventually(
            lambda: conn.fetchval("SELECT count(*) = 3 FROM mail_messages WHERE status = 'sent'"), timeout=30
        )
    # A second run (or a second worker) owes nothing more.
    async with running_worker(owed), pool.acquire() as conn:
        await eventually(
            lambda: conn.fetchval("SELECT count(*) = 3 FROM mail_messages WHERE status = 'sent'"), timeout=20
        )
    assert sorted(m["To"] for m in servers.sink.messages) == members
    message = servers.sink.messages[0]
    assert message["Subject"].strip() == f"Health and Wellbeing Board: what people told us, {week.label}"
    assert message["List-Unsubscribe-Post"].strip() == "List-Unsubscribe=One-Click"
    unsubscribe = message["List-Unsubscribe"].strip().strip("<>")
    assert unsubscribe.startswith(f"{settings.base_url}/unsubscribe/") and unsubscribe in text_of(message)
    assert "12 contributions" in text_of(message) and "<script" not in html_of(message)
    assert "<table" in html_of(message) and unsubscribe in html_of(message)
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM digests") == 1


async def test_a_board_of_500_gets_its_digest_exactly_once_when_the_worker_is_killed_half_way(
    pool: asyncpg.Pool, settings: Settings, servers: Servers
) -> None:
    week, day = week_and_day()
    members = [f"member{i:03d}@example.org" for i in range(500)]
    board = await make_board(pool, members)
    async with transaction(pool) as conn:
        await add_contributions(conn, many(20, "I want to feel safe", day))
        assert await digests.send_digest(conn, board, week, framework_id=FRAMEWORK) is not None
    servers.sink.behaviour.delay_data_s = 0.01
    process = start_worker_process(settings)
    try:
        await eventually(lambda: len(servers.sink.messages) >= 120, timeout=60)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    delivered_before = len(servers.sink.messages)
    assert delivered_before < 500, "the worker was killed half-way"
    assert servers.sink.most_in_data == 1, "one message at a time in SMTP DATA, whichever job sends it"
    servers.sink.behaviour.delay_data_s = 0
    async with running_worker(settings), pool.acquire() as conn:
        await eventually(
            lambda: conn.fetchval("SELECT count(*) = 0 FROM mail_messages WHERE status IN ('queued', 'sending')"),
            timeout=90,
            interval=0.5,
        )
        statuses = dict(await conn.fetch("SELECT status::text, count(*) FROM mail_messages GROUP BY 1"))
    received = [m["To"] for m in servers.sink.messages]
    assert len(received) == len(set(received)), "nobody gets a second copy"
    # The one message a kill can cut off inside SMTP DATA is 'unconfirmed' for an admin, never resent.
    assert statuses.get("sent", 0) + statuses.get("unconfirmed", 0) == 500 and statuses.get("unconfirmed", 0) <= 1
    assert len(received) >= 499 and set(received) <= set(members)


async def preview(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "engage", "digest", "preview", *args]
    return await asyncio.to_thread(
        subprocess.run, command, env=env_for(settings), capture_output=True, text=True, timeout=60, check=False
    )


async def test_digest_preview_writes_a_file_and_refuses_unknown_boards_and_future_periods(
    pool: asyncpg.Pool, settings: Settings, tmp_path: Path
) -> None:
    week, day = week_and_day()
    await make_board(pool, ["member@example.org"])
    async with transaction(pool) as conn:
        await add_contributions(conn, many(7, "I want to feel safe", day))
    out = tmp_path / "preview.html"
    iso = week.start.isocalendar()
    done = await preview(settings, "--board", "hwb", "--period", f"{iso.year}-W{iso.week:02d}", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "<strong>7</strong> contributions" in out.read_text()
    assert "7 contributions, against 0" in out.with_suffix(".txt").read_text()
    unknown = await preview(settings, "--board", "nope")
    assert unknown.returncode == 2 and "no board has the id 'nope'" in unknown.stderr
    future = await preview(settings, "--board", "hwb", "--period", "2999-01")
    assert future.returncode == 2 and "in the future" in future.stderr
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM digests") == 0, "a preview sends nothing"
        assert await conn.fetchval("SELECT count(*) FROM mail_messages") == 0


async def test_unsubscribing_is_one_click_works_once_and_forged_links_change_nothing(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings, servers: Servers
) -> None:
    week, day = week_and_day()
    board = await make_board(pool, ["ada@example.org", "bola@example.org"])
    async with transaction(pool) as conn:
        await add_contributions(conn, many(3, "I want to feel safe", day))
        await digests.send_digest(conn, board, week, framework_id=FRAMEWORK)
    async with running_worker(settings):
        await eventually(lambda: len(servers.sink.messages) >= 2, timeout=30)
    link = servers.sink.to("ada@example.org")[0]["List-Unsubscribe"].strip().strip("<>")
    path = link.removeprefix(settings.base_url)

    page = await client.get(path)
    assert page.status_code == 200 and "ada@example.org" in page.text and "Unsubscribe" in page.text
    forged = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    refused = await client.post(forged, data={"List-Unsubscribe": "One-Click"})
    assert refused.status_code == 400 and "not valid" in refused.text
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM board_members WHERE unsubscribed_at IS NOT NULL") == 0

    # RFC 8058: the mail client POSTs with no cookie and no CSRF token.
    done = await client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "You have unsubscribed" in done.text
    async with pool.acquire() as conn:
        first = await conn.fetchval("SELECT unsubscribed_at FROM board_members WHERE email = 'ada@example.org'")
    again = await client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200 and "Already unsubscribed" in again.text
    async with pool.acquire() as conn:
        assert (
            await conn.fetchval("SELECT unsubscribed_at FROM board_members WHERE email = 'ada@example.org'") == first
        ), "reusing the link changes nothing"
        assert await conn.fetchval("SELECT unsubscribed_at FROM board_members WHERE email = 'bola@example.org'") is None
        previous = week.previous()
        await digests.send_digest(conn, board, previous, framework_id=FRAMEWORK)
        assert await conn.fetchval(
            "SELECT array_agg(to_address) FROM mail_messages WHERE digest_id = (SELECT id FROM digests "
            "WHERE period_start = $1)",
            previous.start,
        ) == ["bola@example.org"], "the next digest goes to the members still subscribed"


async def test_a_due_digest_waits_for_the_tagger_but_not_for_ever(pool: asyncpg.Pool) -> None:
    week, day = week_and_day()
    now = datetime.now(LOCAL)
    async with transaction(pool) as conn:
        await add_contributions(conn, many(3, "I want to feel safe", day))
        assert await digests.ready_to_send(conn, week, waiting_since=now, now=now)
        await conn.execute("DELETE FROM contribution_analyses")  # as after an import the tagger has not reached
        assert not await digests.ready_to_send(conn, week, waiting_since=now, now=now)
        assert await digests.ready_to_send(conn, week, waiting_since=now - digests.TAGGING_GRACE, now=now)


async def test_a_board_can_follow_an_outcome_framework(pool: asyncpg.Pool) -> None:
    week, day = week_and_day()
    board = await make_board(pool, ["member@example.org"], framework_id="lambeth-outcomes")
    async with transaction(pool) as conn:
        ids = await add_contributions(conn, many(4, "I want to stay in my own home", day))
        await conn.executemany(
            """INSERT INTO contribution_tags (contribution_id, framework_id, theme_id, source, confidence)
               VALUES ($1, 'lambeth-outcomes', 'independent', 'model', 0.9)""",
            [(i,) for i in ids],
        )
        content = await digests.build_digest(conn, board, week, framework_id=board.framework_id or FRAMEWORK)
    assert board.framework_id == "lambeth-outcomes"
    assert any(t.name == "I live independently" and t.count == 4 for t in content.themes)
