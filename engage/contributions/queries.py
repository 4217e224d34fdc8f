"""The only SQL for contributions. Each function takes the connection first and returns Structs."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from engage.contributions.models import (
    SOURCE_LABELS,
    Contact,
    ContributionExport,
    ContributionFilters,
    ContributionPage,
    ContributionRow,
    Equality,
    Neighbourhood,
    Submission,
)
from engage.db import Connection
from engage.privacy.visibility import FLAGGED_SQL, Sight, analysed_words, original_words, search_vector, visible, words


def _row_columns(sight: Sight) -> str:
    return f"""
    c.id, c.reference, c.kind::text AS kind, {words(sight)} AS text, c.source::text AS source, c.source_name,
    c.neighbourhood, n.name AS neighbourhood_name, c.programme, c.language, c.consent_analysis, c.consent_quote,
    c.consent_share, c.consent_contact, c.received_at, c.quote_approved_at, c.entered_by,
    {words(sight)} IS DISTINCT FROM {analysed_words()} AS redacted,
    c.translation IS NOT NULL AS translated,
    CASE WHEN c.translation IS NOT NULL THEN {original_words(sight)} END AS original, c.locale,
    ARRAY(SELECT t.theme_id FROM contribution_tags t
          WHERE t.contribution_id = c.id AND t.given ORDER BY t.theme_id) AS themes,
    {FLAGGED_SQL.format(c="c")} AS flagged
"""  # noqa: S608


def _row(record: asyncpg.Record) -> ContributionRow:
    return msgspec.convert(dict(record), ContributionRow)


class NewContribution(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    reference: str
    submission: Submission


class Written(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    inserted: bool
    """False, and nothing written, when the idempotency key was used before or a check below failed."""
    neighbourhood_known: bool
    programme_known: bool
    placement_open: bool
    event_id: int | None


class _BatchRow(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One row of `insert_batch`'s JSON document (unset values are left out and read as NULL)."""

    id: UUID
    reference: str
    kind: str
    text: str
    source: str
    source_name: str | None = None
    neighbourhood: str | None = None
    language: str
    locale: str
    translation: str | None = None
    consent_analysis: bool
    consent_quote: bool
    consent_share: bool
    consent_contact: bool
    entered_by: UUID | None = None
    idempotency_key: str | None = None
    request_fingerprint: str | None = None
    received_at: datetime | None = None
    programme: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    keep_contact: bool
    age_band: str | None = None
    ethnicity: str | None = None
    disability: str | None = None
    carer: str | None = None
    equality_language: str | None = None
    keep_equality: bool
    workshop_id: UUID | None = None
    prompt_id: UUID | None = None
    from_paper: bool
    while_live: bool


def _batch_row(row: NewContribution) -> _BatchRow:
    sub = row.submission
    contact, equality, placement = sub.contact, sub.equality, sub.placement
    return _BatchRow(
        id=row.id,
        reference=row.reference,
        kind=sub.kind,
        text=sub.text,
        source=sub.source,
        source_name=sub.source_name,
        neighbourhood=sub.neighbourhood,
        language=sub.language,
        locale=sub.locale,
        translation=sub.translation,
        consent_analysis=sub.consent.analysis,
        consent_quote=sub.consent.quote,
        consent_share=sub.consent.share,
        consent_contact=sub.consent.contact,
        entered_by=sub.entered_by,
        idempotency_key=sub.idempotency_key,
        request_fingerprint=sub.fingerprint,
        received_at=sub.received_at,
        programme=sub.programme,
        contact_name=contact.name if contact else None,
        contact_email=contact.email if contact else None,
        contact_phone=contact.phone if contact else None,
        keep_contact=bool(sub.consent.contact and contact and (contact.email or contact.phone)),
        age_band=equality.age_band if equality else None,
        ethnicity=equality.ethnicity if equality else None,
        disability=equality.disability if equality else None,
        carer=equality.carer if equality else None,
        equality_language=equality.language if equality else None,
        keep_equality=bool(equality and not equality.is_empty()),
        workshop_id=placement.workshop_id if placement else None,
        prompt_id=placement.prompt_id if placement else None,
        from_paper=bool(placement and placement.from_paper),
        while_live=bool(placement and placement.while_live),
    )


async def insert_batch(
    conn: Connection, rows: list[NewContribution], event_topic: str, *, handed_over: bool
) -> list[Written]:
    """Insert contributions with their contact details, equality answers, outbox events and (for workshop notes)
    their place on the board and board event, all in one statement, whatever the number of rows.

    Rows naming an unknown neighbourhood or programme are skipped here rather than failing the statement, so one
    person's mistake never fails everyone else's contribution; so are rows whose idempotency key was used before
    (ON CONFLICT) and notes from phones for a session that has closed. ``handed_over``: the caller enqueues the
    events itself after the commit, so they are written as already on their way (the relay never has to touch
    them). A row with a translation records who gave it (``entered_by``) and when (now).

    Notes lock their workshops' rows (FOR NO KEY UPDATE, in id order, before any board event is numbered) until
    the statement commits: nobody closes the session between the check and the commit, and each workshop's board
    events are numbered in the order they commit, so a board reading "everything after event N" never misses an
    N-1 committed later (engage.workshops.queries.add_event takes the same lock).
    Returns one `Written` per row, in order. The rows travel as one JSON document (msgspec encodes it in C) and
    come back as one: far less work in the web process than a parameter array per column.
    """
    document = await conn.fetchval(
        """
        WITH boards AS MATERIALIZED (
            SELECT id, code IS NOT NULL AND closed_at IS NULL AS open FROM workshops
            WHERE id = ANY($4::uuid[]) ORDER BY id FOR NO KEY UPDATE
        ), input AS (
            SELECT * FROM ROWS FROM (json_to_recordset($1::json) AS (
                id uuid, reference text, kind contribution_kind, text text, source contribution_source,
                source_name text, neighbourhood text, language text, locale text, translation text,
                consent_analysis boolean, consent_quote boolean, consent_share boolean, consent_contact boolean,
                entered_by uuid, idempotency_key text, request_fingerprint text, received_at timestamptz,
                programme text, contact_name text, contact_email text, contact_phone text, keep_contact boolean,
                age_band text, ethnicity text, disability text, carer text, equality_language text,
                keep_equality boolean, workshop_id uuid, prompt_id uuid, from_paper boolean, while_live boolean))
            WITH ORDINALITY AS u (id, reference, kind, text, source, source_name, neighbourhood, language, locale,
                translation, consent_analysis, consent_quote, consent_share, consent_contact, entered_by,
                idempotency_key, request_fingerprint, received_at, programme, contact_name, contact_email,
                contact_phone, keep_contact, age_band, ethnicity, disability, carer, equality_language, keep_equality,
                workshop_id, prompt_id, from_paper, while_live, position)
        ), checked AS (
            SELECT u.*,
                   u.workshop_id IS NULL
                       OR EXISTS (SELECT 1 FROM boards b WHERE b.id = u.workshop_id AND (b.open OR NOT u.while_live))
                       AS placement_open,
                   u.neighbourhood IS NULL
                       OR EXISTS (SELECT 1 FROM neighbourhoods n WHERE n.slug = u.neighbourhood) AS neighbourhood_known,
                   u.programme IS NULL
                       OR EXISTS (SELECT 1 FROM programmes p WHERE p.slug = u.programme) AS programme_known
            FROM input u
        ), c AS (
            INSERT INTO contributions (
                id, reference, kind, text, source, source_name, neighbourhood, language,
                consent_analysis, consent_quote, consent_share, consent_contact,
                entered_by, idempotency_key, request_fingerprint, received_at, programme, locale,
                translation, translated_by, translated_at)
            SELECT id, reference, kind, text, source, source_name, neighbourhood, language, consent_analysis,
                   consent_quote, consent_share, consent_contact, entered_by, idempotency_key, request_fingerprint,
                   coalesce(received_at, now()), programme, locale, translation,
                   CASE WHEN translation IS NOT NULL THEN entered_by END,
                   CASE WHEN translation IS NOT NULL THEN now() END
            FROM checked WHERE neighbourhood_known AND programme_known AND placement_open
            ORDER BY position
            ON CONFLICT (idempotency_key) DO NOTHING
            RETURNING id
        ), contact AS (
            INSERT INTO contribution_contacts (contribution_id, name, email, phone)
            SELECT i.id, i.contact_name, i.contact_email, i.contact_phone FROM checked i JOIN c USING (id)
            WHERE i.keep_contact
        ), equality AS (
            INSERT INTO contribution_equality (contribution_id, age_band, ethnicity, disability, carer, language)
            SELECT i.id, i.age_band, i.ethnicity, i.disability, i.carer, i.equality_language
            FROM checked i JOIN c USING (id) WHERE i.keep_equality
        ), event AS (
            INSERT INTO outbox (topic, payload, enqueued_at, enqueue_count)
            SELECT $2, jsonb_build_object('contribution_id', i.id), CASE WHEN $3 THEN now() END, $3::int
            FROM checked i JOIN c USING (id) ORDER BY i.position
            RETURNING id, payload->>'contribution_id' AS contribution_id
        ), note AS (
            INSERT INTO workshop_notes (contribution_id, workshop_id, prompt_id, from_paper)
            SELECT i.id, i.workshop_id, i.prompt_id, i.from_paper FROM checked i JOIN c USING (id)
            WHERE i.workshop_id IS NOT NULL
        ), board AS (
            INSERT INTO board_events (workshop_id, kind, contribution_id, payload)
            SELECT i.workshop_id, 'note', i.id,
                   jsonb_build_object('id', i.id, 'prompt_id', i.prompt_id, 'from_paper', i.from_paper)
            FROM checked i JOIN c USING (id) WHERE i.workshop_id IS NOT NULL ORDER BY i.position
        )
        SELECT json_agg(json_build_object(
                   'id', i.id, 'inserted', c.id IS NOT NULL, 'neighbourhood_known', i.neighbourhood_known,
                   'programme_known', i.programme_known, 'placement_open', i.placement_open, 'event_id', e.id)
               ORDER BY i.position)
        FROM checked i LEFT JOIN c USING (id) LEFT JOIN event e ON e.contribution_id = i.id::text
        """,
        _ROWS.encode([_batch_row(row) for row in rows]).decode(),
        event_topic,
        handed_over,
        sorted({row.submission.placement.workshop_id for row in rows if row.submission.placement}),
    )
    return _WRITTEN.decode(document)


_ROWS = msgspec.json.Encoder()
_WRITTEN = msgspec.json.Decoder(list[Written])


async def insert_contribution(
    conn: Connection, contribution_id: UUID, reference: str, sub: Submission, event_topic: str
) -> Written:
    """One contribution by the batch statement, for writers without a batcher (`submit_contribution`: a paper
    form with a printed reference, the importer, demo data); its event is left for the outbox relay."""
    rows = [NewContribution(id=contribution_id, reference=reference, submission=sub)]
    return (await insert_batch(conn, rows, event_topic, handed_over=False))[0]


async def end_session(conn: Connection, server_pid: int, started_before: datetime) -> None:
    """End another session of ours whose last statement has an unknown outcome (its client timed out or lost the
    connection), and wait until it has ended: the statement has then committed or never will. ``started_before``
    makes sure a process id reused since by a newer session is left alone."""
    await conn.execute(
        """SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity
           WHERE pid = $1 AND backend_start < $2 AND pid <> pg_backend_pid()""",
        server_pid,
        started_before,
    )


class ExistingByKey(msgspec.Struct):
    id: UUID
    reference: str
    request_fingerprint: str | None


async def get_by_idempotency_keys(conn: Connection, keys: list[str]) -> dict[str, ExistingByKey]:
    """The contributions first stored with these idempotency keys, by key."""
    records = await conn.fetch(
        """SELECT idempotency_key, id, reference, request_fingerprint FROM contributions
           WHERE idempotency_key = ANY($1::text[])""",
        keys,
    )
    return {r["idempotency_key"]: msgspec.convert(dict(r), ExistingByKey) for r in records}


async def get_contribution(conn: Connection, contribution_id: UUID, sight: Sight) -> ContributionRow | None:
    """One contribution as this reader may see it, or None when it does not exist or they may not see it."""
    record = await conn.fetchrow(
        f"""SELECT {_row_columns(sight)} FROM contributions c
            LEFT JOIN neighbourhoods n ON n.slug = c.neighbourhood
            WHERE c.id = $1 AND {visible(sight)}""",  # noqa: S608
        contribution_id,
    )
    return None if record is None else _row(record)


async def get_contact(conn: Connection, contribution_id: UUID) -> Contact | None:
    record = await conn.fetchrow(
        "SELECT name, email, phone FROM contribution_contacts WHERE contribution_id = $1", contribution_id
    )
    return None if record is None else msgspec.convert(dict(record), Contact)


async def get_equality(conn: Connection, contribution_id: UUID) -> Equality | None:
    record = await conn.fetchrow(
        """SELECT age_band, ethnicity, disability, carer, language
           FROM contribution_equality WHERE contribution_id = $1""",
        contribution_id,
    )
    return None if record is None else msgspec.convert(dict(record), Equality)


class WithdrawalTarget(msgspec.Struct):
    id: UUID
    reference: str


async def find_for_withdrawal(conn: Connection, reference: str) -> WithdrawalTarget | None:
    record = await conn.fetchrow("SELECT id, reference FROM contributions WHERE reference = $1 FOR UPDATE", reference)
    return None if record is None else msgspec.convert(dict(record), WithdrawalTarget)


async def lock_for_withdrawal(conn: Connection, contribution_id: UUID) -> WithdrawalTarget | None:
    record = await conn.fetchrow("SELECT id, reference FROM contributions WHERE id = $1 FOR UPDATE", contribution_id)
    return None if record is None else msgspec.convert(dict(record), WithdrawalTarget)


async def find_withdrawn(conn: Connection, reference: str) -> WithdrawalTarget | None:
    record = await conn.fetchrow(
        "SELECT contribution_id AS id, reference FROM withdrawals WHERE reference = $1", reference
    )
    return None if record is None else msgspec.convert(dict(record), WithdrawalTarget)


async def delete_and_record_withdrawal(
    conn: Connection,
    contribution_id: UUID,
    via: str,
    *,
    withdrawn_by: UUID | None = None,
    reason: str | None = None,
) -> None:
    """Delete the contribution (and, by cascade, everything derived from it), keeping a contentless record."""
    await conn.execute(
        """
        WITH gone AS (DELETE FROM contributions WHERE id = $1 RETURNING id, reference, kind, received_at)
        INSERT INTO withdrawals (contribution_id, reference, kind, received_at, via, withdrawn_by, reason)
        SELECT id, reference, kind, received_at, $2, $3, $4 FROM gone
        """,
        contribution_id,
        via,
        withdrawn_by,
        reason,
    )


def _where(filters: ContributionFilters, sight: Sight, *, with_theme: bool = True) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    args: list[Any] = []

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if filters.kind:
        clauses.append(f"c.kind = {arg(filters.kind)}::contribution_kind")
    if filters.neighbourhood:
        clauses.append(f"c.neighbourhood = {arg(filters.neighbourhood)}")
    if filters.programme:
        clauses.append(f"c.programme = {arg(filters.programme)}")
    if filters.age_band:
        clauses.append(
            f"""EXISTS (SELECT 1 FROM contribution_equality e
                        WHERE e.contribution_id = c.id AND e.age_band = {arg(filters.age_band)})"""  # noqa: S608
        )
    if filters.source:
        if filters.source in SOURCE_LABELS:
            clauses.append(f"c.source = {arg(filters.source)}::contribution_source")
        else:
            clauses.append(f"c.source_name = {arg(filters.source)}")
    if filters.received_from:
        clauses.append(f"c.received_at >= {arg(filters.received_from)}")
    if filters.received_to:
        clauses.append(f"c.received_at < {arg(filters.received_to)}")
    if filters.theme and with_theme:
        clauses.append(
            f"""EXISTS (SELECT 1 FROM contribution_tags t WHERE t.contribution_id = c.id AND t.given
                        AND t.framework_id = {arg(filters.framework)} AND t.theme_id = {arg(filters.theme)})"""  # noqa: S608
        )
    if filters.flagged is not None:
        flagged = """EXISTS (SELECT 1 FROM safeguarding_flags f
                        WHERE f.contribution_id = c.id AND f.status <> 'not_a_concern')"""
        clauses.append(flagged if filters.flagged else f"NOT {flagged}")
    if filters.q:
        clauses.append(f"{search_vector(sight)} @@ websearch_to_tsquery('english', {arg(filters.q)})")
    clauses.append(visible(sight))
    return " AND ".join(clauses), args


async def list_contributions(conn: Connection, filters: ContributionFilters, sight: Sight) -> ContributionPage:
    """A page of the contributions this reader may see, newest first (best match first when searching)."""
    where, args = _where(filters, sight)
    total = await conn.fetchval(f"SELECT count(*) FROM contributions c WHERE {where}", *args)  # noqa: S608
    per_page = max(1, min(filters.per_page, 200))
    page = max(1, filters.page)
    order = ""
    if filters.q:
        args.append(filters.q)
        order = f"ts_rank({search_vector(sight)}, websearch_to_tsquery('english', ${len(args)})) DESC,"
    records = await conn.fetch(
        f"""SELECT {_row_columns(sight)} FROM contributions c
            LEFT JOIN neighbourhoods n ON n.slug = c.neighbourhood
            WHERE {where}
            ORDER BY {order} c.received_at DESC, c.id
            LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}""",  # noqa: S608
        *args,
        per_page,
        (page - 1) * per_page,
    )
    return ContributionPage(items=[_row(r) for r in records], total=total, page=page, per_page=per_page)


async def count_by_theme(conn: Connection, filters: ContributionFilters, sight: Sight) -> dict[str, int]:
    """How many contributions this reader may see, matching the other filters, carry each theme (the theme filter
    itself is ignored, so the counts say what choosing each theme would show)."""
    where, args = _where(filters, sight, with_theme=False)
    args.append(filters.framework)
    records = await conn.fetch(
        f"""SELECT t.theme_id, count(*) AS n FROM contributions c
            JOIN contribution_tags t ON t.contribution_id = c.id AND t.given AND t.framework_id = ${len(args)}
            WHERE {where} GROUP BY t.theme_id""",  # noqa: S608
        *args,
    )
    return {r["theme_id"]: r["n"] for r in records}


async def list_source_names(conn: Connection) -> list[str]:
    records = await conn.fetch(
        "SELECT DISTINCT source_name FROM contributions WHERE source_name IS NOT NULL ORDER BY 1"
    )
    return [r["source_name"] for r in records]


async def list_neighbourhoods(conn: Connection, *, active_only: bool = True) -> list[Neighbourhood]:
    records = await conn.fetch(
        "SELECT slug, name, borough, active FROM neighbourhoods WHERE active OR NOT $1 ORDER BY name",
        active_only,
    )
    return [msgspec.convert(dict(r), Neighbourhood) for r in records]


async def upsert_neighbourhood(conn: Connection, hood: Neighbourhood) -> None:
    await conn.execute(
        """INSERT INTO neighbourhoods (slug, name, borough, active) VALUES ($1, $2, $3, $4)
           ON CONFLICT (slug) DO UPDATE SET name = $2, borough = $3, active = $4""",
        hood.slug,
        hood.name,
        hood.borough,
        hood.active,
    )


async def count_contributions(conn: Connection) -> int:
    return await conn.fetchval("SELECT count(*) FROM contributions")  # type: ignore[no-any-return]


async def export_rows(conn: Connection, programme: str, sight: Sight) -> list[ContributionExport]:
    """A programme's contributions this reader may see, for a CSV export: the words as they may read them and what
    is known about them, never contact details or equality answers."""
    records = await conn.fetch(
        f"""SELECT c.reference, c.kind::text AS kind, c.received_at, c.neighbourhood, c.source::text AS source,
                  c.source_name, c.language, c.consent_quote,
                  array_to_string(ARRAY(SELECT t.theme_id FROM contribution_tags t
                                        WHERE t.contribution_id = c.id AND t.given ORDER BY t.theme_id), ';') AS themes,
                  {words(sight)} AS text
           FROM contributions c
           WHERE c.programme = $1 AND {visible(sight)}
           ORDER BY c.received_at, c.id""",  # noqa: S608
        programme,
    )
    return [msgspec.convert(dict(r), ContributionExport) for r in records]


async def set_quote_approval(conn: Connection, contribution_id: UUID, approver: UUID | None) -> None:
    """Approve the words for quoting (approver given) or withdraw the approval (None)."""
    await conn.execute(
        """UPDATE contributions SET quote_approved_at = CASE WHEN $2::uuid IS NULL THEN NULL ELSE now() END,
                  quote_approved_by = $2 WHERE id = $1""",
        contribution_id,
        approver,
    )


class TextToRedact(msgspec.Struct, frozen=True):
    id: UUID
    text: str
    """The words redacted readers read: the translation when there is one, else the words as written."""
    original: str | None = None
    """The words as written, when `text` is a translation (redacted too, for the original on request)."""


async def texts_to_redact(
    conn: Connection, version: str, *, ids: list[UUID] | None = None, limit: int = 500
) -> list[TextToRedact]:
    """Contributions (of ``ids``, or any) whose stored redaction is missing or was made by another redactor."""
    records = await conn.fetch(
        f"""SELECT id, {analysed_words("contributions")} AS text,
                   CASE WHEN translation IS NOT NULL THEN text END AS original FROM contributions
           WHERE ($1::uuid[] IS NULL OR id = ANY($1)) AND redactor_version IS DISTINCT FROM $2
           ORDER BY id LIMIT $3""",  # noqa: S608
        ids,
        version,
        limit,
    )
    return [TextToRedact(r["id"], r["text"], r["original"]) for r in records]


async def save_redactions(conn: Connection, redactions: list[TextToRedact], version: str) -> int:
    """Store redacted words (a contribution withdrawn meanwhile is simply not there to update)."""
    if not redactions:
        return 0
    result = await conn.execute(
        """UPDATE contributions c SET redacted_text = u.text, redacted_original = u.original, redactor_version = $4
           FROM unnest($1::uuid[], $2::text[], $3::text[]) AS u(id, text, original) WHERE c.id = u.id""",
        [r.id for r in redactions],
        [r.text for r in redactions],
        [r.original for r in redactions],
        version,
    )
    return int(result.split()[-1])


async def stop_quoting(conn: Connection, contribution_id: UUID) -> None:
    """No more quoting: the consent and any approval go, and a quote in a digest already built is replaced."""
    await conn.execute(
        """UPDATE contributions SET consent_quote = false, quote_approved_at = NULL, quote_approved_by = NULL
           WHERE id = $1""",
        contribution_id,
    )
    await conn.execute("SELECT forget_quote($1, 'Removed at its author''s request.')", contribution_id)


async def stop_sharing(conn: Connection, contribution_id: UUID) -> None:
    await conn.execute("UPDATE contributions SET consent_share = false WHERE id = $1", contribution_id)


async def stop_contact(conn: Connection, contribution_id: UUID) -> None:
    """No more contact: the consent, the contact details and any email not yet sent go."""
    await conn.execute("UPDATE contributions SET consent_contact = false WHERE id = $1", contribution_id)
    await conn.execute("DELETE FROM contribution_contacts WHERE contribution_id = $1", contribution_id)
    await conn.execute(
        "DELETE FROM mail_messages WHERE contribution_id = $1 AND status IN ('queued', 'failed')", contribution_id
    )


async def set_translation(conn: Connection, contribution_id: UUID, translation: str, by: UUID) -> bool:
    """Keep a translation beside the words as written. Its analysis and model-made tags go (the tagger tags the
    translation next, which puts it back in the review queue; a person's decisions stay) and it is redacted again.
    False when there is no such contribution."""
    updated = await conn.fetchval(
        """UPDATE contributions SET translation = $2, translated_by = $3, translated_at = now(),
                  redactor_version = NULL
           WHERE id = $1 RETURNING id""",
        contribution_id,
        translation,
        by,
    )
    if updated is None:
        return False
    await conn.execute("DELETE FROM contribution_analyses WHERE contribution_id = $1", contribution_id)
    await conn.execute("DELETE FROM contribution_tags WHERE contribution_id = $1 AND source = 'model'", contribution_id)
    return True


async def newest_by_theme(
    conn: Connection, filters: ContributionFilters, sight: Sight, *, per_theme: int
) -> dict[str, list[ContributionRow]]:
    """For every theme of `filters.framework`, the newest `per_theme` contributions this reader may see that match
    the other filters and carry it (as `list_contributions` would list them, theme by theme), in one statement."""
    where, args = _where(filters, sight, with_theme=False)
    records = await conn.fetch(
        f"""SELECT * FROM (
                SELECT t.theme_id AS evidence_theme, {_row_columns(sight)},
                       row_number() OVER (PARTITION BY t.theme_id ORDER BY c.received_at DESC, c.id) AS evidence_rank
                FROM contributions c
                JOIN contribution_tags t ON t.contribution_id = c.id AND t.given AND t.framework_id = ${len(args) + 1}
                LEFT JOIN neighbourhoods n ON n.slug = c.neighbourhood
                WHERE {where}
            ) ranked
            WHERE evidence_rank <= ${len(args) + 2}
            ORDER BY evidence_theme, evidence_rank""",  # noqa: S608
        *args,
        filters.framework,
        per_theme,
    )
    found: dict[str, list[ContributionRow]] = {}
    for r in records:
        row = dict(r)
        theme, _ = row.pop("evidence_theme"), row.pop("evidence_rank")
        found.setdefault(theme, []).append(msgspec.convert(row, ContributionRow))
    return found
