"""The demo shows every capability with believable data, built through the same services staff use."""

from __future__ import annotations

import asyncpg

from engage.demo.loader import load_demo
from engage.settings import Settings


async def test_the_demo_has_something_to_see_in_every_part(settings: Settings, pool: asyncpg.Pool) -> None:
    loaded, logins = await load_demo(settings)
    assert loaded >= 200 and {role for _, role, _ in logins} == {"admin", "facilitator", "governance", "partner_staff"}
    async with pool.acquire() as conn:
        found = {
            name: await conn.fetchval(sql)
            for name, sql in {
                "programme in Develop": "SELECT count(*) FROM programmes WHERE phase = 'develop'",
                "phase summaries": "SELECT count(*) FROM phase_changes",
                "workshop notes": "SELECT count(*) FROM workshop_notes",
                "assets from notes": "SELECT count(*) FROM community_assets WHERE from_note IS NOT NULL",
                "approved propositions": "SELECT count(*) FROM propositions WHERE status = 'approved'",
                "shortlisted propositions": "SELECT count(*) FROM propositions WHERE status = 'shortlisted'",
                "pinned evidence": "SELECT count(*) FROM proposition_evidence",
                "ballots": "SELECT count(*) FROM ballots",
                "approvals with consensus": "SELECT count(*) FROM approvals WHERE without_consensus = ''",
                "boards": "SELECT count(*) FROM boards",
                "response changes": "SELECT count(*) FROM response_updates",
                "recommendations": "SELECT count(*) FROM recommendations",
                "resident invitations": "SELECT count(*) FROM member_links",
                "quotes approved": "SELECT count(*) FROM contributions WHERE quote_approved_at IS NOT NULL",
                "other languages": "SELECT count(*) FROM contributions WHERE language <> 'en'",
            }.items()
        }
    assert all(found.values()), {name: count for name, count in found.items() if not count}
    assert found["ballots"] >= 20, "enough votes for the quorum"
    again, _ = await load_demo(settings)
    assert again == 0, "loaded once"
