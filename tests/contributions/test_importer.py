"""`engage import`: valid rows in, bad rows to a rejects file with reasons, and a re-run adds nothing."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from engage.ids import withdrawal_code
from engage.settings import Settings
from tests.conftest import env_for

SOURCE = "Healthwatch Lambeth — Going Home"


def run_import(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engage", "import", *args, "--quiet"],
        env=env_for(settings),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_csv_import_with_column_mapping_rejects_and_an_idempotent_rerun(
    settings: Settings, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    path = tmp_path / "going_home.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["ref", "story", "area", "when", "ok_to_quote"])
        writer.writerow(["GH-1", "Nobody told me when the carers would come.", "Stockwell", "2018-03-14", "yes"])
        writer.writerow(["GH-2", "The discharge letter was full of jargon.", "tulse-hill", "2018-03-15", "no"])
        writer.writerow(["GH-3", "   ", "Brixton", "2018-03-16", "yes"])
        writer.writerow(["GH-4", "My mum waited all day for transport.", "Atlantis", "2018-03-16", "yes"])
        writer.writerow(["GH-5", "Good care from the district nurse.", "", "not a date", "yes"])
        writer.writerow(["GH-6", "Pharmacy was closed on Saturday.", "Norwood", "2018-03-17", "maybe"])
        writer.writerow(["GH-7", "The ward rang my daughter, not me.", "Brixton", "07/10/2018", "no"])
        writer.writerow(["GH-8", " ", "Narnia", "31/02/2018", "perhaps"])
    args = [
        str(path),
        "--kind",
        "story",
        "--source",
        SOURCE,
        "--text-column",
        "story",
        "--neighbourhood-column",
        "area",
        "--date-column",
        "when",
        "--id-column",
        "ref",
        "--consent-column",
        "quote=ok_to_quote",
    ]
    first = run_import(settings, *args)
    assert first.returncode == 3, first.stderr
    assert "3 added, 0 already there, 5 rejected" in first.stderr
    rejects = list(csv.DictReader((tmp_path / "going_home.rejects.csv").open(encoding="utf-8")))
    reasons = {row["line"]: row["reason"] for row in rejects}
    assert "text" in reasons["4"] and "empty" in reasons["4"]
    assert "Atlantis" in reasons["5"]
    assert "not a date such as 2026-10-07 or 07/10/2026" in reasons["6"]
    assert "yes or no" in reasons["7"]
    # Every problem with a row is named at once, not only the first.
    assert all(part in reasons["9"] for part in ("Narnia", "'31/02/2018'", "yes or no", "text: "))
    assert rejects[0]["story"] == "   "
    second = run_import(settings, *args)
    assert "0 added, 3 already there, 5 rejected" in second.stderr
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT * FROM contributions ORDER BY received_at")
        events = await conn.fetchval("SELECT count(*) FROM outbox")
    assert len(rows) == 3 and events == 3
    assert rows[0]["neighbourhood"] == "stockwell" and rows[0]["consent_quote"] is True
    assert rows[1]["neighbourhood"] == "tulse-hill" and rows[1]["consent_quote"] is False
    assert rows[0]["source"] == "import" and rows[0]["source_name"] == SOURCE
    assert rows[0]["received_at"].year == 2018
    # A UK date is read day first: 7 October, not 10 July.
    assert rows[2]["neighbourhood"] == "brixton"
    assert rows[2]["received_at"].astimezone(ZoneInfo("Europe/London")).date() == date(2018, 10, 7)
    # Each imported row's reference and withdrawal code, for the partner to give back, readable only by its owner.
    references_file = tmp_path / "going_home.references.csv"
    issued = {row["source id"]: row for row in csv.DictReader(references_file.open(encoding="utf-8"))}
    assert set(issued) == {"GH-1", "GH-2", "GH-7"} and references_file.stat().st_mode & 0o077 == 0
    by_reference = {r["reference"]: r["id"] for r in rows}
    assert issued["GH-1"]["reference"] in by_reference
    assert issued["GH-1"]["withdrawal code"] == withdrawal_code(
        settings.secret_key, by_reference[issued["GH-1"]["reference"]]
    )


async def test_a_wrong_text_column_fails_on_the_header_and_imports_nothing(
    settings: Settings, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    path = tmp_path / "cards.csv"
    path.write_text("id,story,area\n1,Lonely since the day centre closed.,Brixton\n2,Buses are too rare.,Norwood\n")
    result = run_import(settings, str(path), "--kind", "story", "--source", "Event cards")
    assert result.returncode != 0
    assert "no column for --text-column 'text'; its header has 'id', 'story', 'area'" in result.stderr
    assert "nothing was imported" in result.stderr and not (tmp_path / "cards.rejects.csv").exists()
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM contributions") == 0


async def test_jsonl_import_names_broken_lines(settings: Settings, pool: asyncpg.Pool, tmp_path: Path) -> None:
    path = tmp_path / "notes.jsonl"
    lines = [
        json.dumps({"text": "Walking group on Saturdays", "neighbourhood": "brixton"}),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"text": "Men's Shed in Norwood"}),
    ]
    path.write_bytes(("\n".join(lines) + "\n").encode() + b'{"text": "\xff bad bytes"}\n')
    result = run_import(settings, str(path), "--kind", "workshop_note", "--source", "Norwood workshop")
    assert "2 added, 0 already there, 3 rejected" in result.stderr
    reasons = [row["reason"] for row in csv.DictReader((tmp_path / "notes.rejects.csv").open(encoding="utf-8"))]
    assert reasons[0].startswith("not valid JSON") and "object" in reasons[1] and "UTF-8" in reasons[2]
    rerun = run_import(settings, str(path), "--kind", "workshop_note", "--source", "Norwood workshop")
    assert "0 added, 2 already there" in rerun.stderr
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM contributions WHERE kind = 'workshop_note'") == 2


async def test_user_create_makes_an_account_that_can_sign_in(settings: Settings, pool: asyncpg.Pool) -> None:
    command = [
        sys.executable,
        "-m",
        "engage",
        "user",
        "create",
        "--email",
        "Nia@Example.org",
        "--role",
        "governance",
        "--password-stdin",
    ]

    def create(password: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command,
            env=env_for(settings),
            input=password + "\n",
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    too_short = create("short")
    assert too_short.returncode != 0 and "10 characters" in too_short.stderr
    created = create("a long enough password")
    assert created.returncode == 0, created.stderr
    again = create("a long enough password")
    assert again.returncode != 0 and "already exists" in again.stderr
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT role::text FROM users WHERE email = 'nia@example.org'") == "governance"


async def test_an_import_gives_every_row_to_a_programme(
    settings: Settings, pool: asyncpg.Pool, tmp_path: Path, client: Any
) -> None:
    from tests.conftest import create_staff, sign_in
    from tests.programmes.test_programmes import start

    await create_staff(pool, "facilitator")
    await sign_in(client, "facilitator@test.example")
    await start(client)
    path = tmp_path / "stories.jsonl"
    path.write_text(json.dumps({"text": "Nobody rang after Dad came home"}) + "\n")
    unknown = run_import(settings, str(path), "--kind", "story", "--source", "Healthwatch", "--programme", "nope")
    assert unknown.returncode != 0 and "no programme with this slug" in unknown.stderr
    result = run_import(
        settings, str(path), "--kind", "story", "--source", "Healthwatch", "--programme", "going-home-from-hospital"
    )
    assert "1 added" in result.stderr
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT programme FROM contributions") == "going-home-from-hospital"
