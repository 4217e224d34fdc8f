"""Small helpers for HTML forms: reading fields, and where on the page each error belongs."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from litestar.enums import RequestEncodingType
from litestar.params import Body

from engage.contributions.models import EQUALITY_CHOICES, Consent
from engage.problems import FieldError

__all__ = [
    "EQUALITY_CHOICES",
    "FORM_FIELD_IDS",
    "Form",
    "checked",
    "consent_from",
    "error_context",
    "fields",
    "many",
    "optional",
]

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
"""A posted HTML form, as handlers receive it."""


def error_context(errors: list[FieldError], field_ids: dict[str, str]) -> dict[str, Any]:
    """What a form template needs to show errors: the summary list, each field's message, and where they link."""
    return {"errors": errors, "error_for": {e.field: e for e in errors}, "field_ids": field_ids}


# Error summary links jump to the field itself (WCAG 3.3.1: errors identified, and reachable).
FORM_FIELD_IDS: dict[str, str] = {
    "kind": "kind-i_statement",
    "text": "text",
    "neighbourhood": "neighbourhood",
    "language": "language",
    "consent.analysis": "consent_analysis",
    "consent.contact": "consent_contact",
    "email": "email",
    "reference": "reference",
    "code": "code",
    "source_name": "source_name",
    "programme": "programme",
    "consent_analysis": "consent_analysis",
    "gathered_on": "gathered_on",
    "reason": "reason",
    "paper_reference": "paper_reference",
    "translation": "translation",
    "locale": "locale",
}


def fields(data: dict[str, Any]) -> dict[str, str]:
    """A posted form as one string per field; a repeated field keeps its last value."""
    return {key: value if isinstance(value, str) else str(value[-1]) for key, value in data.items()}


def many(data: dict[str, Any], name: str) -> list[str]:
    """Every value of a repeated field (checkboxes), in order, blanks dropped."""
    value = data.get(name, [])
    values = value if isinstance(value, list) else [value]
    return [str(v) for v in values if str(v).strip()]


def checked(form: dict[str, Any], name: str) -> bool:
    return form.get(name) in ("on", "yes", "true", "1")


def optional(form: dict[str, Any], name: str, *, limit: int = 200) -> str | None:
    value = str(form.get(name, "")).strip()[:limit]
    return value or None


def consent_from(form: dict[str, Any]) -> Consent:
    """The four consent checkboxes, named the same on every form."""
    return Consent(
        analysis=checked(form, "consent_analysis"),
        quote=checked(form, "consent_quote"),
        share=checked(form, "consent_share"),
        contact=checked(form, "consent_contact"),
    )


def whole_number(value: str, *, lo: int, hi: int) -> int | None:
    """A whole number typed in ASCII digits within [lo, hi], or None. ("²".isdigit() is true, and a twenty-digit
    number overflows a database integer: neither gets past here.)"""
    text = value.strip()
    if not text or len(text) > 18 or not (text.isascii() and text.isdecimal()):
        return None
    number = int(text)
    return number if lo <= number <= hi else None


def parse_day(value: str) -> date | None:
    """A date typed as 2026-03-14, between 1900 and 2200 (so that adding a day to it cannot overflow), or None."""
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        return None
    return day if 1900 <= day.year <= 2200 else None


def parse_uuid(value: str) -> UUID | None:
    try:
        return UUID(value.strip())
    except ValueError:
        return None
