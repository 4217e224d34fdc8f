"""Bulk import of contributions gathered elsewhere (Healthwatch stories, event cards, phone notes).

Valid rows go in, bad rows go to a rejects file that names the line and the reason, and running the same file
again adds nothing twice: each row's idempotency key comes from the source's own id column when there is one,
otherwise from the row's content.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import msgspec

from engage.contributions import queries
from engage.contributions.models import (
    Consent,
    IdempotencyConflict,
    InvalidContribution,
    Submission,
)
from engage.contributions.service import check_submission, submit_contribution
from engage.db import Connection, create_pool, transaction
from engage.ids import fingerprint
from engage.problems import FieldError
from engage.settings import Settings

BATCH_ROWS = 500
LONDON = ZoneInfo("Europe/London")
PURPOSES = ("analysis", "quote", "share", "contact")
_YES = {"yes", "y", "true", "1", "agreed", "x"}
_NO = {"no", "n", "false", "0", ""}


class ImportOptions(msgspec.Struct, kw_only=True):
    path: Path
    kind: str
    source_name: str
    text_column: str = "text"
    neighbourhood_column: str = "neighbourhood"
    language_column: str = "language"
    translation_column: str = "translation"
    """An English translation of a row written in another language: kept beside the words, and tagged instead."""
    date_column: str = "date"
    id_column: str = "id"
    consent: tuple[str, ...] = ("analysis",)
    consent_columns: list[str] = msgspec.field(default_factory=list)
    rejects_path: Path | None = None
    references_path: Path | None = None
    """Where to write each row's reference and withdrawal code (default FILE.references.csv)."""
    programme: str | None = None
    """Give every row to this co-design programme (its slug)."""


class ImportSummary(msgspec.Struct, kw_only=True):
    read: int = 0
    inserted: int = 0
    already_there: int = 0
    rejected: int = 0
    rejects_path: Path | None = None
    references_path: Path | None = None


class Reject(msgspec.Struct):
    line: int
    reason: str
    row: dict[str, Any]


class Issued(msgspec.Struct):
    """A row's reference and withdrawal code, for the partner who gathered it to pass back to its author."""

    line: int
    source_id: str
    reference: str
    withdrawal_code: str


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """Yield (line number, row) — or (line number, reason) for a line that cannot be read at all."""
    if path.suffix.lower() == ".jsonl":
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                try:
                    value = json.loads(raw.decode("utf-8"))
                except UnicodeDecodeError:
                    yield number, "the line is not valid UTF-8"
                    continue
                except json.JSONDecodeError as exc:
                    yield number, f"not valid JSON ({exc.msg} at column {exc.colno})"
                    continue
                yield number, value if isinstance(value, dict) else "each line must be a JSON object"
    elif path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8-sig", errors="strict") as handle:
            reader = csv.DictReader(handle)
            try:
                for row in reader:
                    yield reader.line_num, {k: v for k, v in row.items() if k is not None}
            except UnicodeDecodeError:
                yield reader.line_num + 1, "the file is not valid UTF-8 from this line on"
    else:
        raise SystemExit(f"{path.name}: import reads .csv or .jsonl files")


def _consent(options: ImportOptions, row: dict[str, Any]) -> Consent | str:
    given = {purpose: purpose in options.consent for purpose in PURPOSES}
    for mapping in options.consent_columns:
        purpose, _, column = mapping.partition("=")
        if purpose not in PURPOSES or not column:
            raise SystemExit(f"--consent-column {mapping!r}: use PURPOSE=COLUMN with PURPOSE one of {PURPOSES}")
        value = str(row.get(column, "")).strip().lower()
        if value in _YES:
            given[purpose] = True
        elif value in _NO:
            given[purpose] = False
        else:
            return f"column {column!r} should say yes or no, not {value[:20]!r}"
    return Consent(**given)


# Day first: a UK partner's spreadsheet writes 7 October 2026 as 07/10/2026, and we never read it month first.
_DAY_FIRST = ("%d/%m/%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d-%m-%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y")


def _received_at(value: Any) -> datetime | str | None:
    """An ISO date or date-time (2026-10-07, 2026-10-07T14:30), or a UK day-first date (07/10/2026, 7/10/2026
    14:30, 07-10-2026, 07.10.2026, 7 October 2026). Without a zone, London time."""
    if value in (None, ""):
        return None
    text = " ".join(str(value).split())
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        for pattern in _DAY_FIRST:
            try:
                parsed = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
    if parsed is None:
        return f"date {text[:30]!r} is not a date such as 2026-10-07 or 07/10/2026 (day first)"
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=LONDON)
    if parsed > datetime.now(UTC):
        return "date is in the future"
    return parsed


def row_to_submission(
    options: ImportOptions, row: dict[str, Any], neighbourhoods: dict[str, str]
) -> Submission | list[str]:
    """The row as a submission, or every problem with it (not only the first), each naming its column."""
    problems: list[str] = []
    text = row.get(options.text_column)
    text_given = isinstance(text, str)
    if not isinstance(text, str):
        problems.append(f"no text in column {options.text_column!r}")
        text = ""
    hood_value = str(row.get(options.neighbourhood_column) or "").strip()
    hood = neighbourhoods.get(hood_value.lower()) if hood_value else None
    if hood_value and hood is None:
        problems.append(f"neighbourhood {hood_value[:40]!r} is not one of ours")
    consent = _consent(options, row)
    if isinstance(consent, str):
        problems.append(consent)
        consent = Consent(analysis=True)
    received_at = _received_at(row.get(options.date_column))
    if isinstance(received_at, str):
        problems.append(received_at)
        received_at = None
    language = str(row.get(options.language_column) or "en").strip().lower() or "en"
    translation = str(row.get(options.translation_column) or "").strip() or None
    if translation is not None and language == "en":
        problems.append(f"a translation in column {options.translation_column!r}, but the language column says English")
    source_id = str(row.get(options.id_column) or "").strip()
    key_material = source_id or f"{options.kind}|{text}|{hood or ''}|{received_at or ''}"
    sub = Submission(
        kind=options.kind,  # type: ignore[arg-type]
        text=text,
        consent=consent,
        source="import",
        source_name=options.source_name,
        neighbourhood=hood,
        programme=options.programme,
        language=language,
        translation=translation,
        received_at=received_at,
        idempotency_key="import:" + fingerprint(options.source_name, key_material),
        fingerprint=fingerprint(options.kind, text, hood or "", language, *([translation] if translation else [])),
    )
    if text_given:
        problems.extend(f"{e.field}: {e.reason}" for e in check_submission(sub))
    return problems or sub


def check_columns(options: ImportOptions) -> None:
    """Stop before reading any row when the file lacks a column the options name: a wrong ``--text-column`` should
    fail once, on the header, not reject every row one by one."""
    needed = {"--text-column": options.text_column}
    for mapping in options.consent_columns:
        purpose, _, column = mapping.partition("=")
        needed[f"--consent-column {purpose}"] = column
    if options.path.suffix.lower() == ".csv":
        with options.path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
            header = next(csv.reader(handle), [])
        where = "header"
    else:
        header = []
        for _, row in read_rows(options.path):
            if isinstance(row, dict):
                header = list(row)
                break
        where = "first object"
    missing = [f"{flag} {column!r}" for flag, column in needed.items() if column not in header]
    if missing:
        found = ", ".join(repr(c) for c in header) or "nothing"
        raise SystemExit(
            f"{options.path.name}: no column for {' or '.join(missing)}; its {where} has {found}. "
            "Name the right column (for example --text-column story) and run it again: nothing was imported."
        )


async def _neighbourhood_lookup(conn: Connection) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for hood in await queries.list_neighbourhoods(conn, active_only=False):
        lookup[hood.slug] = hood.slug
        lookup[hood.name.lower()] = hood.slug
    return lookup


async def import_rows(
    pool: asyncpg.Pool, settings: Settings, options: ImportOptions, *, on_row: Any = None
) -> tuple[ImportSummary, list[Reject], list[Issued]]:
    summary = ImportSummary()
    rejects: list[Reject] = []
    issued: list[Issued] = []
    async with pool.acquire() as conn:
        neighbourhoods = await _neighbourhood_lookup(conn)
    batch: list[tuple[int, dict[str, Any], Submission]] = []

    async def flush() -> None:
        async with transaction(pool) as conn:
            for line, row, sub in batch:
                try:
                    result = await submit_contribution(conn, sub, secret=settings.secret_key)
                except InvalidContribution as exc:
                    rejects.append(Reject(line, _reasons(exc.errors), row))
                    continue
                except IdempotencyConflict:
                    rejects.append(Reject(line, "this row's id was imported before with different words", row))
                    continue
                if result.created:
                    summary.inserted += 1
                else:
                    summary.already_there += 1
                source_id = str(row.get(options.id_column) or "")
                issued.append(Issued(line, source_id, result.receipt.reference, result.receipt.withdrawal_code))
        batch.clear()

    for line, row in read_rows(options.path):
        summary.read += 1
        if isinstance(row, str):
            rejects.append(Reject(line, row, {}))
        else:
            sub = row_to_submission(options, row, neighbourhoods)
            if isinstance(sub, list):
                rejects.append(Reject(line, "; ".join(sub), row))
            else:
                batch.append((line, row, sub))
        if len(batch) >= BATCH_ROWS:
            await flush()
        if on_row is not None:
            on_row()
    if batch:
        await flush()
    summary.rejected = len(rejects)
    return summary, rejects, issued


def _reasons(errors: list[FieldError]) -> str:
    return "; ".join(f"{e.field}: {e.reason}" for e in errors)


def write_rejects(path: Path, rejects: list[Reject]) -> None:
    columns: list[str] = []
    for reject in rejects:
        columns.extend(key for key in reject.row if key not in columns)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", "reason", *columns])
        for reject in sorted(rejects, key=lambda r: r.line):
            writer.writerow([reject.line, reject.reason, *(reject.row.get(c, "") for c in columns)])


def write_references(path: Path, issued: list[Issued]) -> None:
    """Each row's reference and withdrawal code. Only the partner who gathered the rows should hold this file (it
    is created readable by its owner alone): with a row's code, anyone can withdraw that row."""
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", "source id", "reference", "withdrawal code"])
        for row in sorted(issued, key=lambda r: r.line):
            writer.writerow([row.line, row.source_id, row.reference, row.withdrawal_code])


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        lines = sum(1 for _ in handle)
    return max(0, lines - 1) if path.suffix.lower() == ".csv" else lines


async def run_import(settings: Settings, options: ImportOptions, *, progress: bool = True) -> ImportSummary:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    if not options.path.is_file():
        raise SystemExit(f"{options.path}: no such file")
    check_columns(options)
    console = Console(stderr=True)
    pool = await create_pool(settings.database_url or "", size=2)
    try:
        with Progress(
            TextColumn("Importing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=not progress,
            transient=True,
        ) as bar:
            task = bar.add_task("rows", total=_count_lines(options.path))
            summary, rejects, issued = await import_rows(pool, settings, options, on_row=lambda: bar.advance(task))
    finally:
        await pool.close()
    if rejects:
        summary.rejects_path = options.rejects_path or options.path.with_suffix(".rejects.csv")
        write_rejects(summary.rejects_path, rejects)
    if issued:
        summary.references_path = options.references_path or options.path.with_suffix(".references.csv")
        write_references(summary.references_path, issued)
    console.print(
        f"Read {summary.read} rows: {summary.inserted} added, {summary.already_there} already there, "
        f"{summary.rejected} rejected."
    )
    if summary.rejects_path:
        console.print(f"Rejected rows, each with its reason: {summary.rejects_path}")
    if summary.references_path:
        console.print(
            f"Each row's reference and withdrawal code, to give back to the people who wrote them (keep it private): "
            f"{summary.references_path}"
        )
    return summary
