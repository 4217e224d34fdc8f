"""A board's recommendations tracker: recorded with their links, updated with dated lines, overdue items marked, in
the board's digest and on a public page that carries no personal data."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import asyncpg
import httpx

from engage.boards import service as boards
from engage.boards.models import BoardDraft
from engage.db import transaction
from engage.demo.loader import load_demo
from engage.digests import service as digests
from engage.digests.models import LOCAL, Period
from engage.mail.service import render_digest
from engage.settings import Settings
from tests.conftest import create_staff, csrf_from, sign_in
from tests.digests.test_digests import make_board
from tests.seed import FRAMEWORK, add_contributions

PERSONAL = "PERSONALMARKER Kwame Mensah was sent home at 2am; ring 07700 900123."
FLAGGED = "FLAGGEDMARKER my son hits me when I ask about the discharge."


async def test_a_board_owner_tracks_recommendations_and_the_public_sees_status_without_personal_data(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    chair = await create_staff(pool, "governance", email="chair@test.example")
    await create_staff(pool, "governance", email="outsider@test.example")
    admin = await create_staff(pool, "admin")
    async with transaction(pool) as conn:
        await boards.save_board(
            conn,
            admin,
            BoardDraft(
                id="scrutiny",
                name="Healthier Communities Select Committee",
                frequency="monthly",
                owner_email=chair.email,
                members=["member@test.example"],
            ),
            framework_id=FRAMEWORK,
        )
        ids = await add_contributions(
            conn,
            [
                {"text": PERSONAL, "at": datetime.now(LOCAL)},
                {"text": FLAGGED, "at": datetime.now(LOCAL), "flagged": True},
            ],
        )
        await conn.execute("UPDATE contributions SET consent_share = true")
        references = [await conn.fetchval("SELECT reference FROM contributions WHERE id = $1", i) for i in ids]
    await sign_in(client, "chair@test.example")
    page = await client.get("/staff/boards/scrutiny/recommendations")
    assert page.status_code == 200 and "Record a recommendation" in page.text
    today = datetime.now(LOCAL).date()
    made, due = today - timedelta(days=200), today - timedelta(days=30)
    accepted_on, done_on = made + timedelta(days=40), made + timedelta(days=180)
    form = {
        "_csrf_token": csrf_from(page.text),
        "label": "R2",
        "text": "Track delayed discharges of people from other boroughs and agree how to cut them with those boroughs.",
        "owner": "Director of Integrated Care",
        "made_on": made.isoformat(),
        "due_on": due.isoformat(),
        "references": "\n".join(references),
    }
    for bad, reason in [
        ({"text": " "}, "Write the recommendation"),
        ({"owner": ""}, "Say who answers for it"),
        ({"due_on": (made - timedelta(days=1)).isoformat()}, "The due date comes after"),
        ({"due_on": "soon"}, "Give the due date like"),
        ({"references": "ENG-AAAAA-BBBBB"}, "No contribution has the reference ENG-AAAAA-BBBBB"),
    ]:
        refused = await client.post("/staff/boards/scrutiny/recommendations", data={**form, **bad})
        assert refused.status_code == 422 and reason in refused.text, (bad, refused.text[:200])
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM recommendations") == 0, "a refusal stores nothing"
    created = await client.post("/staff/boards/scrutiny/recommendations", data=form, follow_redirects=False)
    assert created.status_code == 303
    url = created.headers["location"]
    page = await client.get(url)
    assert "Awaiting a response" in page.text and "Overdue" in page.text, "due a month ago, not answered"
    # Governance reads the linked contributions through the visibility rule: redacted, the flagged one withheld.
    assert "PERSONALMARKER [name] was sent home" in page.text and "Kwame" not in page.text
    assert "FLAGGEDMARKER" not in page.text and "1 of them is not shown" in page.text

    update = {
        "_csrf_token": csrf_from(page.text),
        "expected": "awaiting",
        "status": "accepted",
        "note": "Accepted by Mayor and Cabinet; weekly monitoring with neighbouring boroughs.",
        "changed_on": accepted_on.isoformat(),
    }
    early = await client.post(f"{url}/updates", data={**update, "changed_on": (made - timedelta(days=1)).isoformat()})
    assert early.status_code == 422 and "after the date the recommendation was made" in early.text
    assert (await client.post(f"{url}/updates", data=update, follow_redirects=False)).status_code == 303
    stale = await client.post(f"{url}/updates", data=update)
    assert stale.status_code == 422 and "it is now accepted" in stale.text, "a second press records nothing"
    done = {
        **update,
        "expected": "accepted",
        "status": "done",
        "note": "Delays down by a third.",
        "changed_on": done_on.isoformat(),
    }
    assert (await client.post(f"{url}/updates", data=done, follow_redirects=False)).status_code == 303
    page = await client.get(url)
    assert "Overdue" not in page.text and "Delays down by a third." in page.text

    # Someone not on the board reads nothing; a member does.
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM recommendation_updates") == 2
    await sign_in(client, "outsider@test.example")
    assert (await client.get(url)).status_code == 403
    assert (await client.get("/staff/boards/scrutiny/recommendations")).status_code == 403

    public = await client.get("/recommendations")
    assert public.status_code == 200
    text = public.text
    assert "Track delayed discharges" in text and "Director of Integrated Care" in text and "Done" in text
    assert "Accepted by Mayor and Cabinet" in text and accepted_on.strftime("%-d %B %Y") in text
    assert "Based on 2 contributions from local people" in text
    for secret in ("PERSONALMARKER", "Kwame", "FLAGGEDMARKER", *references):
        assert secret not in text, secret
    # Withdrawing a contribution takes it out of the count.
    async with pool.acquire() as conn:
        await conn.execute("DELETE FROM contributions WHERE id = $1", ids[1])
    assert "Based on 1 contribution from local people" in (await client.get("/recommendations")).text


async def test_the_digest_reports_open_and_overdue_recommendations_and_this_periods_updates(
    pool: asyncpg.Pool,
) -> None:
    board = await make_board(pool, ["member@example.org"])
    period = Period(date(2026, 5, 1), date(2026, 6, 1))
    rows = [
        # (label, made, due, updates as (status, day, note))
        ("R1", date(2026, 1, 10), date(2026, 4, 1), [("accepted", date(2026, 2, 1), "Accepted.")]),  # overdue
        ("R2", date(2026, 1, 10), date(2026, 12, 1), [("in_progress", date(2026, 5, 12), "Pilot on two wards.")]),
        ("R3", date(2026, 1, 10), None, [("done", date(2026, 5, 20), "Complaints now go to one team.")]),
        ("R4", date(2026, 1, 10), None, [("rejected", date(2026, 3, 3), "Not within the council's powers.")]),
        ("R5", date(2026, 6, 15), None, []),  # made after the period
    ]
    async with transaction(pool) as conn:
        for label, made, due, updates in rows:
            await conn.execute(
                """INSERT INTO recommendations (id, board_id, label, text, owner, made_on, due_on)
                   VALUES (gen_random_uuid(), $1, $2, $3, 'Executive Director for Community Services', $4, $5)""",
                board.id,
                label,
                f"Recommendation {label} text.",
                made,
                due,
            )
            for status, day, note in updates:
                await conn.execute(
                    """INSERT INTO recommendation_updates (id, recommendation_id, status, note, changed_on)
                       SELECT gen_random_uuid(), id, $2, $3, $4 FROM recommendations WHERE label = $1""",
                    label,
                    status,
                    note,
                    day,
                )
                await conn.execute("UPDATE recommendations SET status = $2 WHERE label = $1", label, status)
        content = await digests.build_digest(conn, board, period, framework_id=FRAMEWORK, today=date(2026, 6, 1))
        digest_id = await digests.send_digest(conn, board, period, framework_id=FRAMEWORK, today=date(2026, 6, 1))
    lines = {line.label: line for line in content.recommendations}
    assert [line.label for line in content.recommendations] == ["R1", "R2", "R3"], "overdue first; R4 closed before"
    assert lines["R1"].overdue and content.overdue == 1 and lines["R1"].changes == []
    assert lines["R2"].changes == ["12 May 2026: In progress. Pilot on two wards."] and not lines["R2"].overdue
    assert lines["R3"].status == "Done" and lines["R3"].changes == ["20 May 2026: Done. Complaints now go to one team."]
    html, text = render_digest(content, base_url="http://e", archive_url="http://e/a", unsubscribe_url=None)
    assert (
        "RECOMMENDATIONS (3, 1 OVERDUE)" in text
        and "R1: Recommendation R1 text. (Accepted, OVERDUE: due 1 April 2026" in text
    )
    assert "Recommendations</h2>" in html and "1 overdue" in html and "http://e/recommendations?board=hwb" in html
    assert "R4" not in text and "R5" not in text
    # The stored digest (what the archive shows) has the section too; one digest, exactly as before.
    async with pool.acquire() as conn:
        stored = await conn.fetchval("SELECT content::text FROM digests WHERE id = $1", digest_id)
        assert await conn.fetchval("SELECT count(*) FROM mail_messages WHERE digest_id = $1", digest_id) == 1
    assert "Pilot on two wards." in stored


async def test_a_digest_built_before_the_tracker_existed_still_reads(pool: asyncpg.Pool) -> None:
    board = await make_board(pool, ["member@example.org"])
    week = Period(date(2026, 5, 4), date(2026, 5, 11))
    async with transaction(pool) as conn:
        digest_id = await digests.send_digest(conn, board, week, framework_id=FRAMEWORK, today=date(2026, 5, 12))
        # As stored before this change: no "recommendations" key.
        await conn.execute("UPDATE digests SET content = content - 'recommendations' WHERE id = $1", digest_id)
    from engage.digests import queries as digest_queries

    async with pool.acquire() as conn:
        stored = await digest_queries.get_digest(conn, digest_id)
    assert stored is not None and stored.content.recommendations == [] and stored.content.overdue == 0


async def test_the_demo_scrutiny_committee_tracks_recommendations(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings
) -> None:
    loaded, _ = await load_demo(settings)
    assert loaded > 0
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT label, status FROM recommendations ORDER BY label")
        linked = await conn.fetchval("SELECT count(*) FROM recommendation_contributions")
        history = await conn.fetch("SELECT status::text FROM response_updates ORDER BY changed_on")
    assert [(r["label"], r["status"]) for r in rows] == [
        ("R1", "accepted"),
        ("R10", "awaiting"),
        ("R2", "in_progress"),
        ("R4", "done"),
        ("R6", "rejected"),
    ]
    assert linked == 6 and [r["status"] for r in history] == ["planned", "in_progress", "done"]
    public = (await client.get("/recommendations?board=scrutiny&status=overdue")).text
    assert "1 recommendation, <strong>1 overdue</strong>" in public and "hospital-at-home pilot" in public
