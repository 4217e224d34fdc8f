"""Logs carry no personal data: the main flows are driven end to end (web and worker, real SMTP) with every logger
at DEBUG, and nothing logged holds a citizen's words, name, email address or phone number."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import asyncpg
import httpx

from engage.settings import Settings
from tests.conftest import Servers, create_staff, csrf_from, eventually, running_worker, sign_in

NAME = "Adaeze Okonkwo"
EMAIL = "adaeze.okonkwo@example.org"
REFUSED = "refused.person@example.org"
PHONE = "07700 900456"
WORDS = f"Nobody rang back about my mum's care package. I am {NAME}, call {PHONE}"
PERSONAL = (NAME, EMAIL, REFUSED, PHONE, "mum's care package")
TEST_INFRASTRUCTURE = ("mail.log", "httpx", "httpcore")
"""The SMTP sink standing in for the mail server, and the test's own HTTP client, are not Engage's logs."""


class Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(TEST_INFRASTRUCTURE):
            return
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(f"{record.name}: {record.levelname}: {text}")


@contextlib.contextmanager
def everything_logged() -> Iterator[Everything]:
    """Attached once the app is running: its logging set-up replaces the root logger's handlers."""
    handler = Everything()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


async def test_nothing_logged_names_or_quotes_anyone(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings, servers: Servers
) -> None:
    with everything_logged() as logged:
        await drive_the_main_flows(client, pool, settings, servers)
    assert len(logged.lines) > 20, "the flows were logged at all"
    found = [line for line in logged.lines if any(secret in line for secret in PERSONAL)]
    assert not found, "\n".join(found[:10])


async def drive_the_main_flows(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings, servers: Servers
) -> None:
    # A citizen gives, through the form and the API, with contact details; one of them is refused by the server.
    page = await client.get("/give")
    form = await client.post(
        "/give",
        data={
            "_csrf_token": csrf_from(page.text),
            "submission_id": "s1",
            "kind": "story",
            "text": WORDS,
            "name": NAME,
            "email": EMAIL,
            "consent_analysis": "yes",
            "consent_contact": "yes",
            "age_band": "50 to 64",
        },
    )
    assert form.status_code == 200
    bad = await client.post(
        "/api/v1/contributions",
        json={"kind": "story", "text": WORDS, "email": f"{NAME} <{EMAIL}", "consent": {"analysis": True}},
    )
    assert bad.status_code == 422
    servers.sink.behaviour.refuse_with = f"550 5.1.1 <{REFUSED}>: Recipient address rejected"
    refused = await client.post(
        "/api/v1/contributions",
        json={"kind": "story", "text": WORDS, "email": REFUSED, "consent": {"analysis": True, "contact": True}},
    )
    assert refused.status_code == 201
    async with running_worker(settings), pool.acquire() as conn:
        await eventually(lambda: conn.fetchval("SELECT count(*) = 2 FROM contribution_analyses"), timeout=30)
        await eventually(
            lambda: conn.fetchval("SELECT count(*) FROM mail_messages WHERE status = 'failed'"), timeout=30
        )
    # Staff sign in (once wrongly), search for the name and read the contribution.
    await create_staff(pool, "admin")
    sign_in_page = await client.get("/staff/sign-in")
    await client.post(
        "/staff/sign-in",
        data={"_csrf_token": csrf_from(sign_in_page.text), "email": EMAIL, "password": "wrong password!"},
    )
    await sign_in(client, "admin@test.example")
    listing = await client.get(f"/staff/contributions?q={NAME}")
    assert listing.status_code == 200
    async with pool.acquire() as conn:
        contribution_id = await conn.fetchval("SELECT id FROM contributions ORDER BY received_at LIMIT 1")
        receipt = await conn.fetchrow("SELECT reference FROM contributions WHERE id = $1", contribution_id)
    assert (await client.get(f"/staff/contributions/{contribution_id}")).status_code == 200
    assert (await client.get("/staff/mail")).status_code == 200
    # The citizen withdraws.
    from engage.ids import withdrawal_code

    code = withdrawal_code(settings.secret_key, contribution_id)
    page = await client.get("/withdraw")
    done = await client.post(
        "/withdraw", data={"_csrf_token": csrf_from(page.text), "reference": receipt["reference"], "code": code}
    )
    assert "has been withdrawn" in done.text


async def test_expected_refusals_are_one_line_at_info_without_a_traceback(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    await create_staff(pool, "governance")
    await sign_in(client, "governance@test.example")
    with everything_logged() as logged:
        assert (await client.get("/no-such-page")).status_code == 404
        assert (await client.get("/staff/propositions/00000000-0000-0000-0000-000000000000")).status_code == 404
        assert (await client.get("/staff/users")).status_code == 403
        assert (await client.post("/api/v1/contributions", json={"kind": "story"})).status_code == 422
    refusals = [line for line in logged.lines if line.startswith("engage.web: ")]
    assert len(refusals) == 4 and all(line.startswith("engage.web: INFO: 4") for line in refusals), logged.lines
    assert not [line for line in logged.lines if "Traceback" in line or "Uncaught" in line]


def test_json_lines_carry_the_date_level_logger_and_traceback() -> None:
    import json

    from engage.logs import JsonLines

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.getLogger("engage.web").makeRecord(
            "engage.web", logging.ERROR, __file__, 1, "500 %s", ("GET /x",), exc_info=__import__("sys").exc_info()
        )
    line = json.loads(JsonLines().format(record))
    assert line["level"] == "error" and line["logger"] == "engage.web" and line["message"] == "500 GET /x"
    assert line["at"].startswith("20") and line["at"].endswith("+00:00") and "T" in line["at"]
    assert "RuntimeError: boom" in line["exception"]
