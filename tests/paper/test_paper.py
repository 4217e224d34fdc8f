"""Paper and phone: numbered forms printed for an event keep their reference when typed in, so their authors can
withdraw with the code they tore off; contributions taken by phone are read back to the caller."""

from __future__ import annotations

import re

import asyncpg
import httpx

from engage import i18n
from engage.ids import withdrawal_code
from engage.settings import Settings
from engage.web.controllers.staff import PHONETIC
from tests.conftest import create_staff, csrf_from, sign_in

REFERENCE = re.compile(r"ENG-[0-9A-Z]{5}-[0-9A-Z]{5}")


async def print_batch(client: httpx.AsyncClient, count: str, locale: str) -> httpx.Response:
    page = await client.get("/staff/paper-forms")
    return await client.post(
        "/staff/paper-forms", data={"_csrf_token": csrf_from(page.text), "count": count, "locale": locale}
    )


async def enter(client: httpx.AsyncClient, **fields: str) -> httpx.Response:
    page = await client.get("/staff/contributions/new")
    submission = re.findall(r'name="submission_id" value="([^"]+)"', page.text)[0]
    data = {
        "_csrf_token": csrf_from(page.text),
        "submission_id": submission,
        "kind": "story",
        "text": "Nikt mi nie powiedział, kiedy przyjdzie pielęgniarka.",
        "language": "pl",
        "locale": "en",
        "consent_analysis": "yes",
        **fields,
    }
    return await client.post("/staff/contributions/new", data=data)


async def test_a_printed_form_keeps_its_reference_and_its_author_withdraws_with_the_printed_code(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings
) -> None:
    await create_staff(pool, "partner_staff", organisation="Polish Community Centre")
    await sign_in(client, "partner_staff@test.example")
    batch = await print_batch(client, "3", "pl")
    assert batch.status_code == 200 and "3 paper forms in Polski" in batch.text
    printed = list(dict.fromkeys(REFERENCE.findall(batch.text)))
    codes = re.findall(r'class="big-code">([0-9A-Z]{5}-[0-9A-Z]{5})<', batch.text)
    assert len(printed) == 3 and len(set(codes)) == 3
    assert 'lang="pl"' in batch.text and "Powiedz, co myślisz o zdrowiu i opiece w Lambeth" in batch.text
    assert "Odetnij tę część i zachowaj ją." in batch.text and "Need help now?" not in batch.text
    async with pool.acquire() as conn:
        issued = {r["reference"]: r["contribution_id"] for r in await conn.fetch("SELECT * FROM paper_forms")}
    assert set(issued) == set(printed), "every printed reference is recorded"
    assert all(withdrawal_code(settings.secret_key, issued[r]) in codes for r in printed), "each its own code"

    typed = await enter(client, channel="paper", paper_reference=printed[1].lower().replace("-", " "))
    assert typed.status_code == 200 and printed[1] in typed.text
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT id, reference, locale, source::text AS source FROM contributions")
        assert await conn.fetchval("SELECT used_at IS NOT NULL FROM paper_forms WHERE reference = $1", printed[1])
    assert (row["id"], row["reference"], row["locale"], row["source"]) == (
        issued[printed[1]],
        printed[1],
        "pl",
        "staff_entry",
    ), "the form's reference, id and language (so its emails are in Polish)"

    again = await enter(client, channel="paper", paper_reference=printed[1], text="Another one typed on the same form")
    assert again.status_code == 422 and f"The form {printed[1]} was typed in already." in again.text
    never = await enter(client, channel="paper", paper_reference="ENG-00000-00000")
    assert never.status_code == 422 and "No form was printed with this reference" in never.text

    # The person who filled it in withdraws with the code printed on their slip.
    citizen = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))  # type: ignore[attr-defined]
    async with citizen:
        page = await citizen.get("/withdraw")
        gone = await citizen.post(
            "/withdraw",
            data={
                "_csrf_token": csrf_from(page.text),
                "reference": printed[1],
                "code": withdrawal_code(settings.secret_key, issued[printed[1]]),
            },
        )
    assert gone.status_code == 200
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM contributions") == 0
    refused = await enter(client, channel="paper", paper_reference=printed[1])
    assert refused.status_code == 422, "a withdrawn form's reference is not issued twice"


async def test_the_same_form_sent_twice_stores_it_once(client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    await create_staff(pool, "facilitator")
    await sign_in(client, "facilitator@test.example")
    reference = REFERENCE.findall((await print_batch(client, "1", "pt")).text)[0]
    page = await client.get("/staff/contributions/new")
    data = {
        "_csrf_token": csrf_from(page.text),
        "submission_id": "double-click",
        "kind": "story",
        "text": "O médico não falava português.",
        "language": "pt",
        "consent_analysis": "yes",
        "channel": "paper",
        "paper_reference": reference,
    }
    first = await client.post("/staff/contributions/new", data=data)
    second = await client.post("/staff/contributions/new", data=data)
    assert first.status_code == second.status_code == 200 and reference in second.text
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM contributions") == 1


async def test_batches_are_refused_outside_their_limits(client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    await create_staff(pool, "facilitator")
    await sign_in(client, "facilitator@test.example")
    for count, locale, reason in (
        ("0", "pl", "between 1 and 200"),
        ("201", "pl", "between 1 and 200"),
        ("5", "xx", "languages"),
    ):
        refused = await print_batch(client, count, locale)
        assert refused.status_code == 422 and reason in refused.text
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM paper_forms") == 0
    await create_staff(pool, "governance")
    await sign_in(client, "governance@test.example")
    assert (await client.get("/staff/paper-forms")).status_code == 403


async def test_a_blank_paper_form_prints_in_each_language(client: httpx.AsyncClient) -> None:
    for code in i18n.languages():
        page = (await client.get(f"/give/paper?lang={code}")).text
        assert i18n.gettext(code, "Have your say on health and care in Lambeth") in page
        assert i18n.gettext(code, "Cut off this part and keep it.") in page
        assert "116 123" in page and "<form" not in page.split("<main", 1)[1], "nothing the print style hides"


async def test_a_phone_contribution_is_read_back_to_the_caller(client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    await create_staff(pool, "facilitator")
    await sign_in(client, "facilitator@test.example")
    taken = await enter(
        client,
        channel="phone",
        text="A minha vizinha precisa de ajuda com as compras.",
        language="pt",
        locale="pt",
        paper_reference="ENG-00000-00000",  # ignored: a phone call has no printed form
    )
    assert taken.status_code == 200
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT reference, source::text AS source, locale FROM contributions")
    assert (row["source"], row["locale"]) == ("phone", "pt")
    assert "Read this to the caller" in taken.text and "in Português" in taken.text
    assert "E as in Echo, N as in November, G as in Golf" in taken.text
    for group in row["reference"].split("-")[1:]:
        assert ", ".join(f"{ch} as in {PHONETIC[ch]}" if ch in PHONETIC else ch for ch in group) in taken.text
    assert "A minha vizinha" in (await client.get("/staff/contributions?source=phone")).text
    assert "A minha vizinha" not in (await client.get("/staff/contributions?source=staff_entry")).text
