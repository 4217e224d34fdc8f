"""The citizen form and withdrawal, as a browser without JavaScript would use them."""

from __future__ import annotations

import asyncpg
import httpx

from engage.settings import Settings
from tests.conftest import app_client, csrf_from


async def open_form(client: httpx.AsyncClient, kind: str = "i_statement") -> dict[str, str]:
    html = (await client.get(f"/give?kind={kind}")).text
    marker = 'name="submission_id" value="'
    start = html.index(marker) + len(marker)
    return {
        "_csrf_token": csrf_from(html),
        "submission_id": html[start : html.index('"', start)],
        "kind": kind,
    }


async def test_a_citizen_gives_an_i_statement_and_gets_a_receipt(client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    form = await open_form(client)
    response = await client.post(
        "/give",
        data={
            **form,
            "text": "I want to be told what happens next.",
            "neighbourhood": "stockwell",
            "language": "en",
            "consent_analysis": "yes",
            "consent_quote": "yes",
            "age_band": "35 to 49",
        },
    )
    assert response.status_code == 200
    assert "we have received your i statement" in response.text.lower()
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM contributions")
        equality = await conn.fetchrow("SELECT * FROM contribution_equality")
    assert row["reference"] in response.text
    assert row["source"] == "web_form" and row["consent_quote"] and not row["consent_share"]
    assert equality["age_band"] == "35 to 49"
    assert response.headers["cache-control"] == "no-store"


async def test_sending_the_same_form_twice_stores_it_once_and_shows_the_same_receipt(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    form = {**await open_form(client, "story"), "text": "The nurse was kind.", "consent_analysis": "yes"}
    first = await client.post("/give", data=form)
    second = await client.post("/give", data=form)
    async with pool.acquire() as conn:
        reference = await conn.fetchval("SELECT reference FROM contributions")
        assert await conn.fetchval("SELECT count(*) FROM contributions") == 1
    assert reference in first.text and reference in second.text


async def test_form_errors_name_each_field_and_keep_what_was_typed(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    form = await open_form(client)
    response = await client.post("/give", data={**form, "text": "   ", "email": "nope", "consent_contact": "yes"})
    assert response.status_code == 422
    html = response.text
    assert "There is a problem" in html
    assert 'href="#text"' in html and 'href="#consent_analysis"' in html and 'href="#email"' in html
    assert 'value="nope"' in html
    assert 'aria-invalid="true"' in html
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM contributions") == 0


async def test_a_post_without_the_csrf_token_is_refused(client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    await client.get("/give")
    response = await client.post("/give", data={"kind": "story", "text": "x", "consent_analysis": "yes"})
    assert response.status_code == 403
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM contributions") == 0


async def test_the_honeypot_stores_nothing(client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    form = await open_form(client)
    response = await client.post(
        "/give",
        data={**form, "text": "Buy cheap pills", "consent_analysis": "yes", "website": "http://spam.example"},
    )
    assert response.status_code == 200
    assert "ENG-" not in response.text
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM contributions") == 0


async def test_too_many_submissions_from_one_client_get_429(settings: Settings, pool: asyncpg.Pool) -> None:
    import msgspec

    strict = msgspec.structs.replace(settings, form_rate_limit_per_minute=3)
    async with app_client(strict) as client:
        statuses = []
        for i in range(5):
            form = await open_form(client)
            response = await client.post("/give", data={**form, "text": f"I want thing {i}", "consent_analysis": "yes"})
            statuses.append(response.status_code)
    assert statuses == [200, 200, 200, 429, 429]
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM contributions") == 3


async def test_withdrawal_removes_the_words_and_everything_derived(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    receipt = (
        await client.post(
            "/api/v1/contributions",
            json={
                "kind": "story",
                "text": "Private story",
                "email": "me@example.org",
                "consent": {"analysis": True, "contact": True},
            },
        )
    ).json()
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO contribution_equality (contribution_id, age_band) VALUES ($1, '18 to 24')",
            __import__("uuid").UUID(receipt["id"]),
        )
    page = await client.get(f"/withdraw?reference={receipt['reference']}&code={receipt['withdrawal_code']}")
    assert receipt["reference"] in page.text
    wrong = await client.post(
        "/withdraw",
        data={"_csrf_token": csrf_from(page.text), "reference": receipt["reference"], "code": "AAAAA-AAAAA"},
    )
    assert wrong.status_code == 422 and "do not match" in wrong.text
    done = await client.post(
        "/withdraw",
        data={
            "_csrf_token": csrf_from(page.text),
            "reference": receipt["reference"].lower(),
            "code": receipt["withdrawal_code"].replace("-", " "),
        },
    )
    assert done.status_code == 200 and "has been withdrawn" in done.text
    async with pool.acquire() as conn:
        left = await conn.fetchrow(
            """SELECT (SELECT count(*) FROM contributions) c, (SELECT count(*) FROM contribution_contacts) k,
                      (SELECT count(*) FROM contribution_equality) e, (SELECT count(*) FROM withdrawals) w,
                      (SELECT count(*) FROM outbox WHERE topic = 'contribution.withdrawn') o"""
        )
        record = await conn.fetchrow("SELECT * FROM withdrawals")
    assert (left["c"], left["k"], left["e"], left["w"], left["o"]) == (0, 0, 0, 1, 1)
    assert set(dict(record)) == {
        "contribution_id",
        "reference",
        "kind",
        "received_at",
        "withdrawn_at",
        "via",
        "withdrawn_by",
        "reason",
    }
    assert record["withdrawn_by"] is None and record["reason"] is None
    again = await client.post(
        "/withdraw",
        data={
            "_csrf_token": csrf_from(page.text),
            "reference": receipt["reference"],
            "code": receipt["withdrawal_code"],
        },
    )
    assert again.status_code == 200
