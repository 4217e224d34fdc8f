"""Boards and subscriptions over the web: who may do what, and bad input that changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg
import httpx

from engage.boards import service as boards
from engage.boards.models import BoardDraft
from engage.db import transaction
from engage.digests import service as digests
from engage.digests.models import LOCAL, last_full_week
from engage.ids import member_token
from engage.settings import Settings
from tests.conftest import Servers, create_staff, csrf_from, eventually, running_worker, sign_in
from tests.seed import FRAMEWORK, add_contributions, many


async def board_count(pool: asyncpg.Pool) -> int:
    async with pool.acquire() as conn:
        return int(await conn.fetchval("SELECT count(*) FROM boards"))


async def test_an_admin_creates_a_board_and_bad_input_names_the_field_and_stores_nothing(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    await create_staff(pool, "admin")
    owner = await create_staff(pool, "governance", email="chair@test.example")
    await sign_in(client, "admin@test.example")
    token = csrf_from((await client.get("/staff/boards/new")).text)
    form = {
        "_csrf_token": token,
        "id": "citizens-board",
        "name": "Citizens' Board",
        "owner_email": owner.email,
        "frequency": "before_meeting",
        "days_before": "7",
        "meetings": "2027-01-14\n2027-03-11",
        "themes": ["safe", "listen"],
        "neighbourhoods": ["brixton"],
        "members": "Ada Obi <ADA@example.org>\nbola@example.org, chair@test.example",
    }
    for bad, field, reason in [
        ({"members": "ada@example.org\nnot-an-address"}, "members", "does not look like an email address"),
        ({"owner_email": "nobody@example.org"}, "owner_email", "No staff account has this email"),
        ({"meetings": "14/01/2027"}, "meetings", "is not a date"),
        ({"days_before": ""}, "days_before", "number of days"),
        ({"themes": ["safe", "made-up"]}, "themes", "is not a theme"),
        ({"id": "Not A Slug!"}, "id", "lower-case letters"),
    ]:
        refused = await client.post("/staff/boards/new", data={**form, **bad})
        assert refused.status_code == 422 and reason in refused.text, (field, refused.text[:300])
        assert f'href="#{field}' in refused.text, "the error summary links to the field"
    assert await board_count(pool) == 0

    created = await client.post("/staff/boards/new", data=form, follow_redirects=False)
    assert created.status_code == 303 and created.headers["location"] == "/boards/citizens-board/digests"
    async with pool.acquire() as conn:
        board = await conn.fetchrow("SELECT * FROM boards")
        emails = [r["email"] for r in await conn.fetch("SELECT email FROM board_members ORDER BY email")]
        meetings = await conn.fetchval("SELECT count(*) FROM board_meetings")
    assert board["themes"] == ["safe", "listen"] and board["days_before"] == 7 and meetings == 2
    assert emails == ["ada@example.org", "bola@example.org", "chair@test.example"]
    again = await client.post("/staff/boards/new", data=form)
    assert again.status_code == 422 and "already has this id" in again.text


async def test_only_members_owner_and_admins_read_a_boards_archive(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings
) -> None:
    admin = await create_staff(pool, "admin")
    await create_staff(pool, "governance", email="member@test.example")
    await create_staff(pool, "governance", email="outsider@test.example")
    async with transaction(pool) as conn:
        for board_id, members in (
            ("hwb", ["member@test.example", "ada@example.org"]),
            ("scrutiny", ["bo@example.org"]),
        ):
            draft = BoardDraft(
                id=board_id, name=board_id.upper(), frequency="monthly", owner_email=admin.email, members=members
            )
            await boards.save_board(conn, admin, draft, framework_id=FRAMEWORK)
        week = last_full_week(datetime.now(LOCAL).date())
        await add_contributions(
            conn,
            many(
                3, "I want to feel safe", datetime.combine(week.start, datetime.min.time(), LOCAL) + timedelta(hours=30)
            ),
        )
        board = await boards.queries.get_board(conn, "hwb")
        assert board is not None
        digest_id = await digests.send_digest(conn, board, week, framework_id=FRAMEWORK)
        ada = await conn.fetchval("SELECT id FROM board_members WHERE email = 'ada@example.org'")
        bo = await conn.fetchval("SELECT id FROM board_members WHERE email = 'bo@example.org'")

    unknown = await client.get("/boards/nope/digests")
    assert unknown.status_code == 404 and "No board has the id" in unknown.text
    signed_out = await client.get("/boards/hwb/digests", follow_redirects=False)
    assert signed_out.status_code in (302, 303) and "/staff/sign-in" in signed_out.headers["location"]

    # A member without an account follows the link in their email.
    ada_key = member_token(settings.secret_key, "archive", ada)
    listed = await client.get(f"/boards/hwb/digests?key={ada_key}")
    assert listed.status_code == 200 and week.label in listed.text
    shown = await client.get(f"/boards/hwb/digests/{digest_id}?key={ada_key}")
    assert shown.status_code == 200 and "3</td>" in shown.text.replace(" 3</td>", "3</td>")
    # Another board's member, a forged key, and an unsubscribe token used as a key are all refused.
    bo_key = member_token(settings.secret_key, "archive", bo)
    for key in (bo_key, ada_key[:-2] + "xx", member_token(settings.secret_key, "unsubscribe", ada)):
        refused = await client.get(f"/boards/hwb/digests/{digest_id}?key={key}")
        assert refused.status_code == 403 and "does not open the archive" in refused.text
    await sign_in(client, "outsider@test.example")
    outsider = await client.get("/boards/hwb/digests")
    assert outsider.status_code == 403 and "is for its members" in outsider.text
    assert "HWB" not in (await client.get("/staff/boards")).text, "boards you are not on are not listed"
    await client.post("/staff/sign-out", data={"_csrf_token": csrf_from((await client.get("/staff/boards")).text)})
    await sign_in(client, "member@test.example")
    assert (await client.get(f"/boards/hwb/digests/{digest_id}")).status_code == 200
    assert (await client.get("/boards/scrutiny/digests")).status_code == 403
    editing = await client.get("/staff/boards/hwb/edit")
    assert editing.status_code == 403, "members read; only the owner and admins change the board"


async def test_subscribing_to_themes_starts_only_after_the_emailed_link_is_followed(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings, servers: Servers
) -> None:
    page = await client.get("/subscribe")
    token = csrf_from(page.text)
    empty = await client.post("/subscribe", data={"_csrf_token": token, "email": "kofi@example.org"})
    assert empty.status_code == 422 and "Choose at least one theme" in empty.text
    bad = await client.post("/subscribe", data={"_csrf_token": token, "email": "kofi", "themes": ["safe"]})
    assert bad.status_code == 422 and "does not look like an email address" in bad.text
    assert await board_count(pool) == 0
    form = {"_csrf_token": token, "email": "Kofi@Example.org", "themes": ["safe", "thrive"]}
    done = await client.post("/subscribe", data=form)
    assert done.status_code == 200 and "Check your email" in done.text
    assert (await client.post("/subscribe", data=form)).status_code == 200
    async with running_worker(settings):
        await eventually(lambda: servers.sink.to("kofi@example.org"), timeout=20)
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM mail_messages") == 1, "subscribing twice sends one link"
        assert await conn.fetchval("SELECT confirmed_at FROM board_members") is None
    body = str(servers.sink.to("kofi@example.org")[0].get_body(("plain",)).get_content())  # type: ignore[union-attr]
    link = next(word for word in body.split() if "/subscribe/confirm/" in word).removeprefix(settings.base_url)
    assert "Help us to feel safe" in body
    confirm_page = await client.get(link)
    assert confirm_page.status_code == 200 and "Start my digest" in confirm_page.text
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT confirmed_at FROM board_members") is None, "opening the link is not enough"
    confirmed = await client.post(link, data={"_csrf_token": csrf_from(confirm_page.text)})
    assert confirmed.status_code == 200 and "Your digest has started" in confirmed.text
    forged = await client.post(link[:-4] + "AAAA", data={"_csrf_token": csrf_from(confirm_page.text)})
    assert forged.status_code == 400
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT confirmed_at IS NOT NULL FROM board_members")
        assert await conn.fetchval("SELECT themes FROM boards") == ["safe", "thrive"]
        member = await conn.fetchval("SELECT id FROM board_members")
    assert (await client.post("/subscribe", data=form)).status_code == 200, "already running: nothing changes"
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM mail_messages") == 1
    unsubscribed = await client.post(f"/unsubscribe/{member_token(settings.secret_key, 'unsubscribe', member)}")
    assert "You have unsubscribed" in unsubscribed.text
    # Coming back is allowed, and needs confirming again.
    assert (await client.post("/subscribe", data=form)).status_code == 200
    async with pool.acquire() as conn:
        again = await conn.fetchrow("SELECT confirmed_at, unsubscribed_at FROM board_members")
        assert again["confirmed_at"] is None and again["unsubscribed_at"] is None
        assert await conn.fetchval("SELECT count(*) FROM mail_messages") == 2
