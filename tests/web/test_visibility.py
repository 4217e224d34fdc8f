"""One visibility rule, proved on every route of the app for anonymous visitors and every role.

The routes are read from the Litestar app itself, so a new route is covered the day it is added (and this test
fails until it knows what to put in the route's path parameters). The data: three workshop notes that reach every
place words are shown (the workshop page and its live board, proposition evidence, clusters, an asset, a digest,
a consensus round, exports, the review and safeguarding queues, the dashboard drill-down):

- a note flagged as a possible safeguarding concern: only those who handle safeguarding read it;
- a note its author did not agree to share with partner organisations, typed in by a facilitator: never partner
  staff;
- a note full of personal details, with contact details and equality answers kept apart: the words as written
  only for facilitators and admins (others read them redacted), contact details and equality answers one by one
  only for admins.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import httpx
from litestar import Litestar
from litestar.routes import HTTPRoute

from engage.accounts import queries as account_queries
from engage.accounts.service import issue_sign_in_link
from engage.boards import service as boards
from engage.boards.models import BoardDraft
from engage.db import transaction
from engage.digests import service as digests
from engage.digests.models import LOCAL, last_full_week
from engage.ids import member_token
from engage.programmes import queries as programme_queries
from engage.recommendations import service as recommendations
from engage.recommendations.models import RecommendationDraft
from engage.settings import Settings
from engage.workers.redaction import redact_comments, redact_contributions
from tests.conftest import client_of, create_staff, csrf_from, running_app, sign_in
from tests.consensus.test_rounds import invite
from tests.programmes.test_community import invite as invite_member
from tests.programmes.test_community import latest_link, sign_in_by_link
from tests.programmes.test_programmes import start
from tests.propositions.test_propositions import PROGRAMME, draft
from tests.seed import FRAMEWORK
from tests.streams import streaming_get
from tests.workshops.test_workshops import PROMPTS, post

FLAGGED = "FLAGGEDMARKER I don't want to live any more, nobody comes to see me."
UNSHARED = "UNSHAREDMARKER the bus to King's never comes on time."
PERSONAL = (
    "PERSONALMARKER My dad, Kwame Mensah, needs a lift to King's; ring me on 07700 900123 or kwame.mensah@example.org."
)
COMMENT = "Kwame Mensah told the group this would help him."
MEMBER_COMMENT = "Kwame Mensah from the lunch club would come if the bus stopped outside."
MEMBER_COMMENT_REDACTED = "[name] from the lunch club would come if the bus stopped outside."

SECRETS: dict[str, tuple[str, ...]] = {
    "flagged words": ("FLAGGEDMARKER",),
    "unshared words": ("UNSHAREDMARKER",),
    "personal details as written": ("Kwame Mensah", "07700 900123", "kwame.mensah@example.org"),
    "contact details": ("contact-secret@example.org", "Efua Contactperson", "07700 900999"),
    "equality answers one by one": ("EQUALITYMARKER",),
}
MAY_READ: dict[str, set[str]] = {
    "flagged words": {"admin", "facilitator"},
    "unshared words": {"admin", "facilitator", "governance"},
    "personal details as written": {"admin", "facilitator"},
    "contact details": {"admin"},
    "equality answers one by one": {"admin"},
}
ROLES = ["anonymous", "admin", "facilitator", "governance", "partner_staff", "community_member"]
"""community_member: a resident invited to the programme's community of practice (signs in by an emailed link)."""


class World:
    """Ids and tokens the routes' path parameters are filled from."""

    def __init__(self) -> None:
        self.values: dict[str, list[str]] = {}
        self.by_path: dict[str, dict[str, list[str]]] = {}
        self.member_link = ""
        """The community of practice member's sign-in link (spent when the test signs them in)."""

    def fill(self, path: str) -> Iterator[str]:
        names = re.findall(r"\{(\w+):[^}]*\}", path)
        choices = []
        for name in names:
            found = self.by_path.get(path, {}).get(name) or self.values.get(name)
            assert found, f"test_visibility: give a value for {{{name}}} in {path} (a new route?)"
            choices.append(found)
        for combination in itertools.product(*choices):
            concrete = path
            for name, value in zip(names, combination, strict=True):
                concrete = re.sub(r"\{" + name + r":[^}]*\}", value, concrete, count=1)
            yield concrete


async def build_world(app: Litestar, pool: asyncpg.Pool, settings: Settings) -> World:
    world = World()
    for role in ("admin", "governance", "partner_staff"):
        await create_staff(pool, role)
    async with client_of(app) as facilitator:
        await create_staff(pool, "facilitator")
        await sign_in(facilitator, "facilitator@test.example")
        await start(facilitator)
        page = await facilitator.get(f"/staff/programmes/{PROGRAMME}/workshops/new")
        created = await facilitator.post(
            f"/staff/programmes/{PROGRAMME}/workshops/new",
            data={
                "_csrf_token": csrf_from(page.text),
                "title": "Brixton listening session",
                "held_on": "2026-01-20",
                "neighbourhood": "brixton",
                "prompts": PROMPTS,
            },
            follow_redirects=False,
        )
        workshop_id = str(created.headers["location"]).rsplit("/", 1)[-1]
        page = await facilitator.get(f"/staff/workshops/{workshop_id}")
        await facilitator.post(f"/staff/workshops/{workshop_id}/open", data={"_csrf_token": csrf_from(page.text)})
        code = re.findall(r'<strong class="code">([0-9A-Z]{6})</strong>', (await facilitator.get(page.url)).text)[0]
        async with client_of(app) as participant:
            assert (await post(participant, code, FLAGGED, "k1")).status_code == 200
            assert (await post(participant, code, PERSONAL, "k3", consent_quote="yes")).status_code == 200
        page = await facilitator.get(f"/staff/workshops/{workshop_id}")
        prompt = re.findall(r'<select id="paper-prompt" name="prompt_id"><option value="([0-9a-f-]{36})"', page.text)[0]
        typed = await facilitator.post(
            f"/staff/workshops/{workshop_id}/notes",
            data={"_csrf_token": csrf_from(page.text), "prompt_id": prompt, "text": UNSHARED, "client_key": "k2"},
        )
        assert typed.status_code == 200
        async with pool.acquire() as conn:
            ids = {
                marker: await conn.fetchval("SELECT id FROM contributions WHERE text LIKE $1 || '%'", marker)
                for marker in ("FLAGGEDMARKER", "UNSHAREDMARKER", "PERSONALMARKER")
            }
        flagged, unshared, personal = ids["FLAGGEDMARKER"], ids["UNSHAREDMARKER"], ids["PERSONALMARKER"]
        week = last_full_week(datetime.now(LOCAL).date())
        day = datetime.combine(week.start, datetime.min.time(), LOCAL) + timedelta(days=2, hours=10)
        async with transaction(pool) as conn:
            await conn.execute(
                "UPDATE contributions SET consent_share = (id <> $1), received_at = $2 WHERE id = ANY($3)",
                unshared,
                day,
                list(ids.values()),
            )
            await conn.execute(
                "UPDATE contributions SET quote_approved_at = now(), consent_contact = true WHERE id = $1", personal
            )
            await conn.execute(
                """INSERT INTO contribution_contacts (contribution_id, name, email, phone)
                   VALUES ($1, 'Efua Contactperson', 'contact-secret@example.org', '07700 900999')""",
                personal,
            )
            await conn.execute(
                "INSERT INTO contribution_equality (contribution_id, language) VALUES ($1, 'EQUALITYMARKER')", personal
            )
            await conn.execute(
                "INSERT INTO safeguarding_flags (contribution_id, raised_by, score) VALUES ($1, 'rules', 0.9)",
                flagged,
            )
            for cid in ids.values():
                await conn.execute(
                    """INSERT INTO contribution_analyses (contribution_id, framework_id, model_version, scores,
                                                          detected_language, needs_translation, margin)
                       VALUES ($1, $2, 'test', '{}', 'en', false, 0.1)""",
                    cid,
                    FRAMEWORK,
                )
                await conn.execute(
                    """INSERT INTO contribution_tags (contribution_id, framework_id, theme_id, source, confidence,
                                                      evidence)
                       VALUES ($1, $2, 'thrive', 'model', 0.9, $3::jsonb)""",
                    cid,
                    FRAMEWORK,
                    '[{"start": 0, "end": 40, "text": "evidence", "cue": null, "weight": 1.0}]',
                )
            await programme_queries.save_clusters(
                conn, PROGRAMME, [{"label": "lunch club", "contributions": [str(i) for i in ids.values()]}]
            )
        await redact_contributions(pool, list(ids.values()))

        # Evidence for a proposition, a consensus round with a comment, assets captured from the notes.
        proposition_url = (await draft(facilitator)).headers["location"]
        proposition_id = proposition_url.rsplit("/", 1)[-1]
        async with pool.acquire() as conn:
            references = [
                await conn.fetchval("SELECT reference FROM contributions WHERE id = $1", i) for i in ids.values()
            ]
        for reference in references:
            page = await facilitator.get(proposition_url)
            await facilitator.post(
                f"{proposition_url}/evidence", data={"_csrf_token": csrf_from(page.text), "reference": reference}
            )
        page = await facilitator.get(proposition_url)
        await facilitator.post(
            f"{proposition_url}/status", data={"_csrf_token": csrf_from(page.text), "status": "shortlisted"}
        )
        page = await facilitator.get(f"/staff/programmes/{PROGRAMME}/rounds/new")
        made = await facilitator.post(
            f"/staff/programmes/{PROGRAMME}/rounds/new",
            data={
                "_csrf_token": csrf_from(page.text),
                "title": "Which idea goes to the board?",
                "closes_at": (datetime.now(LOCAL) + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
            },
            follow_redirects=False,
        )
        round_url = str(made.headers["location"])
        links = await invite(facilitator, round_url, 2, "brixton")
        async with client_of(app) as voter:
            ballot = await voter.get(links[0])
            voted = await voter.post(
                links[0],
                data={
                    "_csrf_token": csrf_from(ballot.text),
                    f"support-{proposition_id}": "5",
                    f"comment-{proposition_id}": COMMENT,
                },
            )
            assert voted.status_code == 200, voted.text[:300]
        page = await facilitator.get("/staff/paper-forms")
        printed = await facilitator.post(
            "/staff/paper-forms",
            data={"_csrf_token": csrf_from(page.text), "count": "2", "locale": "pl"},
            follow_redirects=False,
        )
        batch_id = str(printed.headers["location"]).rsplit("/", 1)[-1]
        # The community of practice: a resident (the community_member role below) and another who comments on the
        # proposition (a name in it) and votes.
        for email, name in (("community_member@test.example", "Cora Member"), ("commenter@test.example", "Cal")):
            assert (await invite_member(facilitator, email, name)).status_code == 200
        # Their first link is spent here (the sign-in route is requested with it below, and refuses it); the test
        # signs them in with a second.
        spent_link = await latest_link(pool, settings, "community_member@test.example")
        async with client_of(app) as once:
            assert (await sign_in_by_link(once, spent_link)).status_code == 303
        async with transaction(pool) as conn:
            found = await account_queries.user_by_email(conn, "community_member@test.example")
            assert found is not None
            await issue_sign_in_link(conn, found[0], secret=settings.secret_key, minutes=60)
        world.member_link = await latest_link(pool, settings, "community_member@test.example")
        async with client_of(app) as commenter:
            assert (
                await sign_in_by_link(commenter, await latest_link(pool, settings, "commenter@test.example"))
            ).status_code == 303
            page = await commenter.get(f"/community/propositions/{proposition_id}")
            commented = await commenter.post(
                f"/community/propositions/{proposition_id}/comments",
                data={"_csrf_token": csrf_from(page.text), "comment": MEMBER_COMMENT},
            )
            assert commented.status_code == 200
            ballot = await commenter.get(f"/community/rounds/{round_url.rsplit('/', 1)[-1]}/vote")
            voted = await commenter.post(
                f"/community/rounds/{round_url.rsplit('/', 1)[-1]}/vote",
                data={"_csrf_token": csrf_from(ballot.text), f"support-{proposition_id}": "4"},
            )
            assert voted.status_code == 200, voted.text[:300]
        await redact_comments(pool)
        # "You said, we did" answering the three notes, moved on once.
        page = await facilitator.get("/staff/responses/new")
        published = await facilitator.post(
            "/staff/responses/new",
            data={
                "_csrf_token": csrf_from(page.text),
                "title": "A lift to the hospital",
                "you_said": "Getting to King's is hard.",
                "we_did": "A volunteer driver scheme.",
                "status": "planned",
                "references": " ".join(references),
            },
            follow_redirects=False,
        )
        assert published.status_code == 303
        async with pool.acquire() as conn:
            response_id = await conn.fetchval("SELECT id FROM responses")
        page = await facilitator.get(f"/staff/responses/{response_id}")
        await facilitator.post(
            f"/staff/responses/{response_id}/status",
            data={
                "_csrf_token": csrf_from(page.text),
                "expected": "planned",
                "status": "in_progress",
                "note": "Ten drivers signed up.",
                "changed_on": datetime.now(LOCAL).date().isoformat(),
            },
        )
        for note in (flagged, unshared):
            page = await facilitator.get(f"/staff/assets/new?note={note}")
            offers = re.search(r'<textarea id="offers" name="offers" rows="4">([^<]*)</textarea>', page.text)
            assert offers and "MARKER" in offers.group(1)
            await facilitator.post(
                "/staff/assets/new",
                data={
                    "_csrf_token": csrf_from(page.text),
                    "kind": "group",
                    "name": f"Group from {note}",
                    "offers": offers.group(1),
                    "from_note": str(note),
                },
            )

    # A board whose digest quotes the redacted note, and a failed email.
    async with transaction(pool) as conn:
        admin = await conn.fetchrow(
            "SELECT id, email, name, role::text AS role, organisation FROM users WHERE role = 'admin'"
        )
        from engage.accounts.models import StaffUser

        owner = StaffUser(**dict(admin))
        board = await boards.save_board(
            conn,
            owner,
            BoardDraft(
                id="hwb",
                name="Health and Wellbeing Board",
                frequency="weekly",
                owner_email=owner.email,
                members=["governance@test.example"],
            ),
            framework_id=FRAMEWORK,
        )
        # Its recommendations tracker: one recommendation resting on the three notes, the proposition and the response.
        recommendation_id = await recommendations.record_recommendation(
            conn,
            owner,
            board,
            RecommendationDraft(
                text="Offer everyone leaving hospital a lift home.",
                owner="Director of Integrated Care",
                made_on=week.start,
                due_on=week.start,
                references=references,
                propositions=[UUID(proposition_id)],
                responses=[UUID(str(response_id))],
            ),
        )
        digest_id = await digests.send_digest(conn, board, week, framework_id=FRAMEWORK)
        await conn.execute("UPDATE mail_messages SET status = 'failed', last_error = 'test'")
        message_id = await conn.fetchval("SELECT id FROM mail_messages LIMIT 1")
        member_id = await conn.fetchval("SELECT id FROM board_members LIMIT 1")
        content = await conn.fetchval("SELECT content::text FROM digests")
    assert "PERSONALMARKER" in content and "Kwame" not in content, "the digest quotes the redacted note"

    secret = settings.secret_key
    world.values = {
        "contribution_id": [str(flagged), str(unshared), str(personal)],
        "workshop_id": [workshop_id],
        "slug": [PROGRAMME],
        "proposition_id": [proposition_id],
        "round_id": [round_url.rsplit("/", 1)[-1]],
        "board_id": [board.id],
        "digest_id": [str(digest_id)],
        "message_id": [str(message_id)],
        "batch_id": [batch_id],
        "code": [code],
        "what": ["contributions.csv", "propositions.csv", "votes.csv"],
        "file_path": ["engage.css"],
        "message_name": ["nothing-here"],
        "path": ["openapi.yaml"],
        "user_id": [str(await _user_id(pool, "partner_staff"))],
        "comment_id": [str(await _one(pool, "SELECT id FROM proposition_comments"))],
        "response_id": [str(response_id)],
        "recommendation_id": [str(recommendation_id)],
    }
    world.by_path = {
        "/r/{token:str}": {"token": [links[1].rsplit("/", 1)[-1]]},
        "/subscribe/confirm/{token:str}": {"token": [member_token(secret, "confirm", UUID(str(member_id)))]},
        "/unsubscribe/{token:str}": {"token": [member_token(secret, "unsubscribe", UUID(str(member_id)))]},
        # A link already spent: requested by everyone, it signs nobody in.
        "/members/sign-in/{token:str}": {"token": [spent_link.rsplit("/", 1)[-1]]},
    }
    return world


async def _one(pool: asyncpg.Pool, query: str) -> Any:
    async with pool.acquire() as conn:
        return await conn.fetchval(query)


async def _user_id(pool: asyncpg.Pool, role: str) -> UUID:
    async with pool.acquire() as conn:
        return UUID(str(await conn.fetchval("SELECT id FROM users WHERE role = $1::user_role", role)))


async def read_event_stream(app: Litestar, path: str, cookies: httpx.Cookies, seconds: float = 1.5) -> str:
    """What a board's server-sent event stream sends in its first moments (it replays from the start)."""
    chunks: list[bytes] = []

    def on_message(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
        elif message["type"] == "http.response.start":
            chunks.append(f"status {message['status']}\n".encode())

    async with streaming_get(app, path, cookies, on_message):
        await asyncio.sleep(seconds)
    return b"".join(chunks).decode(errors="replace")


def leaks(role: str, text: str) -> list[str]:
    return [
        f"{what}: {secret!r}"
        for what, secrets in SECRETS.items()
        if role not in MAY_READ[what]
        for secret in secrets
        if secret in text
    ]


async def test_no_route_shows_any_role_words_or_personal_data_it_may_not_see(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    settings = Settings(**{**{f: getattr(settings, f) for f in settings.__struct_fields__}, "mailbox_enabled": True})
    async with running_app(settings) as app:
        world = await build_world(app, pool, settings)
        routes = [
            (method, route.path)
            for route in app.routes
            if isinstance(route, HTTPRoute)
            for method in sorted(route.methods)
            if method in ("GET", "POST")
        ]
        # Every GET first, for every role; then the POSTs (some change what later pages show), signing out last.
        ordered = sorted(routes, key=lambda r: (r[0] != "GET", r[1] == "/staff/sign-out"))
        problems: list[str] = []
        seen: dict[str, str] = {role: "" for role in ROLES}
        checked = 0
        clients = {role: client_of(app) for role in ROLES}
        try:
            for role, client in clients.items():
                if role == "community_member":
                    assert (await sign_in_by_link(client, world.member_link)).status_code == 303
                elif role != "anonymous":
                    await sign_in(client, f"{role}@test.example")
            tokens = {role: csrf_from((await client.get("/give")).text) for role, client in clients.items()}
            for method, path in ordered:
                for concrete in world.fill(path):
                    for role, client in clients.items():
                        if method == "GET" and concrete.endswith("/events"):
                            text = await read_event_stream(app, concrete, client.cookies)
                        elif method == "GET":
                            text = (await client.get(concrete)).text
                        else:
                            text = (await client.post(concrete, data={"_csrf_token": tokens[role]})).text
                        assert "Internal Server Error" not in text, (method, concrete, role)
                        checked += 1
                        seen[role] += text
                        problems += [f"{method} {concrete} as {role}: {leak}" for leak in leaks(role, text)]
        finally:
            for client in clients.values():
                await client.aclose()
    assert not problems, "\n".join(problems)
    # The data did reach the pages: each role read what it may (so the checks above could have failed).
    for what, roles in MAY_READ.items():
        for role in roles:
            assert SECRETS[what][0] in seen[role], f"{role} never saw the {what} anywhere: the fixture is broken"
    for role in ("governance", "partner_staff", "community_member"):
        assert "PERSONALMARKER My dad, [name], needs a lift to King" in seen[role], f"{role} reads it redacted"
        assert MEMBER_COMMENT_REDACTED in seen[role], f"{role} reads the member's comment redacted"
    for role in ("admin", "facilitator"):
        assert MEMBER_COMMENT in seen[role], f"{role} reads the member's comment as written"
    print(f"\nroutes x roles checked: {len(routes)} routes, {checked} requests")
