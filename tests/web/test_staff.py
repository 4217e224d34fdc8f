"""Staff pages: sign-in, least privilege per role, search and filters, the audit trail."""

from __future__ import annotations

import re
from typing import Any

import asyncpg
import httpx
import pytest

from engage.ids import withdrawal_code
from engage.settings import Settings
from engage.workers.redaction import redact_contributions
from tests.conftest import create_staff, csrf_from, sign_in

SECRET_EMAIL = "only-for-some@example.org"


async def give(client: httpx.AsyncClient, text: str, **extra: Any) -> dict[str, Any]:
    body = {"kind": "story", "text": text, "consent": {"analysis": True}, **extra}
    response = await client.post("/api/v1/contributions", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_wrong_password_is_refused_and_right_one_signs_in(client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    await create_staff(pool, "facilitator")
    page = await client.get("/staff/sign-in")
    wrong = await client.post(
        "/staff/sign-in",
        data={"_csrf_token": csrf_from(page.text), "email": "facilitator@test.example", "password": "nope"},
    )
    assert wrong.status_code == 401 and "wrong" in wrong.text
    assert (await client.get("/staff/contributions", follow_redirects=False)).status_code in (302, 303, 307)
    await sign_in(client, "Facilitator@Test.Example")
    assert (await client.get("/staff/contributions")).status_code == 200
    async with pool.acquire() as conn:
        stored = await conn.fetchval("SELECT password_hash FROM users")
    assert stored.startswith("$argon2id$")


async def test_signing_out_ends_the_session_on_the_server(client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    await create_staff(pool, "admin")
    await sign_in(client, "admin@test.example")
    cookie = client.cookies.get("engage_session")
    page = await client.get("/staff/contributions")
    await client.post("/staff/sign-out", data={"_csrf_token": csrf_from(page.text)})
    client.cookies.set("engage_session", cookie or "")
    assert (await client.get("/api/v1/contributions")).status_code == 401


@pytest.mark.parametrize(
    ("role", "sees_contact", "sees_equality", "reads_as_written"),
    [
        ("admin", True, True, True),
        ("partner_staff", False, False, False),
        ("facilitator", False, False, True),
        ("governance", False, False, False),
    ],
)
async def test_each_role_sees_only_the_personal_data_it_needs(
    client: httpx.AsyncClient,
    pool: asyncpg.Pool,
    role: str,
    sees_contact: bool,
    sees_equality: bool,
    reads_as_written: bool,
) -> None:
    receipt = await give(
        client,
        "Please call me back about the clinic. My name is Grace Mensah.",
        email=SECRET_EMAIL,
        consent={"analysis": True, "contact": True, "share": True},
    )
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO contribution_equality (contribution_id, ethnicity) VALUES ($1, 'Mixed')",
            __import__("uuid").UUID(receipt["id"]),
        )
    await redact_contributions(pool, [__import__("uuid").UUID(receipt["id"])])
    await create_staff(pool, role)
    await sign_in(client, f"{role}@test.example")
    html = (await client.get(f"/staff/contributions/{receipt['id']}")).text
    assert "Please call me back" in html
    # Governance, and partner staff reading what someone else entered, read the words redacted.
    assert ("Grace Mensah" in html) is reads_as_written
    assert ("My name is [name]" in html) is not reads_as_written
    assert (SECRET_EMAIL in html) is sees_contact
    assert ("Mixed" in html) is sees_equality
    async with pool.acquire() as conn:
        audited = await conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'personal_data.viewed' AND subject_id = $1",
            receipt["id"],
        )
    assert audited == (1 if sees_contact or sees_equality else 0)


async def test_partner_staff_see_contact_details_only_of_what_they_entered(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    await create_staff(pool, "partner_staff", organisation="Healthwatch Lambeth")
    await sign_in(client, "partner_staff@test.example")
    page = await client.get("/staff/contributions/new")
    form = {
        "_csrf_token": csrf_from(page.text),
        "submission_id": "paper-contact",
        "kind": "story",
        "text": "Rang about her husband's discharge; wants a call back.",
        "consent_analysis": "yes",
        "consent_contact": "yes",
        "phone": "07700 900777",
    }
    assert (await client.post("/staff/contributions/new", data=form)).status_code == 200
    async with pool.acquire() as conn:
        own_id = await conn.fetchval("SELECT id FROM contributions")
    assert "07700 900777" in (await client.get(f"/staff/contributions/{own_id}")).text


async def test_partner_staff_only_see_shared_contributions_or_their_own(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    shared = await give(client, "Shared with partners", consent={"analysis": True, "share": True})
    private = await give(client, "Not for partners")
    await create_staff(pool, "partner_staff", organisation="Healthwatch Lambeth")
    await sign_in(client, "partner_staff@test.example")
    listing = (await client.get("/api/v1/contributions")).json()
    assert [item["reference"] for item in listing["items"]] == [shared["reference"]]
    assert (await client.get(f"/staff/contributions/{private['id']}")).status_code == 404
    assert (await client.get(f"/api/v1/contributions/{private['id']}")).status_code == 404


async def test_governance_cannot_enter_contributions_or_see_mail(client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    await create_staff(pool, "governance")
    await sign_in(client, "governance@test.example")
    assert (await client.get("/staff/contributions/new")).status_code == 403
    assert (await client.get("/staff/mail")).status_code == 403


async def test_staff_enter_a_story_gathered_on_paper(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings
) -> None:
    user = await create_staff(pool, "partner_staff", organisation="Healthwatch Lambeth")
    await sign_in(client, "partner_staff@test.example")
    page = await client.get("/staff/contributions/new")
    form = {
        "_csrf_token": csrf_from(page.text),
        "submission_id": "paper-1",
        "kind": "story",
        "text": "Told at the coffee morning: the bus to the hospital is hopeless.",
        "source_name": "Age UK Lambeth coffee morning",
        "neighbourhood": "norwood",
        "language": "en",
        "consent_analysis": "yes",
        "gathered_on": "2026-03-14",
    }
    response = await client.post("/staff/contributions/new", data=form, follow_redirects=False)
    assert response.status_code == 200 and "Saved" in response.text
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM contributions")
    assert row["source"] == "staff_entry" and row["entered_by"] == user.id
    assert row["source_name"] == "Age UK Lambeth coffee morning"
    assert row["received_at"].date().isoformat() == "2026-03-14"
    # The reference and withdrawal code to hand back to the person, and they work.
    assert row["reference"] in response.text
    code = response.text.split('Withdrawal code: <strong class="big-code">')[1].split("<")[0]
    assert code == withdrawal_code(settings.secret_key, row["id"])
    # Partner staff see what they entered, as written, even without sharing consent.
    own = await client.get(f"/staff/contributions/{row['id']}")
    assert own.status_code == 200 and "the bus to the hospital is hopeless" in own.text
    # Sending the same form again (a refresh) stores nothing twice and shows the same receipt.
    again = await client.post("/staff/contributions/new", data=form, follow_redirects=False)
    assert row["reference"] in again.text
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM contributions") == 1
    # A gathering date in the future is refused, naming the field.
    future = await client.post(
        "/staff/contributions/new", data={**form, "submission_id": "paper-2", "gathered_on": "2999-01-01"}
    )
    assert future.status_code == 422 and "Give the date it was gathered" in future.text


async def test_filters_and_full_text_search(client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    await give(client, "The waiting list for therapy was nine months.", neighbourhood="brixton")
    await give(client, "I waited nine months for a wheelchair.", neighbourhood="clapham")
    await client.post(
        "/api/v1/contributions",
        json={"kind": "i_statement", "text": "I want kind receptionists.", "consent": {"analysis": True}},
    )
    await create_staff(pool, "facilitator")
    await sign_in(client, "facilitator@test.example")

    async def total(query: str) -> int:
        return int((await client.get(f"/api/v1/contributions?{query}")).json()["total"])

    assert await total("") == 3
    assert await total("q=waiting") == 2  # stemmed: "waited" and "waiting"
    assert await total("q=waiting&neighbourhood=clapham") == 1
    assert await total("kind=i_statement") == 1
    assert await total("source=api") == 3
    assert await total("source=import") == 0
    assert await total("from=2000-01-01&to=2000-12-31") == 0
    html = (await client.get("/staff/contributions?q=wheelchair")).text
    assert "1</strong> contribution " in html and "wheelchair" in html


async def test_the_filter_form_sends_empty_fields_and_bad_dates_without_breaking(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    await give(client, "Kind staff at the surgery.")
    await create_staff(pool, "facilitator")
    await sign_in(client, "facilitator@test.example")
    empty = await client.get("/staff/contributions?q=&kind=&neighbourhood=&source=&from=&to=")
    assert empty.status_code == 200 and "1</strong> contribution" in empty.text
    odd = await client.get("/staff/contributions?from=yesterday&kind=poem")
    assert odd.status_code == 200
    assert "is not a date like" in odd.text and "is not a kind of contribution" in odd.text


async def test_admins_edit_the_neighbourhood_list_and_the_form_follows(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    await create_staff(pool, "admin")
    await sign_in(client, "admin@test.example")
    page = await client.get("/staff/neighbourhoods")
    token = csrf_from(page.text)
    added = await client.post(
        "/staff/neighbourhoods", data={"_csrf_token": token, "name": "Oval", "borough": "Lambeth"}
    )
    assert added.status_code == 200 and "Oval" in added.text
    duplicate = await client.post("/staff/neighbourhoods", data={"_csrf_token": token, "name": "oval", "borough": "X"})
    assert duplicate.status_code == 422 and "already on the list" in duplicate.text
    await client.post("/staff/neighbourhoods/brixton/active", data={"_csrf_token": token, "active": "no"})
    form = (await client.get("/give")).text
    assert 'value="oval"' in form and 'value="brixton"' not in form
    api = await client.post(
        "/api/v1/contributions",
        json={"kind": "story", "text": "Oval story", "neighbourhood": "oval", "consent": {"analysis": True}},
    )
    assert api.status_code == 201
    trail = (await client.get("/staff/audit")).text
    assert "neighbourhood.added" in trail and "neighbourhood.retired" in trail


async def test_only_admins_manage_neighbourhoods_or_read_the_audit_trail(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    await create_staff(pool, "facilitator")
    await sign_in(client, "facilitator@test.example")
    assert (await client.get("/staff/neighbourhoods")).status_code == 403
    assert (await client.get("/staff/audit")).status_code == 403
    page = await client.get("/staff/contributions")
    refused = await client.post(
        "/staff/neighbourhoods", data={"_csrf_token": csrf_from(page.text), "name": "Oval", "borough": "Lambeth"}
    )
    assert refused.status_code == 403
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM neighbourhoods WHERE slug = 'oval'") == 0


NAVIGATION = [
    "/staff/dashboard",
    "/staff/contributions",
    "/staff/programmes",
    "/staff/assets",
    "/staff/boards",
    "/staff/responses",
    "/staff/contributions/new",
    "/staff/paper-forms",
    "/staff/review",
    "/staff/safeguarding",
    "/staff/models",
    "/staff/neighbourhoods",
    "/staff/mail",
    "/staff/audit",
    "/staff/users",
    "/staff/account",
]
"""Every page the staff navigation can link to (an administrator's navigation)."""


@pytest.mark.parametrize("role", ["admin", "facilitator", "governance", "partner_staff"])
async def test_navigation_links_exactly_the_pages_the_role_may_open(
    client: httpx.AsyncClient, pool: asyncpg.Pool, role: str
) -> None:
    await create_staff(pool, role)
    await sign_in(client, f"{role}@test.example")
    page = (await client.get("/staff/contributions")).text
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', page, re.S)
    assert nav is not None
    linked = re.findall(r'href="(/staff/[^"]*)"', nav.group(1))
    assert set(linked) <= set(NAVIGATION)
    if role == "admin":
        assert linked == NAVIGATION
    for path in NAVIGATION:
        status = (await client.get(path)).status_code
        assert status == (200 if path in linked else 403), (role, path, status)


@pytest.mark.parametrize(("role", "runs"), [("facilitator", True), ("partner_staff", False), ("governance", False)])
async def test_running_programmes_is_its_own_permission_apart_from_entering_contributions(
    client: httpx.AsyncClient, pool: asyncpg.Pool, role: str, runs: bool
) -> None:
    await create_staff(pool, role)
    await sign_in(client, f"{role}@test.example")
    enters = role != "governance"
    for path in ("/staff/contributions/new", "/staff/paper-forms"):
        assert (await client.get(path)).status_code == (200 if enters else 403), path
    for path in ("/staff/programmes/new", "/staff/assets/new", "/staff/responses/new"):
        assert (await client.get(path)).status_code == (200 if runs else 403), path
    page = await client.get("/staff/programmes")
    assert ("Start a programme" in page.text) is runs
    refused = await client.post(
        "/staff/programmes/new", data={"_csrf_token": csrf_from(page.text), "name": "Not theirs", "purpose": "x"}
    )
    assert (refused.status_code == 403) is not runs
    assert ("Publish a response" in (await client.get("/staff/responses")).text) is runs
