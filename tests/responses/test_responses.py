"""You said, we did: published once, listed publicly, and each linked contributor told once."""

from __future__ import annotations

import asyncpg
import httpx

from engage.settings import Settings
from tests.conftest import Servers, create_staff, csrf_from, eventually, running_worker, sign_in


async def give(client: httpx.AsyncClient, text: str, email: str | None) -> str:
    body = {"kind": "i_statement", "text": text, "consent": {"analysis": True, "contact": bool(email)}}
    if email:
        body["email"] = email
    return str((await client.post("/api/v1/contributions", json=body)).json()["reference"])


async def test_a_response_is_published_and_each_linked_contributor_is_told_once(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings, servers: Servers
) -> None:
    first = await give(client, "I want appointments I can book online", "amara@example.org")
    second = await give(client, "I want to book online like everything else", "amara@example.org")
    third = await give(client, "Online booking please", None)
    await create_staff(pool, "facilitator")
    await sign_in(client, "facilitator@test.example")
    page = await client.get("/staff/responses/new")
    token = csrf_from(page.text)
    form = {
        "_csrf_token": token,
        "title": "Online booking at every surgery",
        "you_said": "You could not book GP appointments online.",
        "we_did": "All 41 practices now offer online booking, with help at the library for anyone who wants it.",
        "status": "done",
        "theme_id": "easier",
        "references": f"{first}\n{second.lower()}, {third}",
    }
    missing = await client.post("/staff/responses/new", data={**form, "we_did": " "})
    assert missing.status_code == 422 and "Fill this in" in missing.text
    unknown = await client.post("/staff/responses/new", data={**form, "references": "ENG-AAAAA-BBBBB"})
    assert unknown.status_code == 422 and "ENG-AAAAA-BBBBB" in unknown.text
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM responses") == 0
    published = await client.post("/staff/responses/new", data=form, follow_redirects=False)
    assert published.status_code == 303
    async with running_worker(settings):
        await eventually(lambda: len(servers.sink.to("amara@example.org")) >= 3, timeout=20)
        async with pool.acquire() as conn:
            await eventually(
                lambda: conn.fetchval("SELECT count(*) = 0 FROM mail_messages WHERE status <> 'sent'"), timeout=20
            )
    emails = [m for m in servers.sink.to("amara@example.org") if m["Subject"].strip().startswith("What happened after")]
    assert len(emails) == 1, "two linked contributions, one person: one email (besides the two receipts)"
    body = emails[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "All 41 practices" in body and emails[0]["Subject"].endswith("Online booking at every surgery")
    public = await client.get("/you-said-we-did?theme=easier")
    assert "Online booking at every surgery" in public.text and "Based on 3 contributions" in public.text
    assert "Online booking at every surgery" not in (await client.get("/you-said-we-did?theme=safe")).text
