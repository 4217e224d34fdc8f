"""Workshops and live capture over HTTP: planning, joining by code, posting notes, arranging, closing."""

from __future__ import annotations

import re
from typing import Any

import asyncpg
import httpx

from tests.conftest import create_staff, csrf_from, sign_in
from tests.programmes.test_programmes import start

PROMPTS = "What does health and wellbeing mean to you?\nWhich groups and places already help people here?"


async def plan(client: httpx.AsyncClient, pool: asyncpg.Pool) -> str:
    await create_staff(pool, "facilitator")
    await sign_in(client, "facilitator@test.example")
    await start(client)
    page = await client.get("/staff/programmes/going-home-from-hospital/workshops/new")
    created = await client.post(
        "/staff/programmes/going-home-from-hospital/workshops/new",
        data={
            "_csrf_token": csrf_from(page.text),
            "title": "Brixton listening session",
            "held_on": "2026-01-20",
            "venue": "Brixton Library",
            "neighbourhood": "brixton",
            "accessibility": "Step-free, hearing loop, Portuguese interpreter",
            "prompts": PROMPTS,
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    return str(created.headers["location"]).rsplit("/", 1)[-1]


async def open_session(client: httpx.AsyncClient, workshop_id: str) -> str:
    page = await client.get(f"/staff/workshops/{workshop_id}")
    await client.post(f"/staff/workshops/{workshop_id}/open", data={"_csrf_token": csrf_from(page.text)})
    page = await client.get(f"/staff/workshops/{workshop_id}")
    match = re.search(r'<strong class="code">([0-9A-Z]{6})</strong>', page.text)
    assert match, "the join code is shown"
    return match.group(1)


def prompt_ids(html: str) -> list[str]:
    return re.findall(r'name="prompt_id" value="([0-9a-f-]{36})"', html)


async def post(
    client: httpx.AsyncClient, code: str, text: str, key: str, prompt: int = 0, **extra: Any
) -> httpx.Response:
    page = await client.get(f"/w/{code}")
    data = {
        "_csrf_token": csrf_from(page.text),
        "prompt_id": prompt_ids(page.text)[prompt],
        "text": text,
        "client_key": key,
        "consent_analysis": "yes",
        **extra,
    }
    return await client.post(f"/w/{code}", data=data)


async def count(pool: asyncpg.Pool, sql: str) -> int:
    async with pool.acquire() as conn:
        return int(await conn.fetchval(sql))


async def test_participants_post_notes_by_code_and_they_become_workshop_contributions(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    workshop_id = await plan(client, pool)
    code = await open_session(client, workshop_id)
    joined = await client.get(f"/w?code={code.lower()}")
    assert "What does health and wellbeing mean to you?" in joined.text
    posted = await post(client, code, "Having people to talk to", "phone-1-note-1")
    assert posted.status_code == 200 and "your note is on the board" in posted.text
    again = await post(client, code, "Having people to talk to", "phone-1-note-1")  # a double tap
    assert again.status_code == 200
    await post(client, code, "The lunch club at St Luke's", "phone-2-note-1", prompt=1)
    assert await count(pool, "SELECT count(*) FROM workshop_notes") == 2
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            """SELECT c.kind::text, c.source::text, c.programme, c.neighbourhood, c.source_name
               FROM contributions c JOIN workshop_notes n ON n.contribution_id = c.id"""
        )
        events = await conn.fetch("SELECT kind FROM board_events ORDER BY id")
    assert {tuple(r) for r in rows} == {
        ("workshop_note", "workshop", "going-home-from-hospital", "brixton", "Brixton listening session")
    }
    assert [e["kind"] for e in events] == ["note", "note"]
    assert await count(pool, "SELECT count(*) FROM outbox WHERE topic = 'contribution.received'") == 2


async def test_bad_notes_and_codes_get_clear_answers_and_change_nothing(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    workshop_id = await plan(client, pool)
    code = await open_session(client, workshop_id)
    huge = await post(client, code, "word " * 400, "k1")
    assert huge.status_code == 422 and "under 1,000 characters" in huge.text
    empty = await post(client, code, "   ", "k2")
    assert empty.status_code == 422 and "Write your note" in empty.text
    page = await client.get(f"/w/{code}")
    foreign = await client.post(
        f"/w/{code}",
        data={
            "_csrf_token": csrf_from(page.text),
            "prompt_id": "00000000-0000-0000-0000-000000000000",
            "text": "hello",
            "client_key": "k3",
            "consent_analysis": "yes",
        },
    )
    assert foreign.status_code == 422 and "this session" in foreign.text
    no_consent = await client.post(
        f"/w/{code}",
        data={
            "_csrf_token": csrf_from(page.text),
            "prompt_id": prompt_ids(page.text)[0],
            "text": "hi",
            "client_key": "k4",
        },
    )
    assert no_consent.status_code == 422 and "Tick the box" in no_consent.text
    unknown = await client.get("/w/ZZZZZZ")
    assert unknown.status_code == 404 and "no session with this code" in unknown.text
    assert await count(pool, "SELECT count(*) FROM contributions") == 0
    # Closing keeps what was posted and refuses more.
    await post(client, code, "One good note", "k5")
    participant_prompts = prompt_ids((await client.get(f"/w/{code}")).text)
    page = await client.get(f"/staff/workshops/{workshop_id}")
    await client.post(f"/staff/workshops/{workshop_id}/close", data={"_csrf_token": csrf_from(page.text)})
    closed = await client.get(f"/w/{code}")
    assert closed.status_code == 410 and "closed" in closed.text
    late = await client.post(
        f"/w/{code}",
        data={
            "_csrf_token": csrf_from(page.text),
            "prompt_id": participant_prompts[0],
            "text": "late",
            "client_key": "k7",
            "consent_analysis": "yes",
        },
    )
    assert late.status_code == 410
    assert await count(pool, "SELECT count(*) FROM workshop_notes") == 1
    assert await count(pool, "SELECT count(*) FROM board_events WHERE kind = 'closed'") == 1


async def test_a_facilitator_moves_groups_merges_and_types_in_notes(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    workshop_id = await plan(client, pool)
    code = await open_session(client, workshop_id)
    await post(client, code, "Friends and family", "a")
    await post(client, code, "Friends, family and neighbours", "b")
    page = await client.get(f"/staff/workshops/{workshop_id}")
    token = csrf_from(page.text)
    paper_form = page.text[page.text.index('id="paper-prompt"') :]
    prompts = re.findall(r'<option value="([0-9a-f-]{36})">', paper_form)
    async with pool.acquire() as conn:
        first, second = [
            r["contribution_id"]
            for r in await conn.fetch(
                """SELECT n.contribution_id FROM workshop_notes n JOIN contributions c ON c.id = n.contribution_id
                   ORDER BY c.received_at, c.id"""
            )
        ]
    base = f"/staff/workshops/{workshop_id}/notes"
    await client.post(f"{base}/{second}", data={"_csrf_token": token, "group_label": "People around me"})
    await client.post(f"{base}/{second}", data={"_csrf_token": token, "duplicate_of": str(first)})
    await client.post(f"{base}/{first}", data={"_csrf_token": token, "prompt_id": prompts[-1]})
    refused = await client.post(f"{base}/{first}", data={"_csrf_token": token, "duplicate_of": str(first)})
    assert refused.status_code == 422
    await client.post(base, data={"_csrf_token": token, "prompt_id": prompts[0], "text": "Written on a sticky note"})
    async with pool.acquire() as conn:
        notes = {
            r["text"]: r
            for r in await conn.fetch(
                """SELECT c.text, n.group_label, n.duplicate_of, n.prompt_id::text, n.from_paper
               FROM workshop_notes n JOIN contributions c ON c.id = n.contribution_id"""
            )
        }
        kinds = [r["kind"] for r in await conn.fetch("SELECT kind FROM board_events ORDER BY id")]
    assert notes["Friends, family and neighbours"]["group_label"] == "People around me"
    assert notes["Friends, family and neighbours"]["duplicate_of"] == first
    assert notes["Friends and family"]["prompt_id"] == prompts[-1]
    assert notes["Written on a sticky note"]["from_paper"] is True
    assert kinds == ["note", "note", "grouped", "merged", "moved", "note"]


async def test_only_the_programmes_facilitators_run_its_workshops(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    workshop_id = await plan(client, pool)
    await client.post("/staff/sign-out", data={"_csrf_token": csrf_from((await client.get("/staff/programmes")).text)})
    await create_staff(pool, "facilitator", email="other@test.example")
    await sign_in(client, "other@test.example")
    page = await client.get(f"/staff/workshops/{workshop_id}")
    assert page.status_code == 200 and "Open the live session" not in page.text
    refused = await client.post(f"/staff/workshops/{workshop_id}/open", data={"_csrf_token": csrf_from(page.text)})
    assert refused.status_code == 403
    assert await count(pool, "SELECT count(*) FROM workshops WHERE code IS NOT NULL") == 0
