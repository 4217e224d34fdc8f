"""Residents, carers and voluntary-sector members in a programme's community of practice: invited by email, signed in
by one-use links, seeing what the visibility rule allows them (no more than partner staff), commenting, removed."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
import httpx

from engage.accounts.service import link_token
from engage.settings import Settings
from engage.workers.redaction import redact_comments
from tests.conftest import Servers, client_of, create_staff, csrf_from, eventually, running_app, running_worker, sign_in
from tests.programmes.test_programmes import start
from tests.propositions.test_propositions import PROGRAMME, draft
from tests.seed import add_contributions

LINK = re.compile(r"https?://[^/\s]+(/members/sign-in/[0-9a-f]{32}\.[A-Za-z0-9_-]+)")
SHARED = "SHAREDMARKER My neighbour Kwame Mensah waits weeks for the discharge letter; ring 07700 900123."
UNSHARED = "UNSHAREDMARKER nobody told us when Mum was coming home."
FLAGGED = "FLAGGEDMARKER he hits me when the carers leave."


async def invite(
    facilitator: httpx.AsyncClient, email: str, name: str = "Amina Yusuf", organisation: str = "Carers' Hub"
) -> httpx.Response:
    page = await facilitator.get(f"/staff/programmes/{PROGRAMME}")
    return await facilitator.post(
        f"/staff/programmes/{PROGRAMME}/invitations",
        data={
            "_csrf_token": csrf_from(page.text),
            "invite_name": name,
            "invite_email": email,
            "organisation": organisation,
        },
    )


async def latest_link(pool: asyncpg.Pool, settings: Settings, email: str) -> str:
    """The path of the newest sign-in link made for this address (as its email carries it)."""
    async with pool.acquire() as conn:
        link_id = await conn.fetchval(
            """SELECT l.id FROM member_links l JOIN users u ON u.id = l.user_id
               WHERE u.email = $1 ORDER BY l.created_at DESC LIMIT 1""",
            email,
        )
    return f"/members/sign-in/{link_token(settings.secret_key, UUID(str(link_id)))}"


async def sign_in_by_link(client: httpx.AsyncClient, path: str) -> httpx.Response:
    page = await client.get(path)
    assert page.status_code == 200, page.text[:300]
    return await client.post(path, data={"_csrf_token": csrf_from(page.text)}, follow_redirects=False)


@contextlib.asynccontextmanager
async def joined(
    app: Any, facilitator: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings, email: str, name: str
) -> AsyncIterator[httpx.AsyncClient]:
    """Invite someone and sign them in by their link: their own client."""
    assert (await invite(facilitator, email, name)).status_code == 200
    async with client_of(app) as member:
        signed = await sign_in_by_link(member, await latest_link(pool, settings, email))
        assert signed.status_code == 303
        yield member


async def test_a_member_is_invited_by_email_and_signs_in_once_by_its_link(
    pool: asyncpg.Pool, settings: Settings, servers: Servers
) -> None:
    await create_staff(pool, "facilitator")
    async with running_app(settings) as app, client_of(app) as facilitator, client_of(app) as resident:
        await sign_in(facilitator, "facilitator@test.example")
        await start(facilitator)
        bad = await invite(facilitator, "not an address")
        assert bad.status_code == 422 and "Give an email address" in bad.text
        staff = await invite(facilitator, "facilitator@test.example")
        assert staff.status_code == 422 and "has a staff account" in staff.text
        invited = await invite(facilitator, "Amina@Example.org")
        assert invited.status_code == 200 and "Invitation sent" in invited.text
        assert "Amina Yusuf (Carers&#39; Hub): member" in invited.text and "not signed in yet" in invited.text

        async with running_worker(settings):
            await eventually(lambda: servers.sink.to("amina@example.org"), timeout=20)
        email = servers.sink.to("amina@example.org")[0]
        assert email["Subject"] == "You are invited to the Going home from hospital community of practice"
        body = email.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert "Facilitator has invited you" in body and "works once" in body
        found = LINK.search(body)
        assert found, body
        path = found.group(1)
        async with pool.acquire() as conn:
            stored = await conn.fetchrow("SELECT token_hash, used_at FROM member_links")
            password = await conn.fetchval("SELECT password_hash FROM users WHERE email = 'amina@example.org'")
        assert path.rsplit("/", 1)[-1].encode() not in stored["token_hash"], "only a hash of the token is kept"
        assert password is None, "a member has no password"

        # Opening the link (as a mail system's link scanner would) spends nothing: a page with a button.
        page = await resident.get(path)
        assert (
            page.status_code == 200 and "Welcome, Amina Yusuf" in page.text and "Going home from hospital" in page.text
        )
        again = await resident.get(path)
        assert again.status_code == 200
        signed = await resident.post(path, data={"_csrf_token": csrf_from(page.text)}, follow_redirects=False)
        assert signed.status_code == 303 and signed.headers["location"] == f"/community/programmes/{PROGRAMME}"
        home = await resident.get(f"/community/programmes/{PROGRAMME}")
        assert home.status_code == 200 and "Going home from hospital" in home.text and "Sign out" in home.text

        # Used once: the same link is refused, by GET and by POST.
        async with client_of(app) as someone:
            reused = await someone.get(path)
            assert reused.status_code == 410 and "already been used" in reused.text
            posted = await someone.post(path, data={"_csrf_token": csrf_from(reused.text)})
            assert posted.status_code == 410
            assert (await someone.get(f"/community/programmes/{PROGRAMME}")).url.path == "/members/sign-in"
            forged = await someone.get(path[:-3] + "AAA")
            assert forged.status_code == 404 and "not valid" in forged.text

            # A new link on request (at most one a minute: the invitation was sent "two minutes ago"); the page
            # says the same for an address that is not a member's.
            async with pool.acquire() as conn:
                await conn.execute("UPDATE member_links SET created_at = now() - interval '2 minutes'")
            ask = await someone.get("/members/sign-in")
            for address in ("amina@example.org", "stranger@example.org", "facilitator@test.example"):
                asked = await someone.post(
                    "/members/sign-in", data={"_csrf_token": csrf_from(ask.text), "email": address}
                )
                assert asked.status_code == 200 and "If that address belongs to a member" in asked.text
            async with pool.acquire() as conn:
                assert await conn.fetchval("SELECT count(*) FROM member_links") == 2, "a link for the member only"
                # Asked twice within a minute: still one new link.
                await someone.post(
                    "/members/sign-in", data={"_csrf_token": csrf_from(ask.text), "email": "amina@example.org"}
                )
                assert await conn.fetchval("SELECT count(*) FROM member_links") == 2
                # Expired before it was used: refused, and the page asks for a new one.
                await conn.execute(
                    "UPDATE member_links SET expires_at = now() - interval '1 minute' WHERE used_at IS NULL"
                )
            expired = await someone.get(await latest_link(pool, settings, "amina@example.org"))
            assert (
                expired.status_code == 410
                and "has expired" in expired.text
                and "Email me a sign-in link" in expired.text
            )
            refused = await someone.post(
                await latest_link(pool, settings, "amina@example.org"), data={"_csrf_token": csrf_from(expired.text)}
            )
            assert refused.status_code == 410
            async with pool.acquire() as conn:
                sessions = await conn.fetchval(
                    """SELECT count(*) FROM staff_sessions s JOIN users u ON u.id = s.user_id
                       WHERE u.email = 'amina@example.org'"""
                )
                assert sessions == 1, "only the one sign-in by a link that worked"

        # No password sign-in for a member, and no staff page.
        assert (await resident.get("/staff/contributions")).status_code == 403
        assert (await resident.get(f"/staff/programmes/{PROGRAMME}")).status_code == 403
        assert (await resident.get("/staff/dashboard")).status_code == 403
        signed_out = await resident.post("/staff/sign-out", data={"_csrf_token": csrf_from(home.text)})
        assert signed_out.url.path == "/members/sign-in" and "Email me a sign-in link" in signed_out.text


async def test_a_member_sees_only_their_programmes_and_only_shared_words_redacted(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    await create_staff(pool, "facilitator")
    async with running_app(settings) as app, client_of(app) as facilitator:
        await sign_in(facilitator, "facilitator@test.example")
        await start(facilitator)
        other = await start(facilitator, {**_other_programme()})
        assert other.status_code == 303
        async with pool.acquire() as conn:
            ids = await add_contributions(
                conn,
                [
                    {"text": SHARED, "at": datetime.now(UTC), "programme": PROGRAMME, "themes": ["easier"]},
                    {"text": UNSHARED, "at": datetime.now(UTC), "programme": PROGRAMME, "themes": ["easier"]},
                    {
                        "text": FLAGGED,
                        "at": datetime.now(UTC),
                        "programme": PROGRAMME,
                        "themes": ["easier"],
                        "flagged": True,
                    },
                ],
            )
            await conn.execute("UPDATE contributions SET consent_share = (id <> $1)", ids[1])
            await conn.execute(
                "INSERT INTO contribution_contacts (contribution_id, email) VALUES ($1, 'contact-secret@example.org')",
                ids[0],
            )
            await conn.execute(
                "INSERT INTO contribution_equality (contribution_id, age_band) VALUES ($1, '75 or over')", ids[0]
            )
            references = [await conn.fetchval("SELECT reference FROM contributions WHERE id = $1", i) for i in ids]
        url = (await draft(facilitator)).headers["location"]
        for reference in references:
            page = await facilitator.get(url)
            await facilitator.post(
                f"{url}/evidence", data={"_csrf_token": csrf_from(page.text), "reference": reference}
            )
        proposition_id = url.rsplit("/", 1)[-1]
        async with joined(app, facilitator, pool, settings, "amina@example.org", "Amina Yusuf") as member:
            seen = ""
            for path in (
                "/community",
                f"/community/programmes/{PROGRAMME}",
                f"/community/programmes/{PROGRAMME}/evidence",
                f"/community/propositions/{proposition_id}",
            ):
                page = await member.get(path)
                assert page.status_code == 200, path
                seen += page.text
            assert "SHAREDMARKER My neighbour [name] waits weeks" in seen, "shared words, redacted"
            for secret in ("Kwame", "07700 900123", "UNSHAREDMARKER", "FLAGGEDMARKER", "contact-secret", "75 or over"):
                assert secret not in seen, secret
            assert "2 more are not shared with you" in seen
            # Not their programme: it does not exist for them.
            assert (await member.get("/community/programmes/somewhere-else")).status_code == 404
            assert "Somewhere else" not in (await member.get("/community")).text


async def test_members_comment_read_redacted_by_others_and_withdraw_their_own(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    await create_staff(pool, "facilitator")
    await create_staff(pool, "governance")
    async with running_app(settings) as app, client_of(app) as facilitator, client_of(app) as governance:
        await sign_in(facilitator, "facilitator@test.example")
        await sign_in(governance, "governance@test.example")
        await start(facilitator)
        url = (await draft(facilitator)).headers["location"]
        proposition_id = url.rsplit("/", 1)[-1]
        async with (
            joined(app, facilitator, pool, settings, "amina@example.org", "Amina Yusuf") as amina,
            joined(app, facilitator, pool, settings, "tunde@example.org", "Tunde Bakare") as tunde,
        ):
            page = await amina.get(f"/community/propositions/{proposition_id}")
            empty = await amina.post(
                f"/community/propositions/{proposition_id}/comments",
                data={"_csrf_token": csrf_from(page.text), "comment": " "},
            )
            assert empty.status_code == 422 and "Write your comment first" in empty.text
            comment = "My dad Kwame Mensah would use this if someone rang him the day after."
            posted = await amina.post(
                f"/community/propositions/{proposition_id}/comments",
                data={"_csrf_token": csrf_from(page.text), "comment": comment},
            )
            assert posted.status_code == 200 and comment in posted.text, "the author reads her own words"
            # Before the worker has redacted it, others read a placeholder, never the words.
            waiting = (await tunde.get(f"/community/propositions/{proposition_id}")).text
            assert "Kwame" not in waiting and "being checked for personal details" in waiting
            await redact_comments(pool)
            redacted = "My dad [name] would use this if someone rang him the day after."
            assert redacted in (await tunde.get(f"/community/propositions/{proposition_id}")).text
            assert redacted in (await governance.get(url)).text
            staff_page = (await facilitator.get(url)).text
            assert (
                comment in staff_page and "Amina Yusuf</strong> (Carers&#39; Hub) · community of practice" in staff_page
            )
            # Staff comment too, and members read them.
            await facilitator.post(
                f"{url}/comments",
                data={"_csrf_token": csrf_from(staff_page), "comment": "Thank you: we will ask the ward."},
            )
            await redact_comments(pool)
            member_page = (await amina.get(f"/community/propositions/{proposition_id}")).text
            assert "Thank you: we will ask the ward." in member_page

            async with pool.acquire() as conn:
                comment_id = await conn.fetchval("SELECT id FROM proposition_comments WHERE body = $1", comment)
            theirs = await tunde.get(f"/community/propositions/{proposition_id}")
            refused = await tunde.post(
                f"/community/comments/{comment_id}/withdraw", data={"_csrf_token": csrf_from(theirs.text)}
            )
            assert refused.status_code == 404, "only its author withdraws a comment"
            assert f'action="/community/comments/{comment_id}/withdraw"' not in theirs.text
            mine = await amina.get(f"/community/propositions/{proposition_id}")
            assert f'action="/community/comments/{comment_id}/withdraw"' in mine.text
            gone = await amina.post(
                f"/community/comments/{comment_id}/withdraw", data={"_csrf_token": csrf_from(mine.text)}
            )
            assert gone.status_code == 200 and "would use this if someone rang" not in gone.text
            async with pool.acquire() as conn:
                assert await conn.fetchval("SELECT count(*) FROM proposition_comments") == 1
            assert "would use this if someone rang" not in (await facilitator.get(url)).text


async def test_a_removed_member_is_signed_out_and_cannot_sign_in_again(pool: asyncpg.Pool, settings: Settings) -> None:
    await create_staff(pool, "facilitator")
    async with running_app(settings) as app, client_of(app) as facilitator:
        await sign_in(facilitator, "facilitator@test.example")
        await start(facilitator)
        async with joined(app, facilitator, pool, settings, "amina@example.org", "Amina Yusuf") as member:
            assert (await member.get(f"/community/programmes/{PROGRAMME}")).status_code == 200
            async with pool.acquire() as conn:
                user_id = await conn.fetchval("SELECT id FROM users WHERE email = 'amina@example.org'")
            page = await facilitator.get(f"/staff/programmes/{PROGRAMME}")
            assert 'Remove<span class="visually-hidden"> Amina Yusuf' in page.text
            removed = await facilitator.post(
                f"/staff/programmes/{PROGRAMME}/members/{user_id}/remove", data={"_csrf_token": csrf_from(page.text)}
            )
            assert removed.status_code == 200 and "Amina Yusuf" not in removed.text
            after = await member.get(f"/community/programmes/{PROGRAMME}")
            assert after.url.path == "/members/sign-in", "her session ended"
            ask = await member.post(
                "/members/sign-in", data={"_csrf_token": csrf_from(after.text), "email": "amina@example.org"}
            )
            assert ask.status_code == 200
            async with pool.acquire() as conn:
                assert await conn.fetchval("SELECT active FROM users WHERE id = $1", user_id) is False
                assert await conn.fetchval("SELECT count(*) FROM staff_sessions WHERE user_id = $1", user_id) == 0
                assert await conn.fetchval("SELECT count(*) FROM member_links WHERE used_at IS NULL") == 0, (
                    "no new link"
                )
            # Invited again: the same account, open again, with a fresh link.
            assert (await invite(facilitator, "amina@example.org")).status_code == 200
            again = await sign_in_by_link(member, await latest_link(pool, settings, "amina@example.org"))
            assert again.status_code == 303
            async with pool.acquire() as conn:
                assert await conn.fetchval("SELECT count(*) FROM users WHERE email = 'amina@example.org'") == 1


def _other_programme() -> dict[str, Any]:
    from tests.programmes.test_programmes import GOOD

    return {**GOOD, "name": "Somewhere else", "neighbourhoods": ["norwood"]}
