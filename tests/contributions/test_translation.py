"""Words in any language, analysed: the original is kept; a translation staff add is what the tagger tags and the
redactor redacts; pages and digests say "translated from ...", with the original on request."""

from __future__ import annotations

import asyncio
import csv
import subprocess
import sys
from pathlib import Path
from uuid import UUID

import asyncpg
import httpx
import msgspec

from engage.db import transaction
from engage.digests import service as digests
from engage.settings import Settings
from engage.tags import queries as tag_queries
from tests.conftest import create_staff, csrf_from, env_for, eventually, running_worker, sign_in
from tests.digests.test_digests import make_board, week_and_day
from tests.seed import FRAMEWORK

ORIGINAL = "A minha mãe, a Dona Amélia Ferreira, esperou seis horas e ninguém nos ouviu nem nos explicou nada."
TRANSLATION = "My mother, Mrs Amélia Ferreira, waited six hours and nobody listened to us or explained anything to us."


async def analysis(pool: asyncpg.Pool, contribution_id: str) -> object:
    async with pool.acquire() as conn:
        return await tag_queries.analysis_for(conn, UUID(contribution_id))


async def given_themes(pool: asyncpg.Pool, contribution_id: str) -> set[str]:
    async with pool.acquire() as conn:
        found = await tag_queries.tags_for(conn, UUID(contribution_id), FRAMEWORK)
    return {t.theme_id for t in found if t.given}


async def translate(client: httpx.AsyncClient, contribution_id: str, words: str, back: str = "") -> httpx.Response:
    page = await client.get(f"/staff/contributions/{contribution_id}")
    return await client.post(
        f"/staff/contributions/{contribution_id}/translation",
        data={"_csrf_token": csrf_from(page.text), "translation": words, "back": back},
        follow_redirects=False,
    )


async def test_a_translation_is_tagged_and_redacted_and_the_original_is_kept(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings
) -> None:
    async with running_worker(settings):
        created = (
            await client.post(
                "/api/v1/contributions",
                json={"kind": "story", "text": ORIGINAL, "language": "pt", "consent": {"analysis": True}},
            )
        ).json()
        first = await eventually(lambda: analysis(pool, created["id"]), timeout=20)
        assert first.needs_translation and await given_themes(pool, created["id"]) == set()  # type: ignore[attr-defined]

        await create_staff(pool, "facilitator")
        await sign_in(client, "facilitator@test.example")
        review = await client.get("/staff/review")
        assert "Add an English translation below" in review.text and 'name="translation"' in review.text
        saved = await translate(client, created["id"], TRANSLATION, back="/staff/review?translated=1")
        assert saved.status_code == 303 and saved.headers["location"] == "/staff/review?translated=1"

        async def retagged() -> object:
            found = await analysis(pool, created["id"])
            return found if found is not None and not found.needs_translation else None  # type: ignore[attr-defined]

        second = await eventually(retagged, timeout=20)
        assert second.detected_language == "en"  # type: ignore[attr-defined]
        assert "listen" in await given_themes(pool, created["id"]), "the themes come from the translation"

        async def redacted() -> asyncpg.Record | None:
            async with pool.acquire() as conn:
                row = await conn.fetchrow(
                    "SELECT text, translation, redacted_text, redacted_original FROM contributions WHERE id = $1",
                    UUID(created["id"]),
                )
            return row if row["redacted_original"] else None

        row = await eventually(redacted, timeout=20)
    assert row["text"] == ORIGINAL and row["translation"] == TRANSLATION, "the words as written are kept"
    assert "waited six hours" in row["redacted_text"] and "Ferreira" not in row["redacted_text"]
    assert "esperou seis horas" in row["redacted_original"] and "Ferreira" not in row["redacted_original"]

    page = (await client.get(f"/staff/contributions/{created['id']}")).text
    assert "Translated from Portuguese." in page and "Show the original (Portuguese)" in page
    assert ORIGINAL.split(",")[0] in page and "waited six hours" in page
    listed = (await client.get("/staff/contributions?q=hours")).text
    assert "translated from Portuguese" in listed, "search finds it by its translation"
    assert "translated from Portuguese" in (await client.get("/staff/contributions?q=horas")).text

    # Governance reads both redacted; the citizen sees their own words first, with the translation.
    governance = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))  # type: ignore[attr-defined]
    async with governance:
        await create_staff(pool, "governance")
        await sign_in(governance, "governance@test.example")
        read = (await governance.get(f"/staff/contributions/{created['id']}")).text
    assert "waited six hours" in read and "esperou seis horas" in read and "Ferreira" not in read
    words = await client.get(f"/your-words?reference={created['reference']}&code={created['withdrawal_code']}")
    mine = await client.post(
        "/your-words",
        data={
            "_csrf_token": csrf_from(words.text),
            "reference": created["reference"],
            "code": created["withdrawal_code"],
        },
    )
    assert (
        mine.text.index("esperou seis horas")
        < mine.text.index("Our English translation")
        < mine.text.index("waited six hours")
    )


async def test_only_staff_who_translate_add_translations(client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    created = (
        await client.post(
            "/api/v1/contributions",
            json={
                "kind": "story",
                "text": ORIGINAL,
                "language": "pt",
                "consent": {"analysis": True, "share": True},
            },
        )
    ).json()
    await create_staff(pool, "partner_staff")
    await sign_in(client, "partner_staff@test.example")
    page = await client.get(f"/staff/contributions/{created['id']}")
    assert page.status_code == 200 and 'name="translation"' not in page.text
    refused = await client.post(
        f"/staff/contributions/{created['id']}/translation",
        data={"_csrf_token": csrf_from(page.text), "translation": TRANSLATION},
    )
    assert refused.status_code == 403
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT translation FROM contributions") is None


async def test_a_digest_quotes_the_translation_says_so_and_forgets_the_original_on_withdrawal(
    pool: asyncpg.Pool, client: httpx.AsyncClient
) -> None:
    from tests.seed import add_contributions

    week, day = week_and_day()
    board = await make_board(pool, ["member@example.org"], themes=["listen"])
    async with transaction(pool) as conn:
        [cid] = await add_contributions(
            conn, [{"text": ORIGINAL, "at": day, "themes": ["listen"], "quote": True, "approved": True}]
        )
        await conn.execute(
            """UPDATE contributions SET language = 'pt', translation = $2, redacted_text = $3, redacted_original = $4
               WHERE id = $1""",
            cid,
            TRANSLATION,
            "My mother, Mrs [name], waited six hours and nobody listened to us or explained anything to us.",
            "A minha mãe, a Dona [name], esperou seis horas e ninguém nos ouviu nem nos explicou nada.",
        )
        digest_id = await digests.send_digest(conn, board, week, framework_id=FRAMEWORK)
        content = msgspec.json.decode(await conn.fetchval("SELECT content::text FROM digests WHERE id = $1", digest_id))
    [quote] = content["quotes"][0]["quotes"]
    assert quote["text"].startswith("My mother, Mrs [name], waited six hours")
    assert quote["translated_from"] == "Portuguese" and quote["original"].startswith("A minha mãe, a Dona [name]")
    admin = await create_staff(pool, "admin", email="archive@test.example")
    assert admin
    await sign_in(client, "owner@test.example")
    archived = (await client.get(f"/boards/{board.id}/digests/{digest_id}")).text
    assert "translated from Portuguese" in archived and "esperou seis horas" in archived
    async with transaction(pool) as conn:
        await conn.execute("DELETE FROM contributions WHERE id = $1", cid)
        content = msgspec.json.decode(await conn.fetchval("SELECT content::text FROM digests WHERE id = $1", digest_id))
    [quote] = content["quotes"][0]["quotes"]
    assert quote["text"] == "Withdrawn by its author." and "original" not in quote


async def test_import_keeps_a_translation_column_beside_the_words(
    tmp_path: Path, pool: asyncpg.Pool, settings: Settings
) -> None:
    path = tmp_path / "leaflets.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "words", "lang", "english"])
        writer.writerow(["1", ORIGINAL, "pt", TRANSLATION])
        writer.writerow(["2", "I want the clinic to open on Saturdays", "en", ""])
        writer.writerow(["3", "Chcę tłumacza w przychodni", "pl", ""])
        writer.writerow(["4", "Some English", "en", "An English translation of English"])
    done = await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable, "-m", "engage", "import", str(path), "--kind", "story", "--source", "Leaflets",
            "--text-column", "words", "--language-column", "lang", "--translation-column", "english", "--quiet",
        ],
        env=env_for(settings),
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert done.returncode == 3, done.stderr
    assert "3 added" in done.stderr and "1 rejected" in done.stderr
    async with pool.acquire() as conn:
        rows = {r["language"]: r for r in await conn.fetch("SELECT language, text, translation FROM contributions")}
    assert rows["pt"]["text"] == ORIGINAL and rows["pt"]["translation"] == TRANSLATION
    assert rows["pl"]["translation"] is None and rows["en"]["translation"] is None
    rejects = (tmp_path / "leaflets.rejects.csv").read_text()
    assert "the language column says English" in rejects
