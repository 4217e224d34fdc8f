"""A citizen's own contribution, opened with its reference and withdrawal code: see everything held about it,
stop quoting, sharing or contact, download it all, or withdraw it. Every look and change is in the audit trail
(without the words). Callers own the transaction."""

from __future__ import annotations

from uuid import UUID

from engage.audit import queries as audit
from engage.citizens.models import (
    ConsentToStop,
    HeldProposition,
    HeldRecommendation,
    HeldResponse,
    HeldTheme,
    OwnContribution,
)
from engage.contributions import queries as contributions
from engage.contributions.models import KIND_LABELS, SOURCE_LABELS, Receipt, WithdrawalRefused
from engage.db import Connection
from engage.digests import queries as digest_queries
from engage.ids import check_withdrawal_code, normalise_reference, withdrawal_code
from engage.privacy.visibility import UNRESTRICTED
from engage.programmes import queries as programme_queries
from engage.propositions import queries as proposition_queries
from engage.propositions.models import STATUS_LABELS as PROPOSITION_STATUS
from engage.recommendations import queries as recommendation_queries
from engage.recommendations.models import STATUS_LABELS as RECOMMENDATION_STATUS
from engage.responses import queries as response_queries
from engage.responses.models import STATUS_LABELS as RESPONSE_STATUS
from engage.tags import queries as tag_queries
from engage.workshops import queries as workshop_queries


async def open_own(conn: Connection, reference: str, code: str, *, secret: str) -> UUID:
    """The contribution this reference and code open; refused (without saying which was wrong) otherwise."""
    target = await contributions.find_for_withdrawal(conn, normalise_reference(reference))
    if target is None or not check_withdrawal_code(secret, target.id, code):
        raise WithdrawalRefused
    return target.id


async def receipt_for(conn: Connection, reference: str, code: str, *, secret: str) -> tuple[Receipt, str]:
    """A receipt shown again (its reference, code and kind: nothing the person did not give us back)."""
    contribution_id = await open_own(conn, reference, code, secret=secret)
    row = await contributions.get_contribution(conn, contribution_id, UNRESTRICTED)
    if row is None:
        raise WithdrawalRefused
    return Receipt(id=row.id, reference=row.reference, withdrawal_code=withdrawal_code(secret, row.id)), row.kind


async def view_own(conn: Connection, reference: str, code: str, *, secret: str, framework: str) -> OwnContribution:
    contribution_id = await open_own(conn, reference, code, secret=secret)
    held = await _held(conn, contribution_id, framework)
    await audit.record(
        conn, actor=None, action="contribution.seen_by_author", subject_type="contribution", subject_id=str(held.id)
    )
    return held


async def download_own(conn: Connection, reference: str, code: str, *, secret: str, framework: str) -> OwnContribution:
    """A subject access request answered in one click."""
    contribution_id = await open_own(conn, reference, code, secret=secret)
    held = await _held(conn, contribution_id, framework)
    await audit.record(
        conn,
        actor=None,
        action="contribution.downloaded_by_author",
        subject_type="contribution",
        subject_id=str(held.id),
    )
    return held


async def stop_consent(conn: Connection, reference: str, code: str, what: ConsentToStop, *, secret: str) -> UUID:
    """Stop quoting (a quote in a digest already built is replaced), sharing with partner organisations, or contact
    (contact details and unsent email are deleted)."""
    contribution_id = await open_own(conn, reference, code, secret=secret)
    stop = {
        "quote": contributions.stop_quoting,
        "share": contributions.stop_sharing,
        "contact": contributions.stop_contact,
    }[what]
    await stop(conn, contribution_id)
    await audit.record(
        conn,
        actor=None,
        action="contribution.consent_stopped",
        subject_type="contribution",
        subject_id=str(contribution_id),
        detail={"consent": what},
    )
    return contribution_id


async def _held(conn: Connection, contribution_id: UUID, framework_id: str) -> OwnContribution:
    row = await contributions.get_contribution(conn, contribution_id, UNRESTRICTED)
    if row is None:
        raise WithdrawalRefused
    framework = await tag_queries.get_framework(conn, framework_id)
    tags = [t for t in await tag_queries.tags_for(conn, contribution_id, framework_id) if t.given]
    analysis = await tag_queries.analysis_for(conn, contribution_id)
    programme = await programme_queries.get_programme(conn, row.programme) if row.programme else None
    workshop = await workshop_queries.workshop_of_note(conn, contribution_id)
    propositions = []
    for used in await proposition_queries.used_in(conn, contribution_id):
        decided = await proposition_queries.decision_for(conn, used.proposition_id)
        decision = None
        if decided is not None:
            d = decided.decision
            decision = f"{'Approved' if d.approved else 'Not approved'} by {d.board} on {d.decided_on:%-d %B %Y}"
        propositions.append(
            HeldProposition(
                title=used.title,
                status=PROPOSITION_STATUS.get(used.status, used.status),
                programme=used.programme,
                decision=decision,
                approved=decided.decision.approved if decided else None,
                board=decided.decision.board if decided else None,
                decided_on=decided.decision.decided_on if decided else None,
            )
        )
    return OwnContribution(
        id=row.id,
        reference=row.reference,
        kind=KIND_LABELS[row.kind],
        text=row.original if row.translated and row.original is not None else row.text,
        translation=row.text if row.translated else None,
        language=row.language,
        received_at=row.received_at,
        neighbourhood=row.neighbourhood_name,
        source=SOURCE_LABELS[row.source],
        consent_analysis=row.consent_analysis,
        consent_quote=row.consent_quote,
        consent_share=row.consent_share,
        consent_contact=row.consent_contact,
        quote_approved_on=row.quote_approved_at.date() if row.quote_approved_at else None,
        contact=await contributions.get_contact(conn, contribution_id),
        equality=await contributions.get_equality(conn, contribution_id),
        themes=[
            HeldTheme(
                id=t.theme_id, name=framework.theme_name(t.theme_id) if framework else t.theme_id, given_by=t.source
            )
            for t in tags
        ],
        sentiment=analysis.sentiment if analysis else None,
        programme=programme.name if programme else None,
        workshop=f"{workshop[1]}, answering “{workshop[2]}”" if workshop else None,
        workshop_title=workshop[1] if workshop else None,
        workshop_prompt=workshop[2] if workshop else None,
        propositions=propositions,
        responses=[
            HeldResponse(
                title=r.title,
                we_did=r.we_did,
                status=RESPONSE_STATUS.get(r.status, r.status),
                published_at=r.published_at,
            )
            for r in await response_queries.responses_answering(conn, contribution_id)
        ],
        quoted_in_digests=await digest_queries.digests_quoting(conn, contribution_id),
        recommendations=[
            HeldRecommendation(board=r.board_name, text=r.text, status=RECOMMENDATION_STATUS[r.status], due_on=r.due_on)
            for r in await recommendation_queries.list_recommendations(conn, contribution_id=contribution_id)
        ],
    )
