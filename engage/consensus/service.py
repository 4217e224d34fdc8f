"""Use cases for consensus rounds. Callers own the transaction.

A round asks stakeholders to rate each shortlisted proposition (five-point support, an optional comment) and to
react to a statement about it. Citizens vote by a one-use link without an account; staff (partner staff and
others) vote with their accounts, and so do the programme's community of practice members (residents, carers,
voluntary-sector members), whose ballots form a group of their own in the results. One ballot per person per
round; after the closing time, votes are refused.

The consensus rule: a proposition has consensus when at least 60% of everyone rates it 4 or 5, *and* at least 50%
do so in every group large enough to show (engage.privacy.models.SMALLEST_GROUP_SHOWN people or more: smaller
groups are counted overall but neither shown nor asked to agree) by neighbourhood, by role and by age band. A
proposition loved on average but opposed by one neighbourhood does not have consensus, and the result says which
group stood against it.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID

import asyncpg

from engage.accounts.models import ROLE_LABELS, StaffUser
from engage.audit import queries as audit
from engage.consensus import queries
from engage.consensus.models import (
    DEFAULT_QUORUM,
    SUPPORTED_IN_GROUP,
    SUPPORTED_OVERALL,
    CastRating,
    GroupResult,
    PropositionResult,
    Rating,
    Round,
    VoteProblem,
)
from engage.db import Connection
from engage.i18n import N_
from engage.privacy.models import SMALLEST_GROUP_SHOWN
from engage.privacy.visibility import Sight
from engage.programmes.service import may_read, runs_programme
from engage.propositions import queries as proposition_queries
from engage.propositions.models import ConsensusSummary


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def open_round(
    conn: Connection,
    programme: str,
    viewer: StaffUser,
    *,
    title: str,
    closes_at: datetime,
    statements: dict[UUID, str],
) -> UUID:
    """Open a round on the programme's shortlisted propositions (each with an optional statement to react to)."""
    if not await runs_programme(conn, programme, viewer):
        raise VoteProblem("programme", "Only this programme's facilitators open consensus rounds.", status=403)
    shortlisted = [
        p for p in await proposition_queries.list_for_programme(conn, programme) if p.status == "shortlisted"
    ]
    if not shortlisted:
        raise VoteProblem("title", "Shortlist at least one proposition first.")
    if not title.strip():
        raise VoteProblem("title", "Give the round a title.")
    if closes_at <= datetime.now(UTC):
        raise VoteProblem("closes_at", "The closing time must be in the future.")
    round_id = uuid.uuid4()
    await queries.insert_round(
        conn,
        round_id,
        programme,
        title.strip(),
        closes_at,
        [(p.id, statements.get(p.id, "").strip()[:500]) for p in shortlisted],
        viewer.id,
    )
    await audit.record(conn, actor=viewer.id, action="round.opened", subject_type="round", subject_id=str(round_id))
    return round_id


async def invite_citizens(
    conn: Connection, round_id: UUID, viewer: StaffUser, count: int, neighbourhood: str | None
) -> list[str]:
    """Make `count` one-use links' tokens (shown once; only hashes are kept)."""
    found = await queries.get_round(conn, round_id)
    if found is None:
        raise VoteProblem("round", "No round with this address.", status=404)
    if not await runs_programme(conn, found.programme, viewer):
        raise VoteProblem("round", "Only this programme's facilitators invite people.", status=403)
    if not 1 <= count <= 500:
        raise VoteProblem("count", "Make between 1 and 500 invitations at a time.")
    tokens = [secrets.token_urlsafe(18) for _ in range(count)]
    try:
        await queries.insert_invitations(conn, round_id, [_hash(t) for t in tokens], neighbourhood)
    except asyncpg.ForeignKeyViolationError as exc:
        raise VoteProblem("neighbourhood", "Choose a neighbourhood from the list.") from exc
    return tokens


async def round_for_token(conn: Connection, token: str) -> tuple[Round, str | None]:
    """The round a one-use link opens, refused before the ballot is shown when the link is unknown, already used,
    or the round has closed."""
    found = await queries.invitation(conn, _hash(token))
    if found is None:
        raise VoteProblem("token", N_("This invitation link is not valid. Check it was copied whole."), status=404)
    round_ = await queries.get_round(conn, found[0])
    assert round_ is not None
    if await queries.has_voted(conn, round_.id, "invite:" + _hash(token).hex()):
        raise VoteProblem(
            "token", N_("This link has been used: its vote is counted. Each link gives one vote."), status=409
        )
    _refuse_when_closed(round_)
    return round_, found[1]


def _refuse_when_closed(round_: Round) -> None:
    if datetime.now(UTC) >= round_.closes_at:
        raise VoteProblem(
            "round",
            N_("This round closed on %(day)s at %(time)s UTC; votes are no longer taken."),
            status=410,
            params={"day": f"{round_.closes_at:%Y-%m-%d}", "time": f"{round_.closes_at:%H:%M}"},
        )


def _check(round_: Round, ratings: list[Rating]) -> None:
    _refuse_when_closed(round_)
    expected = {p.proposition_id for p in round_.propositions}
    given = {r.proposition_id for r in ratings}
    if given != expected:
        raise VoteProblem("support", N_("Rate every proposition in the round, from 1 to 5."))
    for rating in ratings:
        if not 1 <= rating.support <= 5:
            raise VoteProblem("support", N_("Rate every proposition in the round, from 1 (strongly oppose) to 5."))
        if rating.statement not in (None, "agree", "disagree", "unsure"):
            raise VoteProblem("statement", N_("Choose agree, disagree or not sure."))
        rating.comment = rating.comment.strip()[:2000]


async def cast_citizen_ballot(conn: Connection, token: str, ratings: list[Rating], *, age_band: str | None) -> None:
    round_, neighbourhood = await round_for_token(conn, token)
    _check(round_, ratings)
    voter = "invite:" + _hash(token).hex()
    if not await queries.insert_ballot(
        conn, uuid.uuid4(), round_.id, voter, "citizen", neighbourhood, age_band, ratings
    ):
        raise VoteProblem("round", N_("You have already voted in this round: one vote per person."), status=409)


async def readable_round(conn: Connection, round_id: UUID, viewer: StaffUser) -> Round:
    """The round, if this viewer may take part in its programme (a community of practice member: only their own
    programmes' rounds; someone else's looks the same as an unknown one, 404)."""
    round_ = await queries.get_round(conn, round_id)
    if round_ is None or not await may_read(conn, round_.programme, viewer):
        raise VoteProblem("round", "No round with this address.", status=404)
    return round_


async def cast_staff_ballot(conn: Connection, round_id: UUID, viewer: StaffUser, ratings: list[Rating]) -> None:
    """A ballot with an account; its group in the results is the account's role (community of practice members
    are a group of their own)."""
    round_ = await readable_round(conn, round_id, viewer)
    _check(round_, ratings)
    voter = f"user:{viewer.id}"
    if not await queries.insert_ballot(conn, uuid.uuid4(), round_id, voter, viewer.role, None, None, ratings):
        raise VoteProblem("round", N_("You have already voted in this round: one vote per person."), status=409)


GROUP_NAMES = {"citizen": "citizen", **{role: label.lower() for role, label in ROLE_LABELS.items()}}
"""How a ballot's role reads in the results: "Role: community of practice member", "Role: partner staff"."""

GROUPINGS: tuple[tuple[str, Callable[[CastRating], str | None]], ...] = (
    ("neighbourhood", lambda r: r.neighbourhood),
    ("role", lambda r: GROUP_NAMES.get(r.role, r.role)),
    ("age band", lambda r: r.age_band),
)
"""The groups results are shown by: each dimension, and the group a rating counts in (none when not given)."""


def _share(values: list[int]) -> float | None:
    return round(sum(1 for v in values if v >= 4) / len(values), 3) if values else None


async def results(
    conn: Connection, round_id: UUID, sight: Sight, *, quorum: int = DEFAULT_QUORUM
) -> list[PropositionResult]:
    """Each proposition's support overall and by group (small groups not shown) and whether there is consensus.
    Voters' comments are free text that may name people and are not redacted, so only readers of words as written
    get them; others get how many there were."""
    round_ = await queries.get_round(conn, round_id)
    if round_ is None:
        return []
    rows = await queries.ratings(conn, round_id)
    out = []
    for proposition in round_.propositions:
        mine = [r for r in rows if r.proposition_id == proposition.proposition_id]
        supports = [r.support for r in mine]
        groups: list[GroupResult] = []
        for dimension, group_of in GROUPINGS:
            by_group: dict[str, list[int]] = defaultdict(list)
            for r in mine:
                if name := group_of(r):
                    by_group[name].append(r.support)
            for group, values in sorted(by_group.items()):
                shown = len(values) >= SMALLEST_GROUP_SHOWN
                groups.append(
                    GroupResult(
                        dimension=dimension,
                        group=group,
                        people=len(values),
                        supporting=_share(values) if shown else None,
                    )
                )
        overall = _share(supports)
        against = [g for g in groups if g.supporting is not None and g.supporting < SUPPORTED_IN_GROUP]
        if not supports:
            consensus, reason = False, "No votes yet."
        elif len(supports) < quorum:
            consensus = False
            reason = f"Not enough people yet: {len(supports)} of the {quorum} needed have voted."
        elif overall is not None and overall < SUPPORTED_OVERALL:
            consensus, reason = False, f"{overall:.0%} support overall; consensus needs {SUPPORTED_OVERALL:.0%}."
        elif against:
            first = against[0]
            consensus = False
            reason = f"Supported overall, but only {first.supporting:.0%} in {first.dimension} {first.group}."
        else:
            consensus, reason = True, "Supported overall and in every group large enough to show."
        out.append(
            PropositionResult(
                proposition_id=proposition.proposition_id,
                title=proposition.title,
                people=len(supports),
                mean=round(sum(supports) / len(supports), 2) if supports else None,
                supporting=overall,
                groups=groups,
                consensus=consensus,
                reason=reason,
                comments=[r.comment for r in mine if r.comment] if sight.raw_words == "all" else [],
                comments_hidden=0 if sight.raw_words == "all" else sum(1 for r in mine if r.comment),
            )
        )
    return out


async def summarise_consensus(
    conn: Connection, proposition_id: UUID, sight: Sight, *, quorum: int = DEFAULT_QUORUM
) -> ConsensusSummary | None:
    """Where the latest round that carried the proposition left it, for the board's decision (None: never put to a
    round). The propositions domain sits below this one, so the edge fetches this and hands it to
    ``record_decision``, which applies the rule."""
    round_ids = await queries.rounds_with(conn, proposition_id)
    if not round_ids:
        return None
    round_ = await queries.get_round(conn, round_ids[-1])
    mine = [r for r in await results(conn, round_ids[-1], sight, quorum=quorum) if r.proposition_id == proposition_id]
    if round_ is None or not mine:
        return None
    result = mine[0]
    return ConsensusSummary(
        round_title=round_.title,
        consensus=result.consensus,
        reason=result.reason,
        supporting=result.supporting,
        people=result.people,
        dissenting=[
            f"{g.dimension} {g.group} ({g.supporting:.0%})"
            for g in result.groups
            if g.supporting is not None and g.supporting < SUPPORTED_IN_GROUP
        ],
    )


async def results_for_proposition(
    conn: Connection, proposition_id: UUID, sight: Sight, *, quorum: int = DEFAULT_QUORUM
) -> list[tuple[Round, PropositionResult]]:
    """What people said about one proposition in each round it was in."""
    found = []
    for round_id in await queries.rounds_with(conn, proposition_id):
        round_ = await queries.get_round(conn, round_id)
        mine = [r for r in await results(conn, round_id, sight, quorum=quorum) if r.proposition_id == proposition_id]
        if round_ and mine:
            found.append((round_, mine[0]))
    return found
