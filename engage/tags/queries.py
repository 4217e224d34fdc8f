"""The only SQL for frameworks, tags, analyses, the review queue and model versions."""

from __future__ import annotations

import json
from datetime import datetime
from uuid import UUID

import asyncpg
import msgspec

from engage.db import Connection
from engage.privacy.visibility import Sight, analysed_words, original_words, visible, words
from engage.tags.models import (
    Analysis,
    Correction,
    FrameworkInfo,
    ModelVersion,
    ReviewItem,
    StoredModel,
    Tag,
    Tagging,
    TextToTag,
    evidence_list,
)


async def upsert_framework(conn: Connection, document: bytes, *, builtin: bool, added_by: UUID | None = None) -> None:
    parsed = json.loads(document)
    await conn.execute(
        """INSERT INTO frameworks (id, name, document, builtin, added_by) VALUES ($1, $2, $3::jsonb, $4, $5)
           ON CONFLICT (id) DO UPDATE SET name = excluded.name, document = excluded.document,
                                          builtin = excluded.builtin""",
        parsed["id"],
        parsed["name"],
        document.decode(),
        builtin,
        added_by,
    )


def _framework(record: asyncpg.Record) -> FrameworkInfo:
    document = json.loads(record["document"])
    return msgspec.convert({**document, "builtin": record["builtin"]}, FrameworkInfo, strict=False)


async def get_framework(conn: Connection, framework_id: str) -> FrameworkInfo | None:
    record = await conn.fetchrow(
        "SELECT document::text AS document, builtin FROM frameworks WHERE id = $1", framework_id
    )
    return None if record is None else _framework(record)


async def get_framework_document(conn: Connection, framework_id: str) -> bytes | None:
    document = await conn.fetchval("SELECT document::text FROM frameworks WHERE id = $1", framework_id)
    return None if document is None else str(document).encode()


async def list_frameworks(conn: Connection) -> list[FrameworkInfo]:
    records = await conn.fetch("SELECT document::text AS document, builtin FROM frameworks ORDER BY builtin DESC, id")
    return [_framework(r) for r in records]


async def active_model_version(conn: Connection, framework_id: str) -> str | None:
    value = await conn.fetchval(
        "SELECT version FROM theme_models WHERE framework_id = $1 AND status = 'active'", framework_id
    )
    return None if value is None else str(value)


async def get_active_model(conn: Connection, framework_id: str) -> StoredModel | None:
    record = await conn.fetchrow(
        "SELECT version, card, weights FROM theme_models WHERE framework_id = $1 AND status = 'active'", framework_id
    )
    return (
        None
        if record is None
        else StoredModel(version=record["version"], card=record["card"], weights=record["weights"])
    )


async def insert_model(
    conn: Connection,
    *,
    version: str,
    framework_id: str,
    active: bool,
    card: bytes,
    weights: bytes,
    dev_micro_f1: float | None,
    dev_macro_f1: float | None,
    train_examples: int,
    corrections: int,
    note: str,
    trained_at: datetime,
) -> None:
    if active:
        await conn.execute(
            "UPDATE theme_models SET status = 'retired' WHERE framework_id = $1 AND status = 'active'", framework_id
        )
    await conn.execute(
        """INSERT INTO theme_models (version, framework_id, status, card, weights, dev_micro_f1, dev_macro_f1,
                                     train_examples, corrections, note, trained_at)
           VALUES ($1, $2, $3::model_status, $4, $5, $6, $7, $8, $9, $10, $11)
           ON CONFLICT (version) DO NOTHING""",
        version,
        framework_id,
        "active" if active else "rejected",
        card,
        weights,
        dev_micro_f1,
        dev_macro_f1,
        train_examples,
        corrections,
        note,
        trained_at,
    )


async def list_models(conn: Connection, framework_id: str, *, limit: int = 20) -> list[ModelVersion]:
    records = await conn.fetch(
        """SELECT version, framework_id, status::text AS status, dev_micro_f1, dev_macro_f1, train_examples,
                  corrections, note, trained_at, decided_at
           FROM theme_models WHERE framework_id = $1 ORDER BY decided_at DESC LIMIT $2""",
        framework_id,
        limit,
    )
    return [msgspec.convert(dict(r), ModelVersion) for r in records]


async def texts_to_tag(
    conn: Connection, contribution_ids: list[UUID], *, skip_version: str | None = None
) -> list[TextToTag]:
    """The texts of these contributions that still exist, leaving out those already tagged by `skip_version`."""
    records = await conn.fetch(
        f"""SELECT c.id, {analysed_words()} AS text FROM contributions c
           LEFT JOIN contribution_analyses a ON a.contribution_id = c.id
           WHERE c.id = ANY($1) AND (a.model_version IS DISTINCT FROM $2 OR $2 IS NULL)
           ORDER BY c.id""",  # noqa: S608
        contribution_ids,
        skip_version,
    )
    return [TextToTag(id=r["id"], text=r["text"]) for r in records]


async def stale_contribution_ids(
    conn: Connection, model_version: str, *, limit: int, settled_for_s: float = 30.0
) -> list[UUID]:
    """Contributions never analysed (and received a while ago, so not still on their way through the event
    queue) or analysed by another model version: what the re-tagging sweep works through."""
    records = await conn.fetch(
        """SELECT c.id FROM contributions c
           LEFT JOIN contribution_analyses a ON a.contribution_id = c.id
           WHERE (a.contribution_id IS NULL AND c.received_at < now() - make_interval(secs => $3))
              OR a.model_version <> $1
           ORDER BY c.received_at LIMIT $2""",
        model_version,
        limit,
        settled_for_s,
    )
    return [r["id"] for r in records]


async def save_taggings(conn: Connection, framework_id: str, model_version: str, taggings: list[Tagging]) -> int:
    """Record analyses and replace model-made tags. A person's tag (given or removed) is never touched, and a
    contribution withdrawn meanwhile is skipped. Returns the number of model tags written."""
    if not taggings:
        return 0
    ids = [t.contribution_id for t in taggings]
    await conn.execute(
        """INSERT INTO contribution_analyses (contribution_id, framework_id, model_version, scores, sentiment,
                                              detected_language, needs_translation, margin)
           SELECT u.id, $2, $3, u.scores::jsonb, u.sentiment, u.language, u.needs_translation, u.margin
           FROM unnest($1::uuid[], $4::text[], $5::text[], $6::text[], $7::boolean[], $8::real[])
                AS u(id, scores, sentiment, language, needs_translation, margin)
           JOIN contributions c ON c.id = u.id
           ON CONFLICT (contribution_id) DO UPDATE SET
               framework_id = excluded.framework_id, model_version = excluded.model_version,
               scores = excluded.scores, sentiment = excluded.sentiment,
               detected_language = excluded.detected_language, needs_translation = excluded.needs_translation,
               margin = excluded.margin, analysed_at = now()""",
        ids,
        framework_id,
        model_version,
        [msgspec.json.encode(t.scores).decode() for t in taggings],
        [t.sentiment for t in taggings],
        [t.language for t in taggings],
        [t.needs_translation for t in taggings],
        [t.margin for t in taggings],
    )
    frameworks = [framework_id, *{o.framework_id for t in taggings for o in t.others}]
    await conn.execute(
        """DELETE FROM contribution_tags
           WHERE contribution_id = ANY($1) AND framework_id = ANY($2) AND source = 'model'""",
        ids,
        frameworks,
    )
    rows = [
        (t.contribution_id, framework_id, model_version, theme, t.scores.get(theme), t.evidence.get(theme, []))
        for t in taggings
        for theme in t.themes
    ] + [
        (t.contribution_id, o.framework_id, o.model_version, theme, o.scores.get(theme), o.evidence.get(theme, []))
        for t in taggings
        for o in t.others
        for theme in o.themes
    ]
    if not rows:
        return 0
    # A person's tag (given or removed) in any framework stays: ON CONFLICT leaves it.
    result = await conn.execute(
        """INSERT INTO contribution_tags (contribution_id, framework_id, theme_id, given, source, confidence,
                                          evidence, model_version)
           SELECT u.id, u.framework, u.theme, true, 'model', u.confidence, u.evidence::jsonb, u.version
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::real[], $6::text[])
                AS u(id, framework, version, theme, confidence, evidence)
           JOIN contributions c ON c.id = u.id
           JOIN frameworks f ON f.id = u.framework
           ON CONFLICT (contribution_id, framework_id, theme_id) DO NOTHING""",
        [row[0] for row in rows],
        [row[1] for row in rows],
        [row[2] for row in rows],
        [row[3] for row in rows],
        [row[4] for row in rows],
        [msgspec.json.encode(row[5]).decode() for row in rows],
    )
    return int(result.split()[-1])


def _tag(record: asyncpg.Record) -> Tag:
    return Tag(
        theme_id=record["theme_id"],
        given=record["given"],
        source=record["source"],
        confidence=record["confidence"],
        evidence=evidence_list(json.loads(record["evidence"])),
        model_version=record["model_version"],
        tagged_by_name=record["tagged_by_name"],
        tagged_at=record["tagged_at"],
    )


_TAG_COLUMNS = """t.theme_id, t.given, t.source::text AS source, t.confidence, t.evidence::text AS evidence,
                  t.model_version, u.name AS tagged_by_name, t.tagged_at"""


async def tags_for(conn: Connection, contribution_id: UUID, framework_id: str) -> list[Tag]:
    records = await conn.fetch(
        f"""SELECT {_TAG_COLUMNS} FROM contribution_tags t LEFT JOIN users u ON u.id = t.tagged_by
            WHERE t.contribution_id = $1 AND t.framework_id = $2
            ORDER BY t.given DESC, t.confidence DESC NULLS FIRST, t.theme_id""",  # noqa: S608
        contribution_id,
        framework_id,
    )
    return [_tag(r) for r in records]


async def analysis_for(conn: Connection, contribution_id: UUID) -> Analysis | None:
    record = await conn.fetchrow(
        """SELECT a.model_version, a.scores::text AS scores, a.sentiment, a.detected_language, a.needs_translation,
                  a.margin, a.analysed_at, a.reviewed_at, u.name AS reviewed_by_name
           FROM contribution_analyses a LEFT JOIN users u ON u.id = a.reviewed_by
           WHERE a.contribution_id = $1""",
        contribution_id,
    )
    if record is None:
        return None
    return msgspec.convert({**dict(record), "scores": json.loads(record["scores"])}, Analysis)


async def review_queue(conn: Connection, framework_id: str, *, limit: int) -> list[UUID]:
    """Unreviewed contributions, least confident first (not-English ones, margin 0, lead)."""
    records = await conn.fetch(
        """SELECT a.contribution_id FROM contribution_analyses a
           WHERE a.reviewed_at IS NULL AND a.framework_id = $1
           ORDER BY a.margin, a.analysed_at, a.contribution_id LIMIT $2""",
        framework_id,
        limit,
    )
    return [r["contribution_id"] for r in records]


async def review_queue_size(conn: Connection, framework_id: str) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM contribution_analyses WHERE reviewed_at IS NULL AND framework_id = $1", framework_id
        )
    )


async def review_item(conn: Connection, contribution_id: UUID, framework_id: str, sight: Sight) -> ReviewItem | None:
    record = await conn.fetchrow(
        f"""SELECT c.id, c.reference, c.kind::text AS kind, {words(sight)} AS text, c.received_at,
                   CASE WHEN c.translation IS NOT NULL THEN c.language END AS translated_from,
                   CASE WHEN c.translation IS NOT NULL THEN {original_words(sight)} END AS original
            FROM contributions c WHERE c.id = $1 AND {visible(sight)}""",  # noqa: S608
        contribution_id,
    )
    analysis = await analysis_for(conn, contribution_id)
    if record is None or analysis is None:
        return None
    return ReviewItem(
        contribution_id=record["id"],
        reference=record["reference"],
        kind=record["kind"],
        text=record["text"],
        received_at=record["received_at"],
        analysis=analysis,
        tags=await tags_for(conn, contribution_id, framework_id),
        translated_from=record["translated_from"],
        original=record["original"],
    )


async def record_review(
    conn: Connection,
    contribution_id: UUID,
    framework_id: str,
    decisions: dict[str, bool],
    reviewer: UUID,
) -> None:
    """Each theme of the framework becomes a person's decision, given or removed; the evidence and confidence of
    a model tag the person kept stay with it."""
    await conn.execute(
        """INSERT INTO contribution_tags (contribution_id, framework_id, theme_id, given, source, tagged_by)
           SELECT $1, $2, u.theme, u.given, 'person', $5
           FROM unnest($3::text[], $4::boolean[]) AS u(theme, given)
           ON CONFLICT (contribution_id, framework_id, theme_id) DO UPDATE SET
               given = excluded.given, source = 'person', tagged_by = excluded.tagged_by, tagged_at = now(),
               confidence = CASE WHEN excluded.given THEN contribution_tags.confidence END,
               evidence = CASE WHEN excluded.given THEN contribution_tags.evidence ELSE '[]'::jsonb END""",
        contribution_id,
        framework_id,
        list(decisions),
        list(decisions.values()),
        reviewer,
    )
    await conn.execute(
        "UPDATE contribution_analyses SET reviewed_at = now(), reviewed_by = $2 WHERE contribution_id = $1",
        contribution_id,
        reviewer,
    )


async def corrections(conn: Connection, framework_id: str) -> list[Correction]:
    records = await conn.fetch(
        f"""SELECT {analysed_words()} AS text, ARRAY(SELECT t.theme_id FROM contribution_tags t
                                WHERE t.contribution_id = c.id AND t.framework_id = $1 AND t.given
                                ORDER BY t.theme_id) AS themes
           FROM contributions c JOIN contribution_analyses a ON a.contribution_id = c.id
           WHERE a.reviewed_at IS NOT NULL AND a.framework_id = $1 AND NOT a.needs_translation
           ORDER BY a.reviewed_at""",  # noqa: S608
        framework_id,
    )
    return [Correction(text=r["text"], themes=list(r["themes"])) for r in records]


async def lock_retagging(conn: Connection, framework_id: str) -> bool:
    """Only one worker re-tags a framework at a time (the lock ends with the transaction)."""
    return bool(await conn.fetchval("SELECT pg_try_advisory_xact_lock(hashtext('retag:' || $1))", framework_id))
