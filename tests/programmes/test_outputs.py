"""The asset register, CSV exports and the programme report."""

from __future__ import annotations

import csv
import io

import asyncpg
import httpx

from tests.conftest import create_staff, csrf_from, sign_in
from tests.workshops.test_workshops import open_session, plan, post


def rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


async def test_a_workshop_note_becomes_a_searchable_exportable_asset(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    workshop_id = await plan(client, pool)
    code = await open_session(client, workshop_id)
    await post(client, code, "The knit and natter group at Brixton Library on Tuesdays", "n1", prompt=1)
    async with pool.acquire() as conn:
        note = await conn.fetchval("SELECT contribution_id FROM workshop_notes")
    form = await client.get(f"/staff/assets/new?note={note}")
    assert "knit and natter" in form.text
    token = csrf_from(form.text)
    empty = await client.post("/staff/assets/new", data={"_csrf_token": token, "kind": "group", "name": " "})
    assert empty.status_code == 422 and "Give its name" in empty.text
    added = await client.post(
        "/staff/assets/new",
        data={
            "_csrf_token": token,
            "kind": "group",
            "name": "Knit and natter",
            "offers": "Company and conversation, Tuesdays 2pm",
            "neighbourhood": "brixton",
            "public_contact": "brixton.library@example.org",
            "from_note": str(note),
        },
        follow_redirects=False,
    )
    assert added.status_code == 303
    found = await client.get("/staff/assets?q=conversation&neighbourhood=brixton")
    assert "Knit and natter" in found.text and "1 in the register" in found.text
    assert "0 in the register" in (await client.get("/staff/assets?q=football")).text
    exported = rows(await client.get("/staff/assets/export.csv"))
    assert exported[0]["name"] == "Knit and natter" and exported[0]["kind"] == "Group"


async def test_exports_and_the_report_show_the_programme_without_personal_data(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    workshop_id = await plan(client, pool)
    code = await open_session(client, workshop_id)
    await post(client, code, '=HYPERLINK("http://evil.example")', "n1")
    await client.post(
        "/api/v1/contributions",
        json={
            "kind": "story",
            "text": "Mum came home to an empty fridge.",
            "programme": "going-home-from-hospital",
            "email": "kofi@example.org",
            "consent": {"analysis": True, "contact": True},
        },
    )
    exported = rows(await client.get("/staff/programmes/going-home-from-hospital/export/contributions.csv"))
    assert len(exported) == 2
    texts = {row["text"] for row in exported}
    assert '\'=HYPERLINK("http://evil.example")' in texts, "a formula is defused"
    assert all("kofi@example.org" not in value for row in exported for value in row.values())
    # A possible safeguarding concern is left out for those who do not handle them.
    async with pool.acquire() as conn:
        await conn.execute(
            """INSERT INTO safeguarding_flags (contribution_id, raised_by)
               SELECT id, 'person' FROM contributions WHERE text LIKE 'Mum came home%'"""
        )
    await client.post("/staff/sign-out", data={"_csrf_token": csrf_from((await client.get("/staff/assets")).text)})
    await create_staff(pool, "governance")
    await sign_in(client, "governance@test.example")
    assert len(rows(await client.get("/staff/programmes/going-home-from-hospital/export/contributions.csv"))) == 1
    report = await client.get("/staff/programmes/going-home-from-hospital/report")
    assert report.status_code == 200
    for heading in ("Where it is", "What people told us, by theme", "Workshops", "Propositions", "Consensus rounds"):
        assert heading in report.text
    assert "Brixton listening session" in report.text
    assert (await client.get("/staff/programmes/going-home-from-hospital/export/secrets.csv")).status_code == 404


async def test_the_evidence_board_groups_by_theme_and_similarity_and_shows_who_is_missing(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: object
) -> None:
    from tests.conftest import eventually, running_worker

    workshop_id = await plan(client, pool)
    code = await open_session(client, workshop_id)
    notes = [
        "Waiting weeks for a GP appointment",
        "Weeks waiting for a GP appointment again",
        "Can never get a GP appointment, weeks of waiting",
        "Lonely since my wife died",
    ]
    async with running_worker(settings):  # type: ignore[arg-type]
        for number, text in enumerate(notes):
            await post(client, code, text, f"n{number}")
        page = await client.get("/staff/programmes/going-home-from-hospital/evidence")
        assert "Who we heard from" in page.text and "Stockwell" in page.text and "(nobody yet)" in page.text
        await client.post(
            "/staff/programmes/going-home-from-hospital/evidence/clusters", data={"_csrf_token": csrf_from(page.text)}
        )

        async def grouped() -> str | None:
            html = (await client.get("/staff/programmes/going-home-from-hospital/evidence")).text
            return html if "3 contributions" in html else None

        html = await eventually(grouped, timeout=30)
    assert "appointment" in html.split("3 contributions")[0].rsplit("<strong>", 1)[-1]
    group = html.split("3 contributions")[1].split("</details>")[0]
    assert '<blockquote class="contribution-text">' in group and "GP appointment" in group, "a quote stands for it"
    assert "Words they share" in group
    assert "Make it easier for us (" in html


async def test_the_report_quotes_people_as_a_digest_would(client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    from tests.programmes.test_programmes import start

    await create_staff(pool, "facilitator")
    await sign_in(client, "facilitator@test.example")
    await start(client)
    for text, quotable in [
        ("Nobody told us when Dad was coming home, so the flat was cold.", True),
        ("The discharge nurse rang me the day before, which helped.", False),
    ]:
        given = await client.post(
            "/api/v1/contributions",
            json={
                "kind": "story",
                "text": text,
                "programme": "going-home-from-hospital",
                "consent": {"analysis": True, "quote": True},
            },
        )
        async with pool.acquire() as conn:
            await conn.execute(
                """UPDATE contributions SET redacted_text = text,
                          quote_approved_at = CASE WHEN $2 THEN now() END WHERE id = $1""",
                given.json()["id"],
                quotable,
            )
            await conn.execute(
                """INSERT INTO contribution_tags (contribution_id, framework_id, theme_id, source, confidence)
                   VALUES ($1, 'lambeth-what-matters', 'listen', 'model', 0.9)""",
                given.json()["id"],
            )
    report = (await client.get("/staff/programmes/going-home-from-hospital/report")).text
    words = report[report.index("In their words") : report.index("<h2>Workshops")]
    assert "Nobody told us when Dad was coming home" in words
    assert "discharge nurse rang me" not in words, "a quote no facilitator approved stays out"
    assert "2 contributions;" in report
