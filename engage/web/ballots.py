"""A consensus round's ballot form, shared by the citizen's link, staff and community of practice members."""

from __future__ import annotations

from typing import Any

from engage.consensus.models import SUPPORT_LABELS, Rating, Round
from engage.problems import FieldError
from engage.web.forms import EQUALITY_CHOICES, error_context, whole_number

FIELD_IDS = {"support": "ballot", "statement": "ballot", "title": "title", "closes_at": "closes_at", "count": "count"}


def ballot_context(
    template_round: Any, form: dict[str, Any], errors: list[FieldError], **context: Any
) -> dict[str, Any]:
    """What rounds/ballot.html needs: for a citizen's link (the default), staff (``staff=True``) or a community of
    practice member (``member=True``)."""
    return {
        "round": template_round,
        "form": form,
        **error_context(errors, FIELD_IDS),
        "SUPPORT_LABELS": SUPPORT_LABELS,
        "age_bands": EQUALITY_CHOICES.get("age_band", []),
        "staff": False,
        "member": False,
        **context,
    }


def ratings_from_form(data: dict[str, Any], round_: Round) -> list[Rating]:
    ratings = []
    for proposition in round_.propositions:
        key = str(proposition.proposition_id)
        raw = str(data.get(f"support-{key}", ""))
        statement = str(data.get(f"statement-{key}", "")) or None
        ratings.append(
            Rating(
                proposition_id=proposition.proposition_id,
                support=whole_number(raw, lo=0, hi=5) or 0,
                statement=statement,
                comment=str(data.get(f"comment-{key}", ""))[:4000],
            )
        )
    return ratings
