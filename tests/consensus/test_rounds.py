"""Consensus rounds: invitations by link, one vote per person, results within each group, the consensus rule."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import msgspec

from engage.settings import Settings
from tests.conftest import client_of, create_staff, csrf_from, running_app, sign_in
from tests.programmes.test_community import joined, latest_link, sign_in_by_link
from tests.programmes.test_programmes import GOOD, start
from tests.propositions.test_propositions import PROGRAMME, draft


async def open_round(client: httpx.AsyncClient) -> tuple[str, dict[str, str]]:
    await start(client)
    ids = {}
    for title in ("A named discharge coordinator", "Carers at ward rounds"):
        url = (await draft(client, title)).headers["location"]
        ids[title] = url.rsplit("/", 1)[-1]
        page = await client.get(url)
        await client.post(f"{url}/status", data={"_csrf_token": csrf_from(page.text), "status": "shortlisted"})
    page = await client.get(f"/staff/programmes/{PROGRAMME}/rounds/new")
    closes = (datetime.now(UTC) + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    created = await client.post(
        f"/staff/programmes/{PROGRAMME}/rounds/new",
        data={
            "_csrf_token": csrf_from(page.text),
            "title": "Which ideas should go to the board?",
            "closes_at": closes,
            f"statement-{ids['Carers at ward rounds']}": "Carers know things the ward does not.",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    return str(created.headers["location"]), ids


async def invite(client: httpx.AsyncClient, round_url: str, count: int, neighbourhood: str) -> list[str]:
    page = await client.get(round_url)
    made = await client.post(
        f"{round_url}/invitations",
        data={"_csrf_token": csrf_from(page.text), "count": str(count), "neighbourhood": neighbourhood},
    )
    return re.findall(r"<code>[^<]*(/r/[A-Za-z0-9_-]+)</code>", made.text)


async def vote(
    client: httpx.AsyncClient, link: str, ids: dict[str, str], a: int, b: int, **extra: str
) -> httpx.Response:
    page = await client.get(link)
    data = {
        "_csrf_token": csrf_from(page.text),
        f"support-{ids['A named discharge coordinator']}": str(a),
        f"support-{ids['Carers at ward rounds']}": str(b),
        f"statement-{ids['Carers at ward rounds']}": "agree",
        **extra,
    }
    return await client.post(link, data=data)


async def test_consensus_needs_support_in_every_group_not_just_on_average(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    await create_staff(pool, "facilitator")
    await sign_in(client, "facilitator@test.example")
    round_url, ids = await open_round(client)
    brixton = await invite(client, round_url, 14, "brixton")
    stockwell = await invite(client, round_url, 6, "stockwell")
    assert len(brixton) == 14 and len(stockwell) == 6
    for link in brixton:
        assert (await vote(client, link, ids, 5, 4, age_band="65 to 74")).status_code == 200
    for number, link in enumerate(stockwell):
        response = await vote(
            client, link, ids, 2, 4, **{f"comment-{ids['A named discharge coordinator']}": f"No {number}"}
        )
        assert "your vote is counted" in response.text
    # One vote per person: the same link again says so before showing a ballot, and changes nothing.
    again = await client.get(brixton[0])
    assert again.status_code == 409 and "This link has been used" in again.text and "<title>Your vote" in again.text
    assert 'name="support-' not in again.text
    assert (await client.get("/r/not-a-real-token")).status_code == 404
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM ballots") == 20
        assert await conn.fetchval("SELECT count(*) FROM ballot_ratings WHERE support = 1") == 0

    results = await client.get(round_url)
    text = results.text
    coordinator = text[text.index("A named discharge coordinator:") :]
    carers = text[text.index("Carers at ward rounds:") :]
    assert "No consensus yet" in coordinator.split("</section>")[0]
    assert "only 0% in neighbourhood stockwell" in coordinator.split("</section>")[0]
    assert "Consensus" in carers.split("</section>")[0] and "No consensus" not in carers.split("</section>")[0]
    assert "Age band: 65 to 74" in text
    assert "6 comments" in text

    # The board sees where the round left each proposition beside the decision form.
    coordinator_page = (await client.get(f"/staff/propositions/{ids['A named discharge coordinator']}")).text
    before = coordinator_page[coordinator_page.index('id="consensus-before-decision"') :].split("</div>")[0]
    assert "No consensus</strong> in Which ideas should go to the board?" in before
    assert "neighbourhood stockwell (0%)" in before and 'id="without_consensus"' in coordinator_page
    carers_url = f"/staff/propositions/{ids['Carers at ward rounds']}"
    carers_page = (await client.get(carers_url)).text
    assert "Consensus</strong> in Which ideas" in carers_page and 'id="without_consensus"' not in carers_page
    approved = await client.post(
        f"{carers_url}/decision",
        data={
            "_csrf_token": csrf_from(carers_page),
            "approved": "yes",
            "board": "Health and Wellbeing Board",
            "decided_on": "2026-06-10",
            "actions": "Invite carers to ward rounds on two wards",
            "owner": "Chief Nurse",
        },
    )
    assert approved.status_code == 200 and "Approved without consensus" not in approved.text


async def test_a_few_votes_declare_nothing_until_the_quorum(client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    await create_staff(pool, "facilitator")
    await sign_in(client, "facilitator@test.example")
    round_url, ids = await open_round(client)
    for link in await invite(client, round_url, 4, "brixton"):
        assert (await vote(client, link, ids, 5, 5)).status_code == 200
    text = (await client.get(round_url)).text
    assert "Not enough people yet: 4 of the 20 needed have voted." in text
    assert "Supported overall and in every group" not in text


async def test_late_votes_and_staff_second_votes_are_refused(client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    await create_staff(pool, "facilitator")
    await sign_in(client, "facilitator@test.example")
    round_url, ids = await open_round(client)
    links = await invite(client, round_url, 2, "")
    page = await client.get(f"{round_url}/vote")
    data = {
        "_csrf_token": csrf_from(page.text),
        f"support-{ids['A named discharge coordinator']}": "4",
        f"support-{ids['Carers at ward rounds']}": "5",
    }
    assert "your vote is counted" in (await client.post(f"{round_url}/vote", data=data)).text
    second = await client.post(f"{round_url}/vote", data=data)
    assert second.status_code == 409 and "already voted" in second.text
    missing = await vote(client, links[0], ids, 4, 0)
    assert missing.status_code == 422 and "Rate every proposition" in missing.text
    async with pool.acquire() as conn:
        await conn.execute("UPDATE consensus_rounds SET closes_at = now() - interval '1 minute'")
    late = await client.get(links[1])
    assert late.status_code == 410 and "closed" in late.text and 'name="support-' not in late.text
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM ballots") == 1


async def test_an_approved_proposition_traces_back_to_votes_versions_and_evidence(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    await create_staff(pool, "facilitator")
    await sign_in(client, "facilitator@test.example")
    round_url, ids = await open_round(client)
    for link in await invite(client, round_url, 5, "brixton"):
        await vote(client, link, ids, 5, 3, **{f"comment-{ids['A named discharge coordinator']}": "Please do this"})
    url = f"/staff/propositions/{ids['A named discharge coordinator']}"
    page = await client.get(url)
    token = csrf_from(page.text)
    decision = {
        "_csrf_token": token,
        "approved": "yes",
        "board": "Health and Wellbeing Board",
        "decided_on": "2026-06-10",
    }
    no_plan = await client.post(f"{url}/decision", data=decision)
    assert no_plan.status_code == 422 and "implementation plan" in no_plan.text
    # Five votes are short of the quorum: approving needs the board's reason, and both problems are named at once.
    assert "Not enough people yet: 5 of the 20 needed have voted. Say why the board approves it" in no_plan.text
    assert 'value="Health and Wellbeing Board"' in no_plan.text, "what was typed is kept"
    plan = {
        **decision,
        "actions": "Recruit two coordinators; pilot on two wards",
        "owner": "Director of Integrated Care",
        "budget": "£90,000 a year",
        "milestones": "Pilot from September; review in March",
    }
    no_reason = await client.post(f"{url}/decision", data=plan)
    assert no_reason.status_code == 422 and "approves it without consensus" in no_reason.text
    plan["without_consensus"] = "The discharge pilot cannot wait for the next round; we review it in March."
    assert (await client.post(f"{url}/decision", data=plan)).status_code == 200
    again = await client.post(f"{url}/decision", data=plan)
    assert again.status_code == 409
    page = await client.get(url)
    assert "Approved</strong> by Health and Wellbeing Board" in page.text and "£90,000 a year" in page.text
    assert "What people said in consensus rounds" in page.text and "Please do this" in page.text
    assert "100% support" in page.text and "Version 1" in page.text
    assert "Revise it" not in page.text, "an approved proposition is not edited"
    assert "Approved without consensus.</strong> The board's reason: The discharge pilot" in page.text
    async with pool.acquire() as conn:
        status = await conn.fetchval(
            "SELECT status::text FROM propositions WHERE id = $1", page.url.path.rsplit("/", 1)[-1]
        )
    assert status == "approved"


async def test_community_of_practice_members_vote_as_a_group_of_their_own(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    await create_staff(pool, "facilitator")
    fifteen_make_a_quorum = msgspec.structs.replace(settings, consensus_quorum=15)
    async with running_app(fifteen_make_a_quorum) as app, client_of(app) as facilitator:
        await sign_in(facilitator, "facilitator@test.example")
        round_url, ids = await open_round(facilitator)
        round_id = round_url.rsplit("/", 1)[-1]
        for link in await invite(facilitator, round_url, 10, "brixton"):
            await vote(facilitator, link, ids, 5, 5)
        for number in range(5):
            async with joined(
                app, facilitator, pool, settings, f"resident{number}@example.org", f"Resident {number}"
            ) as member:
                home = await member.get(f"/community/programmes/{PROGRAMME}")
                assert f'href="/community/rounds/{round_id}/vote"' in home.text
                page = await member.get(f"/community/rounds/{round_id}/vote")
                assert page.status_code == 200 and "Your age" not in page.text, "no equality question for members"
                data = {
                    "_csrf_token": csrf_from(page.text),
                    f"support-{ids['A named discharge coordinator']}": "2",
                    f"support-{ids['Carers at ward rounds']}": "4",
                }
                voted = await member.post(f"/community/rounds/{round_id}/vote", data=data)
                assert voted.status_code == 200 and "your vote is counted" in voted.text
                again = await member.post(f"/community/rounds/{round_id}/vote", data=data)
                assert again.status_code == 409
                assert "you have voted" in (await member.get(f"/community/programmes/{PROGRAMME}")).text
        async with pool.acquire() as conn:
            roles = await conn.fetch("SELECT role, count(*) AS n FROM ballots GROUP BY role ORDER BY role")
        assert [(r["role"], r["n"]) for r in roles] == [("citizen", 10), ("community_member", 5)]
        text = (await facilitator.get(round_url)).text
        coordinator = text[text.index("A named discharge coordinator:") :].split("</section>")[0]
        assert "Role: community of practice member</td><td>5</td><td>0%" in coordinator
        assert "Role: citizen</td><td>10</td><td>100%" in coordinator
        assert "67% support" in coordinator, "popular on average"
        assert "only 0% in role community of practice member" in coordinator, "their group stood against it"


async def test_a_member_cannot_vote_in_another_programmes_round(pool: asyncpg.Pool, settings: Settings) -> None:
    await create_staff(pool, "facilitator")
    async with running_app(settings) as app, client_of(app) as facilitator, client_of(app) as mei:
        await sign_in(facilitator, "facilitator@test.example")
        round_url, ids = await open_round(facilitator)
        round_id = round_url.rsplit("/", 1)[-1]
        await start(facilitator, {**GOOD, "name": "Somewhere else"})
        page = await facilitator.get("/staff/programmes/somewhere-else")
        await facilitator.post(
            "/staff/programmes/somewhere-else/invitations",
            data={"_csrf_token": csrf_from(page.text), "invite_name": "Mei", "invite_email": "mei@example.org"},
        )
        assert (await sign_in_by_link(mei, await latest_link(pool, settings, "mei@example.org"))).status_code == 303
        assert (await mei.get(f"/community/rounds/{round_id}/vote")).status_code == 404
        home = await mei.get("/community/programmes/somewhere-else")
        refused = await mei.post(
            f"/community/rounds/{round_id}/vote",
            data={"_csrf_token": csrf_from(home.text), f"support-{ids['Carers at ward rounds']}": "5"},
        )
        assert refused.status_code == 404
        assert (await mei.get(f"/community/propositions/{ids['Carers at ward rounds']}")).status_code == 404
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT count(*) FROM ballots") == 0
