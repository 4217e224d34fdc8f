"""Propositions: drafted from the evidence, revised in versions, shortlisted, traceable both ways."""

from __future__ import annotations

import asyncpg
import httpx

from tests.conftest import create_staff, csrf_from, sign_in
from tests.programmes.test_programmes import start

PROGRAMME = "going-home-from-hospital"


async def draft(
    client: httpx.AsyncClient, title: str = "A named discharge coordinator", **extra: str
) -> httpx.Response:
    page = await client.get(f"/staff/programmes/{PROGRAMME}/propositions/new")
    data = {
        "_csrf_token": csrf_from(page.text),
        "title": title,
        "description": "One person who owns the plan from the ward to the first week at home.",
        "for_whom": "Older people leaving hospital, and their carers",
        "themes": ["easier", "quality"],
        **extra,
    }
    return await client.post(f"/staff/programmes/{PROGRAMME}/propositions/new", data=data, follow_redirects=False)


async def test_a_proposition_is_drafted_pinned_revised_and_shortlisted(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    await create_staff(pool, "facilitator")
    await sign_in(client, "facilitator@test.example")
    await start(client)
    given = await client.post(
        "/api/v1/contributions",
        json={"kind": "story", "text": "Nobody owned Dad's discharge plan.", "consent": {"analysis": True}},
    )
    reference = given.json()["reference"]
    created = await draft(client)
    assert created.status_code == 303
    url = created.headers["location"]
    page = await client.get(url)
    token = csrf_from(page.text)
    pinned = await client.post(f"{url}/evidence", data={"_csrf_token": token, "reference": reference.lower()})
    assert pinned.status_code == 200 and reference in pinned.text
    missing = await client.post(f"{url}/evidence", data={"_csrf_token": token, "reference": "ENG-AAAAA-BBBBB"})
    assert missing.status_code == 422 and "No contribution has this reference" in missing.text
    # Traceability the other way: the contribution says where it was used.
    used = await client.get(f"/staff/contributions/{given.json()['id']}")
    assert "Where it was used" in used.text and "A named discharge coordinator" in used.text

    revision = {
        "_csrf_token": token,
        "version": "1",
        "title": "A named discharge coordinator for every older patient",
        "description": "One person who owns the plan, reachable by phone for two weeks after going home.",
        "themes": ["easier"],
        "what_changed": "Two weeks of phone contact added",
        "why": "Carers at the March workshop said the first fortnight is when things go wrong.",
    }
    assert (await client.post(f"{url}/versions", data=revision)).status_code == 200
    stale = await client.post(f"{url}/versions", data={**revision, "title": "Someone else's edit"})
    assert stale.status_code == 422 and "saved version 2" in stale.text
    no_reason = await client.post(f"{url}/versions", data={**revision, "version": "2", "what_changed": ""})
    assert no_reason.status_code == 422 and "what changed and why" in no_reason.text
    page = await client.get(url)
    assert "Version 2" in page.text and "the first fortnight" in page.text
    async with pool.acquire() as conn:
        versions = await conn.fetch("SELECT version, title FROM proposition_versions ORDER BY version")
    assert [v["version"] for v in versions] == [1, 2]

    # The shortlist holds three.
    assert (await client.post(f"{url}/status", data={"_csrf_token": token, "status": "shortlisted"})).status_code == 200
    others = []
    for number in range(3):
        other = (await draft(client, f"Proposition {number}")).headers["location"]
        others.append(other)
    for other in others[:2]:
        await client.post(f"{other}/status", data={"_csrf_token": token, "status": "shortlisted"})
    fourth = await client.post(f"{others[2]}/status", data={"_csrf_token": token, "status": "shortlisted"})
    assert fourth.status_code == 422 and "already has 3" in fourth.text
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM propositions WHERE status = 'shortlisted'") == 3

    # Withdrawn evidence leaves a count, not words.
    async with pool.acquire() as conn:
        await conn.execute("DELETE FROM contributions WHERE reference = $1", reference)
    page = await client.get(url)
    assert "1 item was withdrawn" in page.text and "Nobody owned" not in page.text


async def test_bad_propositions_and_edits_without_rights_change_nothing(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    await create_staff(pool, "facilitator")
    await sign_in(client, "facilitator@test.example")
    await start(client)
    empty = await draft(client, title="  ")
    assert empty.status_code == 422 and "Give a title" in empty.text
    odd_theme = await draft(client, themes="made-up")
    assert odd_theme.status_code == 422 and "Choose themes" in odd_theme.text
    url = (await draft(client)).headers["location"]
    await client.post("/staff/sign-out", data={"_csrf_token": csrf_from((await client.get(url)).text)})
    await create_staff(pool, "facilitator", email="other@test.example")
    await sign_in(client, "other@test.example")
    page = await client.get(url)
    assert page.status_code == 200 and "Revise it" not in page.text
    refused = await client.post(
        f"{url}/versions",
        data={
            "_csrf_token": csrf_from(page.text),
            "version": "1",
            "title": "Hijacked",
            "description": "x",
            "what_changed": "x",
            "why": "x",
        },
    )
    assert refused.status_code == 403
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM proposition_versions") == 1
        assert await conn.fetchval("SELECT count(*) FROM propositions") == 1


async def test_a_proposition_drafted_in_discovery_is_warned_about_and_marked(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    await create_staff(pool, "facilitator")
    await sign_in(client, "facilitator@test.example")
    await start(client)  # a new programme starts in Discovery
    new_page = await client.get(f"/staff/programmes/{PROGRAMME}/propositions/new")
    assert "This programme is still in Discovery" in new_page.text
    url = (await draft(client)).headers["location"]
    page = await client.get(url)
    assert "Drafted during Discovery" in page.text and "a shortlist usually waits" in page.text
    await client.post(f"{url}/status", data={"_csrf_token": csrf_from(page.text), "status": "shortlisted"})
    decision_page = (await client.get(url)).text
    assert "Drafted during Discovery</strong>, before the evidence was analysed" in decision_page
    assert "Never put to a consensus round" in decision_page
    async with pool.acquire() as conn:
        phase = await conn.fetchval("SELECT drafted_in_phase::text FROM propositions")
        shortlisted_in = await conn.fetchval(
            "SELECT detail->>'phase' FROM audit_log WHERE action = 'proposition.status'"
        )
    assert phase == "discovery" and shortlisted_in == "discovery"
