"""The JSON API, against the real database: what is accepted is stored, what is refused changes nothing."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
import pytest

from tests.conftest import create_staff, encode, sign_in

URL = "/api/v1/contributions"
GOOD = {"kind": "i_statement", "text": "I want one phone number that works.", "consent": {"analysis": True}}


async def counts(pool: asyncpg.Pool) -> tuple[int, int, int]:
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            """SELECT (SELECT count(*) FROM contributions) c, (SELECT count(*) FROM outbox) o,
                      (SELECT count(*) FROM contribution_contacts) k"""
        )
    return row["c"], row["o"], row["k"]


async def test_a_contribution_is_stored_with_its_event_and_a_receipt(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    body = {
        **GOOD,
        "neighbourhood": "brixton",
        "language": "en",
        "email": "ama@example.org",
        "consent": {"analysis": True, "quote": True, "share": False, "contact": True},
    }
    response = await client.post(URL, json=body)
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert set(receipt) == {"id", "reference", "withdrawal_code"}
    assert receipt["reference"].startswith("ENG-")
    async with pool.acquire() as conn:
        stored = await conn.fetchrow("SELECT * FROM contributions WHERE reference = $1", receipt["reference"])
        contact = await conn.fetchval(
            "SELECT email FROM contribution_contacts WHERE contribution_id = $1", stored["id"]
        )
        event = await conn.fetchrow("SELECT topic, payload FROM outbox")
    assert stored["text"] == body["text"]
    assert stored["neighbourhood"] == "brixton"
    assert (stored["consent_quote"], stored["consent_share"], stored["consent_contact"]) == (
        True,
        False,
        True,
    )
    assert contact == "ama@example.org"
    assert event["topic"] == "contribution.received"
    assert str(stored["id"]) in event["payload"]


async def test_idempotency_key_returns_the_first_answer_and_stores_nothing_new(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    headers = {"Idempotency-Key": "retry-me-1"}
    first = await client.post(URL, content=encode(GOOD), headers={**headers, "content-type": "application/json"})
    second = await client.post(URL, content=encode(GOOD), headers={**headers, "content-type": "application/json"})
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert await counts(pool) == (1, 1, 0)
    clash = await client.post(URL, json={**GOOD, "text": "Different words"}, headers=headers)
    assert clash.status_code == 409
    assert clash.json()["errors"][0]["field"] == "Idempotency-Key"
    assert await counts(pool) == (1, 1, 0)


BAD_INPUTS: list[tuple[str, Any, int, str]] = [
    ("empty text", {**GOOD, "text": ""}, 422, "text"),
    ("whitespace text", {**GOOD, "text": " \n\t  "}, 422, "text"),
    ("control character", {**GOOD, "text": "hello\u0007there"}, 422, "text"),
    ("null byte", {**GOOD, "text": "a\u0000b"}, 422, "text"),
    ("text too long", {**GOOD, "text": "a" * 10_001}, 422, "text"),
    ("wrong type", {**GOOD, "text": 42}, 422, "text"),
    ("consent wrong type", {**GOOD, "consent": {"analysis": "yes"}}, 422, "consent.analysis"),
    ("unknown field", {**GOOD, "colour": "blue"}, 422, "colour"),
    ("unknown consent field", {**GOOD, "consent": {"analysis": True, "sell": True}}, 422, "sell"),
    ("unknown kind", {**GOOD, "kind": "poem"}, 422, "kind"),
    ("unknown neighbourhood", {**GOOD, "neighbourhood": "atlantis"}, 422, "neighbourhood"),
    ("no analysis consent", {**GOOD, "consent": {"analysis": False}}, 422, "consent.analysis"),
    ("missing consent", {"kind": "story", "text": "x y z"}, 422, "consent"),
    ("missing text", {"kind": "story", "consent": {"analysis": True}}, 422, "text"),
    (
        "bad email",
        {**GOOD, "email": "not-an-email", "consent": {"analysis": True, "contact": True}},
        422,
        "email",
    ),
    ("email without contact consent", {**GOOD, "email": "a@example.org"}, 422, "consent.contact"),
    ("contact consent without email", {**GOOD, "consent": {"analysis": True, "contact": True}}, 422, "email"),
    ("bad language", {**GOOD, "language": "english please"}, 422, "language"),
    ("not an object", [1, 2, 3], 400, "body"),
]


@pytest.mark.parametrize(("case", "body", "status", "field"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
async def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    client: httpx.AsyncClient, pool: asyncpg.Pool, case: str, body: Any, status: int, field: str
) -> None:
    response = await client.post(URL, json=body)
    assert response.status_code == status, response.text
    fields = [e["field"] for e in response.json()["errors"]]
    assert field in fields, fields
    assert all(e["reason"] for e in response.json()["errors"])
    assert await counts(pool) == (0, 0, 0)


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b'{"kind":"story","text":"\xff\xfe","consent":{"analysis":true}}', 400),
        (b'{"kind":"story","text":', 400),
        (b"", 400),
    ],
    ids=["invalid utf-8", "truncated json", "empty body"],
)
async def test_malformed_bodies_are_refused(
    client: httpx.AsyncClient, pool: asyncpg.Pool, raw: bytes, status: int
) -> None:
    response = await client.post(URL, content=raw, headers={"content-type": "application/json"})
    assert response.status_code == status, response.text
    assert response.json()["errors"][0]["field"] == "body"
    assert await counts(pool) == (0, 0, 0)


async def test_a_one_megabyte_body_is_refused(client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    response = await client.post(URL, json={**GOOD, "text": "a" * 1_000_000})
    assert response.status_code == 413
    assert await counts(pool) == (0, 0, 0)


async def test_script_tags_are_stored_as_text_and_escaped_on_staff_pages(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    text = 'I want <script>alert("x")</script> fixed'
    receipt = (await client.post(URL, json={**GOOD, "text": text})).json()
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT text FROM contributions") == text
    await create_staff(pool, "facilitator")
    await sign_in(client, "facilitator@test.example")
    for page in ("/staff/contributions", f"/staff/contributions/{receipt['id']}"):
        html = (await client.get(page)).text
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


async def test_openapi_describes_the_intake_endpoint(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/api/schema/openapi.json")).json()
    operation = schema["paths"]["/api/v1/contributions"]["post"]
    assert "Idempotency-Key" in [p["name"] for p in operation["parameters"]]
    assert "ContributionIn" in str(operation["requestBody"])


async def test_staff_read_endpoints_need_a_signed_in_user(client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    receipt = (await client.post(URL, json=GOOD)).json()
    assert (await client.get(URL)).status_code == 401
    assert (await client.get(f"{URL}/{receipt['id']}")).status_code == 401
    await create_staff(pool, "facilitator")
    await sign_in(client, "facilitator@test.example")
    listing = (await client.get(URL)).json()
    assert listing["total"] == 1
    assert listing["items"][0]["reference"] == receipt["reference"]


async def test_governance_never_gets_contact_details_from_the_api(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    body = {**GOOD, "email": "private@example.org", "consent": {"analysis": True, "contact": True}}
    receipt = (await client.post(URL, json=body)).json()
    await create_staff(pool, "governance")
    await sign_in(client, "governance@test.example")
    detail = (await client.get(f"{URL}/{receipt['id']}")).json()
    assert detail["contact"] is None
    assert detail["contact_hidden"] is True
    assert "private@example.org" not in str(detail)


async def test_the_health_endpoint_answers_without_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.json() == {"status": "ok"}
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("content_type", ["Application/JSON; charset=UTF-8", "application/json ;charset=utf-8"])
async def test_the_door_reads_the_media_type_whatever_its_case_and_parameters(
    client: httpx.AsyncClient, pool: asyncpg.Pool, content_type: str
) -> None:
    body = encode({**GOOD, "text": "hello\u0007there"})
    response = await client.post(URL, content=body, headers={"content-type": content_type})
    assert response.status_code == 422, response.text
    assert "control character" in response.json()["errors"][0]["reason"]
    assert await counts(pool) == (0, 0, 0)
