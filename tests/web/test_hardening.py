"""Headers on every response, sessions and passwords, and limits that hold across processes without locking out
the wrong people."""

from __future__ import annotations

import asyncpg
import httpx
import msgspec

from engage.settings import Settings
from tests.conftest import app_client, create_staff, csrf_from, running_app, sign_in

HEADERS = ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy")


async def test_every_response_carries_the_security_headers_even_404_and_static(settings: Settings) -> None:
    with_hsts = msgspec.structs.replace(settings, hsts_seconds=31536000)
    async with app_client(with_hsts) as client:
        for path in ("/", "/no-such-page", "/static/engage.css", "/api/v1/neighbourhoods", "/healthz"):
            response = await client.get(path)
            for header in HEADERS:
                assert header in response.headers, (path, header)
            assert response.headers["strict-transport-security"].startswith("max-age=31536000"), path
        trace = await client.request("TRACE", "/give")
        assert trace.status_code == 405 and "GET" in trace.headers.get("allow", "")
    async with app_client(settings) as client:
        assert "strict-transport-security" not in (await client.get("/")).headers


async def test_a_form_from_before_sign_in_is_refused_after_it(client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    await create_staff(pool, "admin")
    stale = csrf_from((await client.get("/staff/sign-in")).text)
    await sign_in(client, "admin@test.example")
    # The cookie was renewed at sign-in: the old token no longer matches the session (or the cookie).
    refused = await client.post("/staff/neighbourhoods", data={"_csrf_token": stale, "name": "Kennington Park"})
    assert refused.status_code == 403
    fresh = csrf_from((await client.get("/staff/neighbourhoods")).text)
    accepted = await client.post(
        "/staff/neighbourhoods", data={"_csrf_token": fresh, "name": "Kennington Park", "borough": "Lambeth"}
    )
    assert accepted.status_code == 200 and "Kennington Park" in accepted.text


async def test_a_token_issued_to_one_session_is_refused_in_another(settings: Settings, pool: asyncpg.Pool) -> None:
    await create_staff(pool, "admin")
    async with app_client(settings) as first, app_client(settings) as second:
        await sign_in(first, "admin@test.example")
        await sign_in(second, "admin@test.example")
        first_token = csrf_from((await first.get("/staff/neighbourhoods")).text)
        # The second browser presents the first session's CSRF cookie and token with its own session.
        second.cookies.set("engage_csrf", first.cookies["engage_csrf"])
        answer = await second.post("/staff/neighbourhoods", data={"_csrf_token": first_token, "name": "X Y"})
        assert answer.status_code == 403


async def test_changing_the_password_refuses_weak_ones_and_ends_other_sessions(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    await create_staff(pool, "facilitator")
    async with app_client(settings) as here, app_client(settings) as elsewhere:
        await sign_in(here, "facilitator@test.example")
        await sign_in(elsewhere, "facilitator@test.example")

        async def change(current: str, new: str, confirm: str | None = None) -> httpx.Response:
            token = csrf_from((await here.get("/staff/account")).text)
            return await here.post(
                "/staff/account/password",
                data={
                    "_csrf_token": token,
                    "current_password": current,
                    "new_password": new,
                    "confirm_password": new if confirm is None else confirm,
                },
            )

        assert "not your current password" in (await change("wrong one", "lantern orbit cabbage tide")).text
        weak = await change("correct horse battery", "password123")
        assert weak.status_code == 422 and "common password" in weak.text
        assert "not the same" in (await change("correct horse battery", "lantern orbit cabbage", "other")).text
        done = await change("correct horse battery", "lantern orbit cabbage tide")
        assert done.status_code == 200 and "Your password is changed" in done.text
        assert (await here.get("/staff/contributions")).status_code == 200, "this session stays"
        assert "Staff sign in" in (await elsewhere.get("/staff/contributions")).text, "the other one ended"
    async with app_client(settings) as again:
        await sign_in(again, "facilitator@test.example", "lantern orbit cabbage tide")
        token = csrf_from((await again.get("/staff/account")).text)
        await again.post("/staff/account/sign-out-everywhere", data={"_csrf_token": token})
        assert "Staff sign in" in (await again.get("/staff/contributions")).text
    async with pool.acquire() as conn:
        actions = {r["action"] for r in await conn.fetch("SELECT action FROM audit_log")}
    assert {"account.password_changed", "account.signed_out_everywhere"} <= actions


async def test_an_admin_ends_someone_elses_sessions(settings: Settings, pool: asyncpg.Pool) -> None:
    await create_staff(pool, "admin")
    partner = await create_staff(pool, "partner_staff")
    async with app_client(settings) as admin, app_client(settings) as them:
        await sign_in(them, "partner_staff@test.example")
        await sign_in(admin, "admin@test.example")
        page = await admin.get("/staff/users")
        assert "partner_staff@test.example" in page.text
        await admin.post(f"/staff/users/{partner.id}/end-sessions", data={"_csrf_token": csrf_from(page.text)})
        assert "Staff sign in" in (await them.get("/staff/contributions")).text
        assert (await them.get("/staff/users")).status_code in (200, 401)  # signed out: the sign-in page
        await sign_in(them, "partner_staff@test.example")
        assert (await them.get("/staff/users")).status_code == 403


async def sign_in_attempt(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    page = await client.get("/staff/sign-in")
    return await client.post(
        "/staff/sign-in", data={"_csrf_token": csrf_from(page.text), "email": email, "password": password}
    )


def from_address(app: object, address: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(address, 50000)),  # type: ignore[arg-type]
        base_url="http://testserver.local",
        follow_redirects=True,
    )


async def test_wrong_passwords_slow_that_address_down_but_never_lock_the_right_password_out_elsewhere(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    await create_staff(pool, "admin")
    async with running_app(settings) as app:
        async with from_address(app, "198.51.100.9") as attacker:
            answers = [await sign_in_attempt(attacker, "admin@test.example", f"guess {i}") for i in range(5)]
            assert [a.status_code for a in answers[:3]] == [401, 401, 401]
            assert answers[-1].status_code == 429 and "retry-after" in answers[-1].headers
            assert 'value="admin@test.example"' in answers[-1].text, "the page keeps what was typed"
            right = await sign_in_attempt(attacker, "admin@test.example", "correct horse battery")
            assert right.status_code == 429, "the address that failed waits, even with the right password"
        async with from_address(app, "203.0.113.50") as colleague:
            right = await sign_in_attempt(colleague, "admin@test.example", "correct horse battery")
            assert right.status_code == 200 and "Contributions" in right.text


async def test_x_forwarded_for_is_believed_only_from_trusted_proxies(settings: Settings, pool: asyncpg.Pool) -> None:
    await create_staff(pool, "admin")
    rotating = msgspec.structs.replace(settings, form_rate_limit_per_minute=3)
    async with running_app(rotating) as app, from_address(app, "127.0.0.1") as client:
        statuses = []
        for i in range(5):
            page = await client.get("/withdraw")
            answer = await client.post(
                "/withdraw",
                data={"_csrf_token": csrf_from(page.text), "reference": "ENG-AAAAA-AAAAA", "code": "AAAAA-AAAAA"},
                headers={"X-Forwarded-For": f"192.0.2.{i}"},
            )
            statuses.append(answer.status_code)
        assert statuses[-1] == 429, "a client cannot dodge the limit by making up X-Forwarded-For"
        assert 'value="ENG-AAAAA-AAAAA"' in answer.text, "the 429 page keeps what was typed"
    behind_proxy = msgspec.structs.replace(rotating, trusted_proxies="127.0.0.1/32")
    async with running_app(behind_proxy) as app, from_address(app, "127.0.0.1") as proxy:
        for i in range(5):
            page = await proxy.get("/withdraw")
            answer = await proxy.post(
                "/withdraw",
                data={"_csrf_token": csrf_from(page.text), "reference": "ENG-AAAAA-AAAAA", "code": "AAAAA-AAAAA"},
                headers={"X-Forwarded-For": f"192.0.2.{i}"},
            )
            assert answer.status_code == 422, "behind a trusted proxy each forwarded client has its own count"


async def test_a_room_of_60_on_one_wifi_can_all_post_notes_and_the_api_has_its_own_limit(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    from tests.workshops.test_workshops import open_session, plan, prompt_ids

    limited = msgspec.structs.replace(settings, form_rate_limit_per_minute=5, api_rate_limit_per_minute=3)
    async with running_app(limited) as app, from_address(app, "203.0.113.7") as facilitator:
        workshop_id = await plan(facilitator, pool)
        code = await open_session(facilitator, workshop_id)
        async with from_address(app, "192.0.2.1") as room:
            page = await room.get(f"/w/{code}")
            token, prompt = csrf_from(page.text), prompt_ids(page.text)[0]
            for person in range(60):
                posted = await room.post(
                    f"/w/{code}",
                    data={
                        "_csrf_token": token,
                        "prompt_id": prompt,
                        "text": f"Idea number {person}",
                        "client_key": f"k{person}",
                        "consent_analysis": "yes",
                    },
                )
                assert posted.status_code == 200, (person, posted.status_code)
            story = {"kind": "story", "text": "The bus never came.", "consent": {"analysis": True}}
            statuses = [(await room.post("/api/v1/contributions", json=story)).status_code for _ in range(4)]
            assert statuses == [201, 201, 201, 429]
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM workshop_notes") == 60
