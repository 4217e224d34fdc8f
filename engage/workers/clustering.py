"""The worker's side of the evidence board: group a programme's contributions by similarity (nlp.clusters)."""

from __future__ import annotations

import asyncio

import asyncpg

from engage.db import transaction
from engage.programmes import queries as programme_queries
from engage.settings import Settings
from engage.workers.redaction import redact_contributions
from engage.workers.tagging import TaggerHolder, tag_contributions
from nlp.clusters import cluster_texts


async def cluster_programme(pool: asyncpg.Pool, settings: Settings, holder: TaggerHolder, slug: str) -> int:
    # Notes from a workshop that just ended may not be tagged (flagged) or redacted yet: finish that first, so the
    # groups include them and never show words that are about to be flagged.
    async with pool.acquire() as conn:
        ids = await programme_queries.contribution_ids(conn, slug)
    if ids:
        await tag_contributions(pool, settings, holder, ids)
        await redact_contributions(pool, ids)
    async with pool.acquire() as conn:
        rows = await programme_queries.texts_for_clustering(conn, slug)
        tagger = await holder.current(conn)
    clusters = await asyncio.to_thread(cluster_texts, [text for _, text in rows], tagger.nlp) if rows else []
    # A label people can read (a phrase one member wrote, from redacted words), the member that says it best, and
    # the words the group shares.
    stored = [
        {
            "label": c.label,
            "contributions": [str(rows[i][0]) for i in c.members],
            "representative": str(rows[c.representative][0]),
            "terms": list(c.terms),
        }
        for c in clusters
    ]
    async with transaction(pool) as conn:
        await programme_queries.save_clusters(conn, slug, stored)
    return len(stored)
