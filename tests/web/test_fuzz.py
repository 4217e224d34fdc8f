"""Fuzzing, bounded so it stays in `make test`.

1. Schemathesis against the OpenAPI document: every operation, valid and invalid examples, as a signed-in admin
   against a real `engage web` process. No 5xx, and every answer matches its documented status and schema.
2. Every form route of the app (read from the route table, as in test_visibility), each field filled with a
   malformed value (NUL and other control characters, huge, wrong type, negative, emoji, not a UUID, not a date)
   with a valid session and CSRF token. No 5xx, and a refusal writes nothing.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from litestar.routes import HTTPRoute

from engage.embedded import free_port
from engage.settings import Settings
from tests.conftest import client_of, create_staff, csrf_from, env_for, running_app, sign_in, stop_process
from tests.web.test_visibility import build_world

EXAMPLES_PER_OPERATION = 60


@contextmanager
def engage_web(settings: Settings) -> Iterator[str]:
    port = free_port()
    env = {**env_for(settings), "ENGAGE_PORT": str(port), "ENGAGE_HOST": "127.0.0.1"}
    process = subprocess.Popen([sys.executable, "-m", "engage", "web"], env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and process.poll() is None, "engage web did not start"
            time.sleep(0.2)
        yield base
    finally:
        stop_process(process, grace_s=20)


def admin_cookies(base: str) -> dict[str, str]:
    with httpx.Client(base_url=base, follow_redirects=True) as http:
        page = http.get("/staff/sign-in")
        http.post(
            "/staff/sign-in",
            data={
                "_csrf_token": csrf_from(page.text),
                "email": "admin@test.example",
                "password": "correct horse battery",
            },
        )
        return dict(http.cookies)


def fuzz_the_api(base: str, cookies: dict[str, str]) -> list[str]:
    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis.checks import (
        content_type_conformance,
        not_a_server_error,
        response_schema_conformance,
        status_code_conformance,
    )

    raw = httpx.get(f"{base}/api/schema/openapi.json").json()
    schema = schemathesis.openapi.from_dict(raw)
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @hypothesis_settings(
                max_examples=EXAMPLES_PER_OPERATION // 2,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate],
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case: Any) -> None:
                case.call_and_validate(base_url=base, cookies=cookies, checks=checks, timeout=15)

            try:
                run()
            except Unsatisfiable:
                continue  # nothing in it can be made invalid (no parameters, no body)
            except Exception as exc:
                failures.append(f"{operation.label} ({mode.value}): {str(exc)[:800]}")
    assert operations >= 4, "every documented operation was fuzzed"
    return failures


async def test_schemathesis_finds_no_5xx_and_no_answer_outside_the_schema(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    await create_staff(pool, "admin")
    unthrottled = msgspec.structs.replace(settings, api_rate_limit_per_minute=0, form_rate_limit_per_minute=0)
    with engage_web(unthrottled) as base:
        cookies = await asyncio.to_thread(admin_cookies, base)
        failures = await asyncio.to_thread(fuzz_the_api, base, cookies)
    assert not failures, "\n\n".join(failures)


MALFORMED: dict[str, str] = {
    "NUL": "a\x00b",
    "control": "bell\x07",
    "huge": "x" * 120_000,
    "negative": "-1",
    "enormous number": "99999999999999999999",
    "superscript digit": "²",
    "emoji": "🙂" * 3,
    "not a UUID": "not-a-uuid",
    "far-off date": "9999-12-31",
    "not a date": "2026-13-45",
    "list": "[]",
}
REFUSED_AT_THE_DOOR = {"NUL", "control", "huge"}
"""422 naming the field, or 413 when the whole body is over 256 KB."""
ENDS_THE_SESSION = {"/staff/sign-out", "/staff/account/sign-out-everywhere"}
"""Fuzzed as well, on their own (below): they would sign the fuzzer out half-way."""

FIELDS = (
    "text",
    "name",
    "title",
    "purpose",
    "summary",
    "email",
    "phone",
    "reference",
    "code",
    "reason",
    "status",
    "what",
    "kind",
    "theme",
    "themes",
    "neighbourhood",
    "neighbourhoods",
    "programme",
    "language",
    "source_name",
    "prompts",
    "prompt_id",
    "held_on",
    "decided_on",
    "gathered_on",
    "attendance",
    "count",
    "closes_at",
    "duplicate_of",
    "group_label",
    "from_note",
    "offers",
    "approve",
    "approved",
    "board",
    "actions",
    "version",
    "discovery_from",
    "define_from",
    "develop_from",
    "ends_on",
    "days_before",
    "frequency",
    "members",
    "meetings",
    "owner_email",
    "id",
    "current_password",
    "new_password",
    "confirm_password",
    "note",
    "borough",
    "you_said",
    "we_did",
    "references",
    "proposition_id",
    "consent_analysis",
    "consent_quote",
    "consent_share",
    "consent_contact",
    "submission_id",
    "client_key",
    "age_band",
    "support",
    "comment",
    "statement",
    "invite_name",
    "invite_email",
    "organisation",
    "label",
    "owner",
    "made_on",
    "due_on",
    "changed_on",
    "expected",
    "propositions",
    "responses",
)

UNCOUNTED = ("audit_log", "staff_sessions", "schema_migrations", "retention_runs")
"""Written by a refusal on purpose (a failed sign-in is audited) or by the harness itself."""


async def row_count_query(pool: asyncpg.Pool) -> str:
    async with pool.acquire() as conn:
        tables = [
            r["tablename"] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]
    return "SELECT " + " + ".join(f"(SELECT count(*) FROM {t})" for t in tables if t not in UNCOUNTED)


def form_for(value: str, statement_ids: list[str]) -> dict[str, str]:
    return {
        **dict.fromkeys(FIELDS, value),
        **{f"statement-{i}": value for i in statement_ids},
        **{f"support-{i}": value for i in statement_ids},
    }


async def test_every_form_route_refuses_malformed_values_without_a_5xx_or_a_write(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    quiet = msgspec.structs.replace(settings, form_rate_limit_per_minute=0, workshop_notes_per_minute=0)
    async with running_app(quiet) as app:
        world = await build_world(app, pool, quiet)
        proposition = world.values["proposition_id"]
        routes = sorted(
            route.path
            for route in app.routes
            if isinstance(route, HTTPRoute) and "POST" in route.methods and route.path not in ENDS_THE_SESSION
        )
        count_rows = await row_count_query(pool)
        problems: list[str] = []
        tried = 0
        async with client_of(app) as admin:
            await sign_in(admin, "admin@test.example")
            token = csrf_from((await admin.get("/give")).text)
            for path in routes:
                for concrete in world.fill(path):
                    for label, value in MALFORMED.items():
                        async with pool.acquire() as conn:
                            before = await conn.fetchval(count_rows)
                        answer = await admin.post(concrete, data={**form_for(value, proposition), "_csrf_token": token})
                        async with pool.acquire() as conn:
                            after = await conn.fetchval(count_rows)
                        tried += 1
                        if answer.status_code >= 500:
                            problems.append(f"{concrete} with {label}: {answer.status_code}")
                        if label in REFUSED_AT_THE_DOOR and answer.status_code not in (413, 422):
                            problems.append(f"{concrete} with {label}: {answer.status_code}, not refused")
                        if answer.status_code >= 400 and after != before:
                            problems.append(f"{concrete} with {label}: refused ({answer.status_code}) but wrote rows")
                        if re.search(r"Traceback|Internal Server Error", answer.text):
                            problems.append(f"{concrete} with {label}: an error page leaked internals")
        for path in sorted(ENDS_THE_SESSION):
            for label, value in MALFORMED.items():
                async with client_of(app) as someone:
                    await sign_in(someone, "admin@test.example")
                    token = csrf_from((await someone.get("/staff/account")).text)
                    answer = await someone.post(path, data={**form_for(value, proposition), "_csrf_token": token})
                    tried += 1
                    if answer.status_code >= 500:
                        problems.append(f"{path} with {label}: {answer.status_code}")
    assert not problems, "\n".join(problems)
    print(f"\nform routes fuzzed: {len(routes) + len(ENDS_THE_SESSION)} routes, {tried} requests")


@pytest.mark.parametrize("value", list(MALFORMED.values())[:2])
async def test_query_strings_are_checked_at_the_door_too(client: httpx.AsyncClient, value: str) -> None:
    for path in ("/you-said-we-did", "/give", "/staff/sign-in", "/w"):
        answer = await client.get(path, params={"theme": value, "programme": value, "code": value, "next": value})
        assert answer.status_code == 422 and "control character" in answer.text, path


async def test_the_inputs_that_used_to_give_500_now_get_a_4xx(client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    for field in ("programme", "neighbourhood", "email"):
        body = {"kind": "story", "text": "The bus", "consent": {"analysis": True}, field: "a\x00b"}
        answer = await client.post("/api/v1/contributions", json=body)
        assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == field
    for url in ("/give?programme=%00", "/you-said-we-did?theme=%00", "/boards/%00/digests", "/w/%00"):
        assert (await client.get(url)).status_code == 422, url
    await create_staff(pool, "admin")
    await sign_in(client, "admin@test.example")
    for url in ("/staff/contributions?q=a%00b", "/staff/contributions?to=9999-12-31", "/staff/audit?from=0001-01-01"):
        assert (await client.get(url)).status_code < 500, url
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM contributions") == 0
