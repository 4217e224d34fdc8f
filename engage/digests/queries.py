"""The only SQL for digests. Counts come from the day-by-day counts the database keeps exact with triggers
(migrations/0014: contribution_days, theme_days, equality_days), so a month's digest reads a month's worth of
rows however much history there is; a board filtered by theme needs to know which contributions carry its themes
and reads the base tables for its period. Quotes always come from the base tables (a partial index holds the
few quotable rows). The dashboard reads its own monthly rollups (see engage.dashboards)."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg
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
    next_month,
)


class Filters(msgspec.Struct, frozen=True, kw_only=True):
    framework_id: str
    themes: list[str]
    neighbourhoods: list[str]
    programmes: list[str]

    def args(self) -> tuple[Any, ...]:
        return (self.framework_id, self.themes, self.neighbourhoods, self.programmes)


def _matched(filters: Filters, args: list[Any]) -> str:
    """The ``matched`` CTE: contributions in [$1, $2) that a board's filters choose. Only the filters in use become
    predicates (a prepared statement's generic plan for "the array is empty or it matches" reads every row), and
    a contribution's themes are looked up by its key, one at a time, so the cost follows the period."""

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    clauses = ["c.received_at >= $1", "c.received_at < $2"]
    if filters.neighbourhoods:
        clauses.append(f"c.neighbourhood = ANY({arg(filters.neighbourhoods)}::text[])")
    if filters.programmes:
        clauses.append(f"c.programme = ANY({arg(filters.programmes)}::text[])")
    if filters.themes:
        clauses.append(
            f"""EXISTS (SELECT 1 FROM contribution_tags t WHERE t.contribution_id = c.id
                        AND t.framework_id = {arg(filters.framework_id)} AND t.given
                        AND t.theme_id = ANY({arg(filters.themes)}::text[]))"""  # noqa: S608 - placeholders
        )
    return f"""matched AS (SELECT c.id, c.received_at, c.neighbourhood FROM contributions c
                          WHERE {" AND ".join(clauses)})"""  # noqa: S608 - our own predicates


async def counts(conn: Connection, since: datetime, split: datetime, until: datetime, filters: Filters) -> PeriodCounts:
    """Totals, theme counts and neighbourhood counts for [since, split) ("previous") and [split, until), from the
    contributions themselves (a board filtered by theme; the others read `counts_by_day`)."""
    args: list[Any] = [since, until, split, filters.framework_id]
    matched = _matched(filters, args)
    themes = ""
    if filters.themes:
        args.append(filters.themes)
        themes = f"AND t.theme_id = ANY(${len(args)}::text[])"
    records = await conn.fetch(
        f"""WITH {matched},
           tagged AS (
             SELECT m.received_at >= $3 AS current, t.theme_id FROM matched m,
                    LATERAL (SELECT t.theme_id FROM contribution_tags t WHERE t.contribution_id = m.id
                             AND t.framework_id = $4 AND t.given {themes} OFFSET 0) t)
           SELECT 'theme' AS what, theme_id AS key, count(*) FILTER (WHERE current) AS now,
                  count(*) FILTER (WHERE NOT current) AS before FROM tagged GROUP BY theme_id
           UNION ALL
           SELECT 'place', coalesce(n.name, 'Not given'), count(*) FILTER (WHERE m.received_at >= $3),
                  count(*) FILTER (WHERE m.received_at < $3)
           FROM matched m LEFT JOIN neighbourhoods n ON n.slug = m.neighbourhood GROUP BY 2
           UNION ALL
           SELECT 'total', '', count(*) FILTER (WHERE received_at >= $3), count(*) FILTER (WHERE received_at < $3)
           FROM matched""",  # noqa: S608
        *args,
    )
    return _period_counts(records)


def _period_counts(records: list[asyncpg.Record]) -> PeriodCounts:
    """Rows of (what, key, now, before), what being 'theme', 'place' or 'total'."""
    found: dict[str, dict[str, tuple[int, int]]] = {"theme": {}, "place": {}}
    total = (0, 0)
    for r in records:
        if r["what"] == "total":
            total = (int(r["now"]), int(r["before"]))
        else:
            found[r["what"]][r["key"]] = (int(r["now"]), int(r["before"]))
    return PeriodCounts(themes=found["theme"], places=found["place"], total=total)


class Spans(msgspec.Struct, frozen=True):
    """A range of days as the day counts read it: the whole calendar months in it (one row per key each) and the
    days outside them."""

    months: list[date]
    day_starts: list[date]
    day_ends: list[date]

    @classmethod
    def of(cls, *bounds: date) -> Spans:
        """For consecutive ranges [bounds[0], bounds[1]), [bounds[1], bounds[2]), ...: a month counts as whole only
        inside one range, so every row still says which range it belongs to."""
        months: list[date] = []
        starts: list[date] = []
        ends: list[date] = []
        for start, end in itertools.pairwise(bounds):
            day = start
            while day < end:
                month_end = next_month(day.replace(day=1))
                if day.day == 1 and month_end <= end:
                    months.append(day)
                else:
                    starts.append(day)
                    ends.append(min(month_end, end))
                day = min(month_end, end)
        return cls(months=months, day_starts=starts, day_ends=ends)


def _day_rows(table: str, columns: str, filters: str) -> str:
    """Rows of a day-count table for a `Spans` ($1 months, $2 day starts, $3 day ends): month rows for the whole
    months, plus their deltas not folded yet, plus day rows for the other days."""
    # OFFSET 0 keeps each day range its own index scan (joined to the ranges, the planner reads the whole table).
    return f"""
        SELECT d.day AS at, {columns} FROM unnest($2::date[], $3::date[]) AS r (s, e),
            LATERAL (SELECT * FROM {table}_days d WHERE d.day >= r.s AND d.day < r.e AND {filters} OFFSET 0) d
        UNION ALL
        SELECT d.day, {columns} FROM {table}_days d
        WHERE NOT d.folded AND date_trunc('month', d.day)::date = ANY($1::date[]) AND {filters}
        UNION ALL
        SELECT d.month, {columns} FROM {table}_months d WHERE d.month = ANY($1::date[]) AND {filters}"""  # noqa: S608 - our own names


# $4, $5: neighbourhood and programme filters (empty: all).
_PLACES = """(cardinality($4::text[]) = 0 OR d.neighbourhood = ANY($4::text[]))
             AND (cardinality($5::text[]) = 0 OR d.programme = ANY($5::text[]))"""


async def counts_by_day(conn: Connection, since: date, split: date, until: date, filters: Filters) -> PeriodCounts:
    """The same figures as `counts`, from the day counts, for a board filtered by one theme at most (a contribution
    carries a theme once, so with one theme its count is the board's total; with two, a contribution with both
    would count twice)."""
    assert len(filters.themes) <= 1, "more than one theme needs the contributions themselves: use counts()"
    spans = Spans.of(since, split, until)
    args: list[Any] = [
        spans.months,
        spans.day_starts,
        spans.day_ends,
        filters.neighbourhoods,
        filters.programmes,
        split,
        filters.framework_id,
    ]
    themes = "d.framework_id = $7 AND " + _PLACES
    if filters.themes:  # the board's contributions are those with its theme: count them from the theme's counts
        args.append(filters.themes[0])
        themes = "d.theme_id = $8 AND " + themes
        places = _day_rows("theme", "d.neighbourhood, d.tags AS n", themes)
    else:
        places = _day_rows("contribution", "d.neighbourhood, d.contributions AS n", _PLACES)
    records = await conn.fetch(
        f"""WITH places AS ({places}),
                 themes AS ({_day_rows("theme", "d.theme_id, d.tags AS n", themes)})
           SELECT 'total' AS what, '' AS key, coalesce(sum(n) FILTER (WHERE at >= $6), 0) AS now,
                  coalesce(sum(n) FILTER (WHERE at < $6), 0) AS before FROM places
           UNION ALL
           SELECT 'place', coalesce(h.name, 'Not given'), coalesce(sum(n) FILTER (WHERE at >= $6), 0),
                  coalesce(sum(n) FILTER (WHERE at < $6), 0)
           FROM places p LEFT JOIN neighbourhoods h ON h.slug = p.neighbourhood GROUP BY 2
           HAVING sum(n) FILTER (WHERE at >= $6) <> 0 OR sum(n) FILTER (WHERE at < $6) <> 0
           UNION ALL
           SELECT 'theme', theme_id, coalesce(sum(n) FILTER (WHERE at >= $6), 0),
                  coalesce(sum(n) FILTER (WHERE at < $6), 0)
           FROM themes GROUP BY theme_id
           HAVING sum(n) FILTER (WHERE at >= $6) <> 0 OR sum(n) FILTER (WHERE at < $6) <> 0""",  # noqa: S608
        *args,
    )
    return _period_counts(records)


async def equality_counts_by_day(
    conn: Connection, start: date, end: date, filters: Filters
) -> dict[str, dict[str, int]]:
    """The same figures as `equality_counts`, from the day counts, for a board without theme filters."""
    assert not filters.themes, "a theme filter needs the contributions themselves: use equality_counts()"
    spans = Spans.of(start, end)
    records = await conn.fetch(
        f"""SELECT question, answer, sum(n) AS n
            FROM ({_day_rows("equality", "d.question, d.answer, d.answers AS n", _PLACES)}) a
            GROUP BY 1, 2 HAVING sum(n) > 0""",  # noqa: S608
        spans.months,
        spans.day_starts,
        spans.day_ends,
        filters.neighbourhoods,
        filters.programmes,
    )
    found: dict[str, dict[str, int]] = {}
    for r in records:
        found.setdefault(r["question"], {})[r["answer"]] = int(r["n"])
    return found


async def fold_day_counts(conn: Connection) -> int:
    """Fold the day counts' appended changes into one row per day and key, and into the month's row (the worker,
    every minute). Returns how many changes it folded."""
    return int(await conn.fetchval("SELECT fold_day_counts()"))


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
    """Equality answers given with the contributions a board's filters choose, from the contributions themselves
    (a board filtered by theme; the others read `equality_counts_by_day`)."""
    args: list[Any] = [since, until]
    records = await conn.fetch(
        f"""WITH {_matched(filters, args)}
           SELECT q.question, q.answer, count(*) AS n FROM matched m,
                  LATERAL (SELECT * FROM contribution_equality e WHERE e.contribution_id = m.id OFFSET 0) e
           CROSS JOIN LATERAL (VALUES ('age_band', e.age_band), ('ethnicity', e.ethnicity),
                                      ('disability', e.disability), ('carer', e.carer)) AS q (question, answer)
           WHERE q.answer IS NOT NULL GROUP BY 1, 2""",  # noqa: S608
        *args,
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
