"""The mail sender's invariant: one worker process has at most one message inside SMTP DATA, whichever of its jobs
(the sweep, event handling, digests, overlapping cron runs) is delivering, so a killed worker leaves at most one
message ``unconfirmed``."""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg

from engage.boards import service as boards
from engage.boards.models import BoardDraft
from engage.db import transaction
from engage.digests import service as digests
from engage.digests.models import LOCAL, last_full_week
from engage.settings import Settings
from tests.conftest import Servers, create_staff, eventually, running_worker
from tests.seed import FRAMEWORK, add_contributions, many


async def test_overlapping_jobs_of_one_worker_never_put_two_messages_in_data_at_once(
    pool: asyncpg.Pool, settings: Settings, servers: Servers
) -> None:
    week = last_full_week(datetime.now(LOCAL).date())
    day = datetime.combine(week.start, datetime.min.time(), LOCAL) + timedelta(days=2, hours=10)
    admin = await create_staff(pool, "admin")
    members = [f"member{i:02d}@example.org" for i in range(12)]
    draft = BoardDraft(id="hwb", name="Board", frequency="weekly", owner_email=admin.email, members=members)
    async with transaction(pool) as conn:
        board = await boards.save_board(conn, admin, draft, framework_id=FRAMEWORK)
        await add_contributions(conn, many(3, "I want to feel safe", day))
        assert await digests.send_digest(conn, board, week, framework_id=FRAMEWORK) is not None
    # Slow enough that a sweep (a third of the job timeout) is still sending when the next sweep starts a
    # second later: before the one sender per process, two sweeps each had a message in DATA.
    servers.sink.behaviour.delay_data_s = 0.4
    async with running_worker(settings), pool.acquire() as conn:
        await eventually(
            lambda: conn.fetchval("SELECT count(*) = 12 FROM mail_messages WHERE status = 'sent'"),
            timeout=60,
            interval=0.2,
        )
    assert sorted(m["To"] for m in servers.sink.messages) == members
    assert servers.sink.most_in_data == 1
