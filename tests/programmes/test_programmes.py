"""Co-design programmes: starting one, its phases, its community of practice, contributions given to it."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx

from tests.conftest import create_staff, csrf_from, sign_in

GOOD = {
    "name": "Going home from hospital",
    "purpose": "Make leaving hospital safe and joined up for older people in Brixton and Stockwell.",
    "framework_id": "lambeth-what-matters",
    "neighbourhoods": ["brixton", "stockwell"],
    "discovery_from": "2026-01-05",
    "define_from": "2026-03-02",
    "develop_from": "2026-05-04",
    "ends_on": "2026-07-31",
}


async def start(client: httpx.AsyncClient, form: dict[str, Any] = GOOD) -> httpx.Response:
    page = await client.get("/staff/programmes/new")
    return await client.post(
        "/staff/programmes/new", data={**form, "_csrf_token": csrf_from(page.text)}, follow_redirects=False
    )


async def count(pool: asyncpg.Pool, table: str) -> int:
    async with pool.acquire() as conn:
        return int(await conn.fetchval(f"SELECT count(*) FROM {table}"))


async def test_a_facilitator_starts_a_programme_and_moves_it_through_its_phases(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    await create_staff(pool, "facilitator")
    await sign_in(client, "facilitator@test.example")
    created = await start(client)
    assert created.status_code == 303 and created.headers["location"] == "/staff/programmes/going-home-from-hospital"
    page = await client.get("/staff/programmes/going-home-from-hospital")
    assert 'aria-current="step"' in page.text and "Discovery" in page.text
    assert "Brixton, Stockwell" in page.text and "<li>Facilitator: " in page.text
    assert "/give?programme=going-home-from-hospital" in page.text

    too_short = await client.post(
        "/staff/programmes/going-home-from-hospital/phase",
        data={"_csrf_token": csrf_from(page.text), "from_phase": "discovery", "summary": "ok"},
    )
    assert too_short.status_code == 422 and "short summary" in too_short.text
    summary = "People told us discharge letters arrive late and nobody owns the plan."
    moved = await client.post(
        "/staff/programmes/going-home-from-hospital/phase",
        data={"_csrf_token": csrf_from(page.text), "from_phase": "discovery", "summary": summary},
        follow_redirects=False,
    )
    assert moved.status_code == 303
    again = await client.post(
        "/staff/programmes/going-home-from-hospital/phase",
        data={"_csrf_token": csrf_from(page.text), "from_phase": "discovery", "summary": summary},
    )
    assert again.status_code == 422 and "already in Define" in again.text
    page = await client.get("/staff/programmes/going-home-from-hospital")
    assert "What each phase taught us" in page.text and summary in page.text and "Facilitator" in page.text
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT from_phase::text, to_phase::text, changed_by FROM phase_changes")
        phase = await conn.fetchval("SELECT phase::text FROM programmes")
    assert (row["from_phase"], row["to_phase"], phase) == ("discovery", "define", "define")
    assert row["changed_by"] is not None


async def test_an_empty_programme_form_names_every_missing_field_at_once(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    await create_staff(pool, "facilitator")
    await sign_in(client, "facilitator@test.example")
    page = await client.get("/staff/programmes/new")
    refused = await client.post("/staff/programmes/new", data={"_csrf_token": csrf_from(page.text)})
    assert refused.status_code == 422
    for reason in (
        "Give the programme a name",
        "what the programme is for",
        "at least one neighbourhood",
        "Give the date Discovery starts",
        "Give the date Define starts",
        "Give the date Develop and approval starts",
        "Give the date the programme ends",
    ):
        assert reason in refused.text, reason
    assert await count(pool, "programmes") == 0


async def test_bad_programmes_are_refused_with_the_field_and_nothing_is_created(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    await create_staff(pool, "facilitator")
    await sign_in(client, "facilitator@test.example")
    for changes, reason in [
        ({"name": " "}, "Give the programme a name"),
        ({"purpose": ""}, "what the programme is for"),
        ({"neighbourhoods": []}, "at least one neighbourhood"),
        ({"neighbourhoods": ["atlantis"]}, "from the list"),
        ({"define_from": "2025-01-01"}, "must follow each other"),
        ({"ends_on": "not a date"}, "Give the date the programme ends"),
        ({"framework_id": "made-up"}, "theme frameworks"),
    ]:
        response = await start(client, {**GOOD, **changes})
        assert response.status_code == 422, changes
        assert reason in response.text and "There is a problem" in response.text
    assert await count(pool, "programmes") == 0


async def test_governance_reads_a_programme_but_cannot_run_it(client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    await create_staff(pool, "facilitator")
    await sign_in(client, "facilitator@test.example")
    await start(client)
    await client.post("/staff/sign-out", data={"_csrf_token": csrf_from((await client.get("/staff/programmes")).text)})
    await create_staff(pool, "governance")
    await sign_in(client, "governance@test.example")
    page = await client.get("/staff/programmes/going-home-from-hospital")
    assert page.status_code == 200 and "Move to" not in page.text
    token = csrf_from(page.text)
    refused = await client.post(
        "/staff/programmes/going-home-from-hospital/phase",
        data={"_csrf_token": token, "from_phase": "discovery", "summary": "We learnt a great deal in Discovery."},
    )
    assert refused.status_code == 403
    assert (await client.get("/staff/programmes/new")).status_code == 403
    refused_start = await client.post("/staff/programmes/new", data={**GOOD, "name": "Another", "_csrf_token": token})
    assert refused_start.status_code == 403
    assert await count(pool, "phase_changes") == 0 and await count(pool, "programmes") == 1


async def test_contributions_are_given_to_a_programme_by_api_form_and_link(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    await create_staff(pool, "facilitator")
    await sign_in(client, "facilitator@test.example")
    await start(client)
    body = {"kind": "i_statement", "text": "I want a plan before I leave hospital", "consent": {"analysis": True}}
    given = await client.post("/api/v1/contributions", json={**body, "programme": "going-home-from-hospital"})
    assert given.status_code == 201
    unknown = await client.post("/api/v1/contributions", json={**body, "programme": "nope"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == [{"field": "programme", "reason": "'nope' is not a programme."}]
    form = await client.get("/give?programme=going-home-from-hospital")
    assert "You are contributing to" in form.text and "Going home from hospital" in form.text
    posted = await client.post(
        "/give",
        data={
            "_csrf_token": csrf_from(form.text),
            "submission_id": "abc123",
            "programme": "going-home-from-hospital",
            "kind": "story",
            "text": "Dad came home with no carers arranged.",
            "consent_analysis": "yes",
        },
    )
    assert posted.status_code == 200 and "ENG-" in posted.text
    async with pool.acquire() as conn:
        linked = await conn.fetchval("SELECT count(*) FROM contributions WHERE programme = 'going-home-from-hospital'")
    assert linked == 2 and await count(pool, "contributions") == 2
    listed = await client.get("/staff/contributions?programme=going-home-from-hospital")
    assert "2</strong> contributions" in listed.text
    page = await client.get("/staff/programmes/going-home-from-hospital")
    assert '?programme=going-home-from-hospital">2</a>' in page.text
