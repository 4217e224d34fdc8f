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


async def test_a_status_change_is_dated_kept_on_the_public_page_and_emailed_once_per_person(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings, servers: Servers
) -> None:
    first = await give(client, "Evening appointments please, I work days", "amara@example.org")
    second = await give(client, "I can never get to the surgery before six", "amara@example.org")
    third = await give(client, "After-work appointments", "joao@example.org")
    quiet = await give(client, "Evenings would help", None)
    await create_staff(pool, "facilitator")
    await sign_in(client, "facilitator@test.example")
    page = await client.get("/staff/responses/new")
    published = await client.post(
        "/staff/responses/new",
        data={
            "_csrf_token": csrf_from(page.text),
            "title": "Evening GP appointments",
            "you_said": "You could not get to the surgery in working hours.",
            "we_did": "Three hubs will open until 8pm, one in each part of the borough.",
            "status": "planned",
            "references": f"{first} {second} {third} {quiet}",
        },
        follow_redirects=False,
    )
    assert published.status_code == 303
    async with pool.acquire() as conn:
        response_id = await conn.fetchval("SELECT id FROM responses")
        # Published in January.
        await conn.execute("UPDATE response_updates SET changed_on = '2026-01-15'")
    url = f"/staff/responses/{response_id}"
    page = await client.get(url)
    assert "Published." in page.text and "Planned" in page.text
    change = {
        "_csrf_token": csrf_from(page.text),
        "expected": "planned",
        "status": "in_progress",
        "note": "The Brixton hub opened on weekday evenings.",
        "changed_on": "2026-03-02",
    }
    no_line = await client.post(f"{url}/status", data={**change, "note": " "})
    assert no_line.status_code == 422 and "Say in a line what changed" in no_line.text
    future = await client.post(f"{url}/status", data={**change, "changed_on": "2999-01-01"})
    assert future.status_code == 422 and "today or before" in future.text
    assert (await client.post(f"{url}/status", data=change, follow_redirects=False)).status_code == 303
    twice = await client.post(f"{url}/status", data=change)
    assert twice.status_code == 422 and "already in progress" in twice.text, "a second press records nothing"
    # Joao stops contact (from "your words") before the second change: his details go, so no second email.
    async with pool.acquire() as conn:
        await conn.execute(
            """DELETE FROM contribution_contacts WHERE contribution_id =
               (SELECT id FROM contributions WHERE reference = $1)""",
            third,
        )
    earlier = await client.post(
        f"{url}/status",
        data={**change, "expected": "in_progress", "status": "done", "changed_on": "2026-03-01"},
    )
    assert earlier.status_code == 422 and "The last change was on 2 March 2026" in earlier.text
    done = await client.post(
        f"{url}/status",
        data={
            **change,
            "expected": "in_progress",
            "status": "could_not_do",
            "note": "The Norwood hub could not find evening staff; the other two are open.",
            "changed_on": "2026-04-20",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    async with pool.acquire() as conn:
        keys = sorted(
            r["dedupe_key"].split(":", 3)[-1]
            for r in await conn.fetch("SELECT dedupe_key FROM mail_messages WHERE template = 'response_update'")
        )
        history = await conn.fetch("SELECT status::text, changed_on FROM response_updates ORDER BY changed_on")
    assert keys == ["amara@example.org", "amara@example.org", "joao@example.org"], (
        "one per person per change: Amara twice (two changes, two contributions), Joao only before his details went"
    )
    assert [r["status"] for r in history] == ["planned", "in_progress", "could_not_do"]

    async with running_worker(settings), pool.acquire() as conn:
        await eventually(
            lambda: conn.fetchval("SELECT count(*) = 0 FROM mail_messages WHERE status <> 'sent'"), timeout=25
        )
    updates = [m for m in servers.sink.to("amara@example.org") if m["Subject"].startswith("Update:")]
    assert sorted(m["Subject"] for m in updates) == [
        "Update: Evening GP appointments is now could not do",
        "Update: Evening GP appointments is now in progress",
    ]
    body = next(m for m in updates if "could not do" in m["Subject"]).get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "The Norwood hub could not find evening staff" in body and "20 April 2026" in body
    assert len([m for m in servers.sink.to("joao@example.org") if m["Subject"].startswith("Update:")]) == 1
    public = (await client.get("/you-said-we-did")).text
    assert "What has happened since" in public
    order = [public.index(s) for s in ("Published.", "The Brixton hub opened", "The Norwood hub could not")]
    assert order == sorted(order) and "2 March 2026" in public and "Could not do" in public
