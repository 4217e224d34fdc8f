"""De-identification for quotes: personal details become placeholders; places, services and conditions stay.

Replaced: email addresses, UK phone numbers, NHS numbers (only those with a valid check digit, so a ten-digit
reference number is left alone), UK postcodes, street addresses with a house number, dates of birth, and names
where the words around them say a name follows (a title, "my name is", "called", or a relative: "my son Ade").
Capitalised words on their own are not treated as names: Brixton, King's and Parkinson's must survive.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import msgspec

REDACTOR_VERSION = "1"
"""Changes whenever what `redact` replaces changes: Engage stores redacted words with the version that made them
and the worker redacts again everything made by another version."""

PLACEHOLDERS = {
    "email": "[email]",
    "phone": "[phone]",
    "nhs": "[NHS number]",
    "postcode": "[postcode]",
    "address": "[address]",
    "dob": "[date of birth]",
    "name": "[name]",
}

_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")
# UK numbers: 0 and ten digits, or +44 and ten digits, with spaces or dashes anywhere between digits.
_PHONE = re.compile(r"(?<![\w+])(?:\+44\s?(?:\(0\)\s?)?|0)\d(?:[\s-]?\d){9}(?!\d)")
_NHS = re.compile(r"(?<!\d)(\d{3})[\s-]?(\d{3})[\s-]?(\d{4})(?!\d)")
_POSTCODE = re.compile(r"\b(?:GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})\b", re.IGNORECASE)
_STREET_TYPES = (
    "Road|Rd|Street|St|Avenue|Ave|Lane|Close|Grove|Way|Place|Gardens|Crescent|Terrace|Drive|Court|Square|Walk|"
    "Rise|Row|Mews|Parade|Hill|Park|Estate|House"
)
_ADDRESS = re.compile(
    rf"\b(?:Flat\s+\d+[A-Za-z]?,?\s+)?\d{{1,4}}[A-Za-z]?,?\s+(?:[A-Z][a-z']+\s+){{1,3}}(?:{_STREET_TYPES})\b"
)
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE = rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\s+\d{{4}})"
_DOB = re.compile(rf"(?i)\b(?P<lead>(?:date of birth|d\.?o\.?b\.?|born(?: on)?)\s*:?\s*)(?P<date>{_DATE})")
_NAME_WORD = r"[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?"
_RELATIVES = (
    "son|daughter|husband|wife|partner|mum|mother|dad|father|brother|sister|neighbour|friend|carer|"
    "grandson|granddaughter|nan|gran|grandad|uncle|aunt|auntie|cousin|boyfriend|girlfriend"
)
_NAME_AFTER_TITLE = re.compile(
    rf"\b(?P<lead>(?:Mr|Mrs|Ms|Miss|Mx|Dr|Nurse|Sister)\.?\s+)(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD})?)"
)
_NAME_PHRASES = r"[Mm]y name is|[Ii] am called|[Ii]'m called|called|named"
_NAME_AFTER_PHRASE = re.compile(rf"(?P<lead>\b(?:{_NAME_PHRASES})\s+)(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD})?)")
_NAME_AFTER_RELATIVE = re.compile(
    rf"(?P<lead>\b(?:[Mm]y|[Oo]ur|[Hh]er|[Hh]is)\s+(?:{_RELATIVES})\s+)(?P<name>{_NAME_WORD})\b"
)


class Redaction(msgspec.Struct, kw_only=True):
    text: str
    replaced: dict[str, int]


def nhs_number_is_valid(digits: str) -> bool:
    """Modulus 11 check digit, as the NHS defines it."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def redact(text: str) -> Redaction:
    counts: dict[str, int] = {}

    def sub(pattern: re.Pattern[str], kind: str, text: str, keep: Callable[[re.Match[str]], bool] | None = None) -> str:
        def replace(match: re.Match[str]) -> str:
            if keep is not None and keep(match):
                return match.group(0)
            counts[kind] = counts.get(kind, 0) + 1
            lead = match.groupdict().get("lead") or ""
            return lead + PLACEHOLDERS[kind]

        return pattern.sub(replace, text)

    text = sub(_EMAIL, "email", text)
    text = sub(_DOB, "dob", text)
    # NHS numbers before phone numbers: both are runs of ten digits, only one has a valid check digit.
    text = sub(_NHS, "nhs", text, keep=lambda m: not nhs_number_is_valid("".join(m.groups())))
    text = sub(_PHONE, "phone", text)
    text = sub(_ADDRESS, "address", text)
    text = sub(_POSTCODE, "postcode", text)
    text = sub(_NAME_AFTER_TITLE, "name", text)
    text = sub(_NAME_AFTER_PHRASE, "name", text)
    text = sub(_NAME_AFTER_RELATIVE, "name", text)
    return Redaction(text=text, replaced=counts)
