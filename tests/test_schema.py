"""The schema after every migration: each foreign key is indexed, so deleting the row it points at (a withdrawal
deletes a contribution and everything derived from it) finds the rows that refer to it without scanning a table."""

from __future__ import annotations

import asyncpg

UNINDEXED_FOREIGN_KEYS = """
SELECT c.conrelid::regclass::text AS table_name, c.conname AS constraint_name,
       array_agg(a.attname ORDER BY k.n)::text[] AS columns
FROM pg_constraint c
CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
  AND NOT EXISTS (
      SELECT 1 FROM pg_index i
      WHERE i.indrelid = c.conrelid
        -- an index whose leading columns are the key's columns, in any order
        AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey
        AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] <@ c.conkey)
GROUP BY 1, 2
ORDER BY 1, 2
"""


async def test_every_foreign_key_has_an_index(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        missing = await conn.fetch(UNINDEXED_FOREIGN_KEYS)
        foreign_keys = await conn.fetchval(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace"
        )
    assert foreign_keys > 30, "the query sees the schema's foreign keys"
    named = [f"{r['table_name']}.{r['constraint_name']} ({', '.join(r['columns'])})" for r in missing]
    assert not named, "\n".join(named)


async def test_the_busy_full_text_indexes_merge_their_pending_lists_in_small_pieces(pool: asyncpg.Pool) -> None:
    """migrations/0019: a 4 MB pending list merged by one intake batch held it 100 ms and more (intake's p99)."""
    rows = await pool.fetch(
        """
        SELECT index.relname AS name, index.reloptions AS options
        FROM pg_index i
        JOIN pg_class index ON index.oid = i.indexrelid
        JOIN pg_am am ON am.oid = index.relam
        WHERE i.indrelid = 'contributions'::regclass AND am.amname = 'gin'
        """
    )
    assert {row["name"] for row in rows} == {"contributions_search", "contributions_search_redacted"}
    for row in rows:
        assert "gin_pending_list_limit=256" in (row["options"] or []), row["name"]
