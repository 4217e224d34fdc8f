"""Tagging in the platform, on real PostgreSQL, Valkey and SMTP: from a contribution arriving to stored tags,
safeguarding alerts, review, corrections and retraining."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
import httpx
import msgspec
import pytest

from engage.db import transaction
from engage.privacy.visibility import UNRESTRICTED
from engage.settings import Settings
from engage.tags import queries as tag_queries
from engage.tags import service as tags
from engage.tags.models import Tagging
from engage.workers.retraining import MACRO_TOLERANCE, retrain
from nlp.frameworks import builtin_frameworks
from tests.conftest import Servers, create_staff, csrf_from, eventually, running_worker, sign_in

FRAMEWORK = "lambeth-what-matters"


def submission(text: str, **extra: Any) -> dict[str, Any]:
    return {"kind": "i_statement", "text": text, "consent": {"analysis": True}, **extra}


DETAILED = "lambeth-what-matters-detailed"


async def analysed(pool: asyncpg.Pool, contribution_id: str) -> Any:
    async with pool.acquire() as conn:
        return await tag_queries.analysis_for(conn, UUID(contribution_id))


async def themes_of(pool: asyncpg.Pool, contribution_id: str) -> dict[str, tuple[bool, str]]:
    async with pool.acquire() as conn:
        found = await tag_queries.tags_for(conn, UUID(contribution_id), FRAMEWORK)
    return {t.theme_id: (t.given, t.source) for t in found}


async def test_a_contribution_is_tagged_within_seconds_with_confidence_and_evidence(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings
) -> None:
    text = "I waited three weeks for a GP appointment and nobody could tell me who to call"
    async with running_worker(settings):
        created = (await client.post("/api/v1/contributions", json=submission(text))).json()
        analysis = await eventually(lambda: analysed(pool, created["id"]), timeout=20)
    assert analysis.sentiment == "negative" and analysis.detected_language == "en"
    async with pool.acquire() as conn:
        found = await tag_queries.tags_for(conn, UUID(created["id"]), FRAMEWORK)
    easier = next(t for t in found if t.theme_id == "easier")
    assert easier.source == "model" and easier.model_version == analysis.model_version
    assert easier.confidence is not None and easier.confidence > 0.5
    assert easier.evidence and all(text[e.start : e.end] == e.text for e in easier.evidence)
    # Every active framework in the same pass: the sub-themes staff act on and the outcome frameworks.
    async with pool.acquire() as conn:
        detailed = {t.theme_id for t in await tag_queries.tags_for(conn, UUID(created["id"]), DETAILED) if t.given}
        by_framework = {
            r["framework_id"]: r["n"]
            for r in await conn.fetch(
                "SELECT framework_id, count(*) AS n FROM contribution_tags WHERE contribution_id = $1 GROUP BY 1",
                UUID(created["id"]),
            )
        }
    assert any(theme.startswith("easier.") for theme in detailed), detailed
    assert set(by_framework) >= {FRAMEWORK, DETAILED, "lambeth-outcomes"}, by_framework


async def test_not_english_goes_to_review_untagged(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings
) -> None:
    text = "Não consigo marcar consulta no médico de família há três semanas e ninguém me ajuda"
    async with running_worker(settings):
        created = (await client.post("/api/v1/contributions", json=submission(text, language="pt"))).json()
        analysis = await eventually(lambda: analysed(pool, created["id"]), timeout=20)
    assert analysis.needs_translation and analysis.margin == 0
    assert await themes_of(pool, created["id"]) == {}
    async with pool.acquire() as conn:
        assert (await tags.next_for_review(conn, FRAMEWORK, UNRESTRICTED)).contribution_id == UUID(created["id"])  # type: ignore[union-attr]


async def test_a_safeguarding_flag_alerts_the_lead_without_the_words_and_hides_the_contribution(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings, servers: Servers
) -> None:
    lead = msgspec.structs.replace(settings, safeguarding_email="lead@test.example")
    text = "My stepdad hits my mum when he drinks and I am scared to go home after school"
    async with running_worker(lead):
        created = (await client.post("/api/v1/contributions", json=submission(text))).json()
        alert = (await eventually(lambda: servers.sink.to("lead@test.example"), timeout=20))[0]
    body = alert.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert created["reference"] in alert["Subject"] and created["reference"] in body
    assert f"/staff/safeguarding/{created['id']}" in body
    for word in ("stepdad", "hits", "scared"):
        assert word not in alert.as_string().lower()
    # Governance and partner staff never see it; a facilitator finds it in the urgent queue.
    await create_staff(pool, "governance")
    await sign_in(client, "governance@test.example")
    assert created["reference"] not in (await client.get("/staff/contributions")).text
    assert (await client.get(f"/staff/contributions/{created['id']}")).status_code == 404
    assert (await client.get("/staff/safeguarding")).status_code == 403
    await client.post(
        "/staff/sign-out", data={"_csrf_token": csrf_from((await client.get("/staff/contributions")).text)}
    )
    await create_staff(pool, "facilitator")
    await sign_in(client, "facilitator@test.example")
    queue = await client.get("/staff/safeguarding")
    assert created["reference"] in queue.text
    page = await client.get(f"/staff/safeguarding/{created['id']}")
    assert "scared to go home" in page.text and "Domestic abuse" in page.text
    assert "Domestic abuse" in queue.text, "the queue names the kind of concern"
    async with pool.acquire() as conn:
        assert "domestic" in await conn.fetchval("SELECT kinds FROM safeguarding_flags")
    saved = await client.post(
        f"/staff/safeguarding/{created['id']}",
        data={"_csrf_token": csrf_from(page.text), "status": "actioned", "note": "Referred to MASH"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT status::text, note FROM safeguarding_flags")
        actions = {r["action"] for r in await conn.fetch("SELECT action FROM audit_log")}
    assert tuple(row) == ("actioned", "Referred to MASH")
    assert {"safeguarding.viewed", "safeguarding.status"} <= actions


async def test_a_persons_review_is_final_and_becomes_a_training_example(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings
) -> None:
    text = "Nobody explains anything and the phone line is always engaged"
    async with running_worker(settings):
        created = (await client.post("/api/v1/contributions", json=submission(text))).json()
        await eventually(lambda: analysed(pool, created["id"]), timeout=20)
    await create_staff(pool, "facilitator")
    await sign_in(client, "facilitator@test.example")
    page = await client.get("/staff/review")
    assert created["reference"] in page.text
    saved = await client.post(
        f"/staff/review/{created['id']}",
        data={"_csrf_token": csrf_from(page.text), "theme": ["listen", "quality"]},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/staff/review?saved=1"
    decided = await themes_of(pool, created["id"])
    assert decided["listen"] == (True, "person") and decided["quality"] == (True, "person")
    assert decided["easier"] == (False, "person")
    # A later model run (a new version that says "easier" again) never overrides the person.
    async with transaction(pool) as conn:
        analysis = await tag_queries.analysis_for(conn, UUID(created["id"]))
        assert analysis is not None
        rerun = Tagging(
            contribution_id=UUID(created["id"]),
            themes=["easier", "safe"],
            scores={"easier": 0.9, "safe": 0.8},
            evidence={},
            sentiment="negative",
            language="en",
            needs_translation=False,
            safeguarding=False,
            safeguarding_score=0.0,
            risk=[],
            margin=0.3,
        )
        await tags.record_taggings(conn, FRAMEWORK, "another-version", [rerun], safeguarding_email="")
    # The reviewer decided every theme, so nothing the model says changes the tags.
    assert await themes_of(pool, created["id"]) == decided
    assert len(decided) == 6
    async with pool.acquire() as conn:
        corrections = await tags.training_corrections(conn, FRAMEWORK)
        assert corrections[0].text == text and corrections[0].themes == ["listen", "quality"]
        assert await tag_queries.review_queue_size(conn, FRAMEWORK) == 0


async def test_reviewing_refuses_a_theme_not_in_the_framework(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings
) -> None:
    async with running_worker(settings):
        created = (await client.post("/api/v1/contributions", json=submission("The lift is broken"))).json()
        await eventually(lambda: analysed(pool, created["id"]), timeout=20)
    await create_staff(pool, "facilitator")
    await sign_in(client, "facilitator@test.example")
    page = await client.get("/staff/review")
    before = await themes_of(pool, created["id"])
    response = await client.post(
        f"/staff/review/{created['id']}", data={"_csrf_token": csrf_from(page.text), "theme": ["made-up"]}
    )
    assert response.status_code == 422 and "made-up" in response.text
    assert await themes_of(pool, created["id"]) == before


async def test_retraining_records_a_version_and_promotes_only_if_not_worse(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings
) -> None:
    result = await retrain(pool, settings)
    assert result.current is not None, "compared with the shipped model"
    not_worse = (
        result.new.micro_f1 >= result.current.micro_f1
        and result.new.macro_f1 >= result.current.macro_f1 - MACRO_TOLERANCE
    )
    assert result.promoted == not_worse
    async with pool.acquire() as conn:
        models = await tag_queries.list_models(conn, FRAMEWORK)
        active = await tag_queries.active_model_version(conn, FRAMEWORK)
    assert models[0].version == result.version
    assert models[0].status == ("active" if result.promoted else "rejected")
    assert (active == result.version) == result.promoted


async def test_a_promoted_model_retags_what_the_old_one_tagged(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings
) -> None:
    async with running_worker(settings):
        created = (await client.post("/api/v1/contributions", json=submission("Lonely since my wife died"))).json()
        first = await eventually(lambda: analysed(pool, created["id"]), timeout=20)
        # Promote a copy of the shipped model under a new version, as retraining would.
        from nlp.model import ThemeModel, default_model_dir

        model = ThemeModel.load(default_model_dir(FRAMEWORK))
        card, weights = model.to_bytes()
        card = card.replace(model.version.encode(), b"lambeth-what-matters@test-promoted")
        async with transaction(pool) as conn:
            await tags.record_model(
                conn,
                version="lambeth-what-matters@test-promoted",
                framework_id=FRAMEWORK,
                promote=True,
                card=card,
                weights=weights,
                dev_micro_f1=0.9,
                dev_macro_f1=0.9,
                train_examples=1,
                corrections=0,
                note="test",
                trained_at=first.analysed_at,
            )

        async def retagged() -> bool:
            analysis = await analysed(pool, created["id"])
            return analysis.model_version == "lambeth-what-matters@test-promoted"

        await eventually(retagged, timeout=20)


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        (b"{", "truncated"),
        (b'{"id": "x", "name": "X", "themes": []}', "no themes"),
        (b'{"id": "x", "name": "X", "themes": [{"id": "a", "name": "A"}, {"id": "a", "name": "B"}]}', "more than once"),
        (b'{"id": "lambeth-what-matters", "name": "Mine", "themes": [{"id": "a", "name": "A"}]}', "ships"),
    ],
)
async def test_an_admin_adds_a_framework_from_a_file_and_bad_files_are_refused(
    client: httpx.AsyncClient, pool: asyncpg.Pool, document: bytes, problem: str
) -> None:
    await create_staff(pool, "admin")
    await sign_in(client, "admin@test.example")
    page = await client.get("/staff/models")
    token = csrf_from(page.text)
    upload = {"file": ("f.json", document, "application/json")}
    refused = await client.post("/staff/models/frameworks", data={"_csrf_token": token}, files=upload)
    assert refused.status_code == 422 and problem in refused.text
    good = b'{"id": "nhs-feedback", "name": "NHS", "themes": [{"id": "Staff - attitude", "name": "Staff attitude"}]}'
    added = await client.post(
        "/staff/models/frameworks",
        data={"_csrf_token": token},
        files={"file": ("f.json", good, "application/json")},
        follow_redirects=False,
    )
    assert added.status_code == 303
    async with pool.acquire() as conn:
        ids = [f.id for f in await tag_queries.list_frameworks(conn)]
    assert sorted(ids) == sorted([*builtin_frameworks(), "nhs-feedback"])


async def test_an_admin_asks_for_a_new_model_and_a_worker_trains_it(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings
) -> None:
    await create_staff(pool, "admin")
    await sign_in(client, "admin@test.example")
    page = await client.get("/staff/models")
    assert "None trained here yet" in page.text
    async with running_worker(settings):
        asked = await client.post("/staff/models/retrain", data={"_csrf_token": csrf_from(page.text)})
        assert "Retraining has started" in asked.text

        async def trained() -> Any:
            async with pool.acquire() as conn:
                return await tag_queries.list_models(conn, FRAMEWORK)

        models = await eventually(trained, timeout=90, interval=0.5)
    assert models[0].note and models[0].dev_micro_f1 is not None
    assert models[0].version in (await client.get("/staff/models")).text
