"""The only SQL for digests. A digest reads the base tables (exact, and fast enough for one board's period with
the indexes on received_at); the dashboard reads the monthly rollups instead (see engage.dashboards)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import msgspec

from engage.db import Connection
from engage.digests.models import (
    Digest,
    DigestContent,
    PeriodCounts,
    ProgrammeProgress,
    QuoteCandidate,
    ResponseInPeriod,
    StoredDigest,
)

# $1, $2: the time range; $3: framework; $4, $5, $6: theme, neighbourhood and programme filters (empty: all).
_MATCHED = """matched AS (
    SELECT c.id, c.received_at, c.neighbourhood FROM contributions c
    WHERE c.received_at >= $1 AND c.received_at < $2
      AND (cardinality($5::text[]) = 0 OR c.neighbourhood = ANY($5::text[]))
      AND (cardinality($6::text[]) = 0 OR c.programme = ANY($6::text[]))
      AND (cardinality($4::text[]) = 0 OR EXISTS (
            SELECT 1 FROM contribution_tags t WHERE t.contribution_id = c.id AND t.framework_id = $3
            AND t.given AND t.theme_id = ANY($4::text[]))))"""


class Filters(msgspec.Struct, frozen=True, kw_only=True):
    framework_id: str
    themes: list[str]
    neighbourhoods: list[str]
    programmes: list[str]

    def args(self) -> tuple[Any, ...]:
        return (self.framework_id, self.themes, self.neighbourhoods, self.programmes)


async def counts(conn: Connection, since: datetime, split: datetime, until: datetime, filters: Filters) -> PeriodCounts:
    """Totals, theme counts and neighbourhood counts for [since, split) ("previous") and [split, until)."""
    records = await conn.fetch(
        f"""WITH {_MATCHED},
           tagged AS (
             SELECT m.received_at >= $7 AS current, t.theme_id FROM matched m
             JOIN contribution_tags t ON t.contribution_id = m.id AND t.framework_id = $3 AND t.given
             WHERE cardinality($4::text[]) = 0 OR t.theme_id = ANY($4::text[]))
           SELECT 'theme' AS what, theme_id AS key, count(*) FILTER (WHERE current) AS now,
                  count(*) FILTER (WHERE NOT current) AS before FROM tagged GROUP BY theme_id
           UNION ALL
           SELECT 'place', coalesce(n.name, 'Not given'), count(*) FILTER (WHERE m.received_at >= $7),
                  count(*) FILTER (WHERE m.received_at < $7)
           FROM matched m LEFT JOIN neighbourhoods n ON n.slug = m.neighbourhood GROUP BY 2
           UNION ALL
           SELECT 'total', '', count(*) FILTER (WHERE received_at >= $7), count(*) FILTER (WHERE received_at < $7)
           FROM matched""",  # noqa: S608
        since,
        until,
        *filters.args(),
        split,
    )
    found: dict[str, dict[str, tuple[int, int]]] = {"theme": {}, "place": {}}
    total = (0, 0)
    for r in records:
        if r["what"] == "total":
            total = (r["now"], r["before"])
        else:
            found[r["what"]][r["key"]] = (r["now"], r["before"])
    return PeriodCounts(themes=found["theme"], places=found["place"], total=total)


async def quotable(
    conn: Connection, since: datetime, until: datetime, filters: Filters, themes: list[str], per_theme: int
) -> list[QuoteCandidate]:
    """The contributions a digest may quote for each theme, most confidently tagged first: the author consented
    to quoting, a facilitator approved the words, no safeguarding flag was ever raised on them, and the worker has
    redacted them (the quote is the redacted words)."""
    records = await conn.fetch(
        """WITH ranked AS (
                 SELECT t.theme_id, c.id, c.redacted_text AS text, c.kind::text AS kind, n.name AS neighbourhood,
                        c.received_at, c.language, c.translation IS NOT NULL AS translated,
                        c.redacted_original AS original,
                        row_number() OVER (PARTITION BY t.theme_id
                                           ORDER BY t.source = 'person' DESC, t.confidence DESC NULLS LAST,
                                                    c.received_at DESC) AS rank
                 FROM contributions c
                 JOIN contribution_tags t ON t.contribution_id = c.id AND t.framework_id = $3 AND t.given
                 LEFT JOIN neighbourhoods n ON n.slug = c.neighbourhood
                 -- The quotable few first (a partial index holds them), then the board's filters.
                 WHERE c.consent_quote AND c.quote_approved_at IS NOT NULL AND c.redacted_text IS NOT NULL
                   AND c.received_at >= $1 AND c.received_at < $2 AND t.theme_id = ANY($7::text[])
                   AND (cardinality($5::text[]) = 0 OR c.neighbourhood = ANY($5::text[]))
                   AND (cardinality($6::text[]) = 0 OR c.programme = ANY($6::text[]))
                   AND (cardinality($4::text[]) = 0 OR EXISTS (
                         SELECT 1 FROM contribution_tags b WHERE b.contribution_id = c.id AND b.framework_id = $3
                         AND b.given AND b.theme_id = ANY($4::text[])))
                   AND NOT EXISTS (SELECT 1 FROM safeguarding_flags f WHERE f.contribution_id = c.id))
               SELECT * FROM ranked WHERE rank <= $8 ORDER BY theme_id, rank""",
        since,
        until,
        *filters.args(),
        themes,
        per_theme,
    )
    return [msgspec.convert(dict(r), QuoteCandidate) for r in records]


async def equality_counts(
    conn: Connection, since: datetime, until: datetime, filters: Filters
) -> dict[str, dict[str, int]]:
    records = await conn.fetch(
        f"""WITH {_MATCHED}
           SELECT q.question, q.answer, count(*) AS n FROM matched m
           JOIN contribution_equality e ON e.contribution_id = m.id
           CROSS JOIN LATERAL (VALUES ('age_band', e.age_band), ('ethnicity', e.ethnicity),
                                      ('disability', e.disability), ('carer', e.carer)) AS q (question, answer)
           WHERE q.answer IS NOT NULL GROUP BY 1, 2""",  # noqa: S608
        since,
        until,
        *filters.args(),
    )
    found: dict[str, dict[str, int]] = {}
    for r in records:
        found.setdefault(r["question"], {})[r["answer"]] = r["n"]
    return found


async def programme_progress(conn: Connection, slugs: list[str], today: date) -> list[ProgrammeProgress]:
    """The chosen programmes, or every programme still running when none are chosen."""
    records = await conn.fetch(
        """SELECT p.slug, p.name, p.phase::text AS phase,
                      w.title AS next_workshop, w.held_on AS next_workshop_on,
                      (SELECT count(*) FROM propositions pr WHERE pr.programme = p.slug
                       AND pr.status = 'shortlisted') AS awaiting_decision
               FROM programmes p
               LEFT JOIN LATERAL (SELECT title, held_on FROM workshops
                                  WHERE programme = p.slug AND held_on >= $2
                                  ORDER BY held_on LIMIT 1) w ON true
               WHERE CASE WHEN cardinality($1::text[]) = 0 THEN p.ends_on >= $2 ELSE p.slug = ANY($1::text[]) END
               ORDER BY p.name""",
        slugs,
        today,
    )
    return [msgspec.convert(dict(r), ProgrammeProgress) for r in records]


async def responses_in(
    conn: Connection, since: datetime, until: datetime, filters: Filters, limit: int = 10
) -> list[ResponseInPeriod]:
    """Responses published or updated in the period that touch the board's themes and places (a response about
    no particular theme or place concerns everyone)."""
    records = await conn.fetch(
        """SELECT id, title, status::text AS status, we_did FROM responses
               WHERE greatest(published_at, updated_at) >= $1 AND greatest(published_at, updated_at) < $2
                 AND (cardinality($3::text[]) = 0 OR theme_id IS NULL OR theme_id = ANY($3::text[]))
                 AND (cardinality($4::text[]) = 0 OR neighbourhood IS NULL OR neighbourhood = ANY($4::text[]))
               ORDER BY greatest(published_at, updated_at) DESC LIMIT $5""",
        since,
        until,
        filters.themes,
        filters.neighbourhoods,
        limit,
    )
    return [msgspec.convert(dict(r), ResponseInPeriod) for r in records]


async def insert_digest(conn: Connection, digest_id: UUID, content: DigestContent) -> bool:
    """Store the digest and queue one email per receiving member, in the caller's transaction: either every
    member is owed this digest or none is. False when this board already has a digest for the period."""
    inserted = await conn.fetchval(
        """INSERT INTO digests (id, board_id, period_start, period_end, content, recipients)
           SELECT $1, $2, $3, $4, $5::jsonb, count(*) FROM board_members
           WHERE board_id = $2 AND confirmed_at IS NOT NULL AND unsubscribed_at IS NULL
           ON CONFLICT (board_id, period_start, period_end) DO NOTHING RETURNING id""",
        digest_id,
        content.board_id,
        content.period.start,
        content.period.end,
        msgspec.json.encode(content).decode(),
    )
    if inserted is None:
        return False
    await conn.execute(
        """INSERT INTO mail_messages (id, dedupe_key, template, to_address, digest_id)
           SELECT gen_random_uuid(), 'digest:' || $1::uuid::text || ':' || id::text, 'digest', email, $1::uuid
           FROM board_members WHERE board_id = $2 AND confirmed_at IS NOT NULL AND unsubscribed_at IS NULL
           ON CONFLICT (dedupe_key) DO NOTHING""",
        digest_id,
        content.board_id,
    )
    return True


async def has_digest(conn: Connection, board_id: str, start: date, end: date) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM digests WHERE board_id = $1 AND period_start = $2 AND period_end = $3)",
            board_id,
            start,
            end,
        )
    )


async def get_digest(conn: Connection, digest_id: UUID) -> StoredDigest | None:
    record = await conn.fetchrow("SELECT id, board_id, content, recipients FROM digests WHERE id = $1", digest_id)
    if record is None:
        return None
    return StoredDigest(
        id=record["id"],
        board_id=record["board_id"],
        content=msgspec.json.decode(record["content"], type=DigestContent),
        recipients=record["recipients"],
    )


async def list_digests(conn: Connection, board_id: str) -> list[Digest]:
    """Every digest the board was sent, newest first, with how its emails are doing."""
    records = await conn.fetch(
        """SELECT d.id, d.board_id, d.period_start, d.period_end, d.built_at, d.recipients,
                  count(m.id) FILTER (WHERE m.status = 'sent') AS sent,
                  count(m.id) FILTER (WHERE m.status IN ('queued', 'sending')) AS waiting,
                  count(m.id) FILTER (WHERE m.status IN ('failed', 'unconfirmed')) AS problems
           FROM digests d
           LEFT JOIN mail_messages m ON m.digest_id = d.id
           WHERE d.board_id = $1 GROUP BY d.id ORDER BY d.period_start DESC""",
        board_id,
    )
    return [msgspec.convert(dict(r), Digest) for r in records]


async def boards_for_schedule(conn: Connection) -> list[str]:
    """Boards, and subscriptions someone has confirmed."""
    records = await conn.fetch(
        """SELECT b.id FROM boards b WHERE b.kind = 'board' OR EXISTS (
               SELECT 1 FROM board_members m WHERE m.board_id = b.id
               AND m.confirmed_at IS NOT NULL AND m.unsubscribed_at IS NULL)
           ORDER BY b.id"""
    )
    return [r["id"] for r in records]


async def untagged_between(conn: Connection, since: datetime, until: datetime) -> int:
    """Contributions received in the range that the tagger has not analysed yet."""
    return int(
        await conn.fetchval(
            """SELECT count(*) FROM contributions c WHERE c.received_at >= $1 AND c.received_at < $2
               AND NOT EXISTS (SELECT 1 FROM contribution_analyses a WHERE a.contribution_id = c.id)""",
            since,
            until,
        )
    )


async def digests_quoting(conn: Connection, contribution_id: UUID) -> int:
    """How many digests already built quote this contribution (withdrawn or stopped quotes included)."""
    return int(
        await conn.fetchval(
            """SELECT count(*) FROM digests
               WHERE content @> jsonb_build_object('quotes', jsonb_build_array(jsonb_build_object(
                   'quotes', jsonb_build_array(jsonb_build_object('contribution_id', $1::text)))))""",
            str(contribution_id),
        )
    )
