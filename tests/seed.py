"""Contributions written straight to the database with the tags, flags and equality answers a test needs (the
tagging pipeline has tests of its own; these are about what is read back)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg

import nlp
from engage.ids import new_reference
from nlp.redact import REDACTOR_VERSION, redact

FRAMEWORK = "lambeth-what-matters"
SHIPPED_MODEL = json.loads((Path(nlp.__file__).parent / "models" / FRAMEWORK / "model.json").read_text())["version"]
"""What the worker tags with when no retrained model is active (the tests start with none)."""


async def add_contributions(conn: asyncpg.Connection, rows: list[dict[str, Any]]) -> list[uuid.UUID]:
    """Each row: text, at (datetime), and optionally neighbourhood, themes, quote, approved, flagged, programme,
    kind, equality (dict of age_band/ethnicity/disability/carer). Redacted as the worker would."""
    ids = [uuid.uuid4() for _ in rows]
    await conn.executemany(
        """INSERT INTO contributions (id, reference, kind, text, source, neighbourhood, consent_analysis,
                                      consent_quote, received_at, quote_approved_at, programme, redacted_text,
                                      redactor_version)
           VALUES ($1, $2, $3::contribution_kind, $4, 'import', $5, true, $6, $7,
                   CASE WHEN $8 THEN now() END, $9, $10, $11)""",
        [
            (
                cid,
                new_reference(),
                row.get("kind", "i_statement"),
                row["text"],
                row.get("neighbourhood", "brixton"),
                row.get("quote", False),
                row["at"],
                row.get("approved", False),
                row.get("programme"),
                redact(row["text"]).text,
                REDACTOR_VERSION,
            )
            for cid, row in zip(ids, rows, strict=True)
        ],
    )
    await conn.executemany(
        """INSERT INTO contribution_tags (contribution_id, framework_id, theme_id, source, confidence)
           VALUES ($1, $2, $3, 'model', $4)""",
        [
            (cid, FRAMEWORK, theme, row.get("confidence", 0.9))
            for cid, row in zip(ids, rows, strict=True)
            for theme in row.get("themes", ["safe"])
        ],
    )
    # Analysed by the active model, so that a running worker's re-tagging sweep leaves these tags alone.
    await conn.execute(
        """INSERT INTO contribution_analyses (contribution_id, framework_id, model_version, scores, detected_language,
                                              needs_translation, margin)
           SELECT id, $2, coalesce((SELECT version FROM theme_models WHERE framework_id = $2 AND status = 'active'),
                                   $3), '{}', 'en', false, 1
           FROM unnest($1::uuid[]) AS id""",
        ids,
        FRAMEWORK,
        SHIPPED_MODEL,
    )
    await conn.executemany(
        "INSERT INTO safeguarding_flags (contribution_id, raised_by) VALUES ($1, 'rules')",
        [(cid,) for cid, row in zip(ids, rows, strict=True) if row.get("flagged")],
    )
    await conn.executemany(
        """INSERT INTO contribution_equality (contribution_id, age_band, ethnicity, disability, carer)
           VALUES ($1, $2, $3, $4, $5)""",
        [
            (cid, e.get("age_band"), e.get("ethnicity"), e.get("disability"), e.get("carer"))
            for cid, row in zip(ids, rows, strict=True)
            if (e := row.get("equality"))
        ],
    )
    return ids


def many(count: int, text: str, at: datetime, **extra: Any) -> list[dict[str, Any]]:
    return [{"text": f"{text} ({i})", "at": at, **extra} for i in range(count)]
