"""Quotes lose the details that identify people and keep the places, services and conditions that give meaning."""

from __future__ import annotations

import pytest

from nlp.redact import nhs_number_is_valid, redact


def test_nhs_numbers_need_a_valid_check_digit() -> None:
    assert nhs_number_is_valid("9434765919")
    assert not nhs_number_is_valid("9434765918")
    assert not nhs_number_is_valid("123456789")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Email me at ama.owusu@example.org please", "Email me at [email] please"),
        ("Call me on 07700 900123 after 6", "Call me on [phone] after 6"),
        ("The surgery is on 020 7946 0958.", "The surgery is on [phone]."),
        ("My NHS number is 943 476 5919.", "My NHS number is [NHS number]."),
        ("Reference 1234567890 on the letter", "Reference 1234567890 on the letter"),
        ("We live near SW9 8QH in Stockwell", "We live near [postcode] in Stockwell"),
        ("I live at 14 Acre Lane in Brixton", "I live at [address] in Brixton"),
        ("Flat 3, 27 Railton Road was cold", "[address] was cold"),
        ("I was born on 12/03/1950 in Lagos", "I was born on [date of birth] in Lagos"),
        ("DOB: 3 March 1941.", "DOB: [date of birth]."),
        ("Dr Okafor at King's was brilliant", "Dr [name] at King's was brilliant"),
        ("My name is Joao Silva and I care for my mum", "My name is [name] and I care for my mum"),
        ("my son Kwame has autism", "my son [name] has autism"),
        ("Nurse Bridget explained my Parkinson's medication", "Nurse [name] explained my Parkinson's medication"),
    ],
)
def test_redaction_replaces_personal_details_only(text: str, expected: str) -> None:
    assert redact(text).text == expected


def test_places_services_and_conditions_survive() -> None:
    text = "The memory clinic at St Thomas' and the Tulse Hill Carers' Hub helped with my COPD and dementia."
    result = redact(text)
    assert result.text == text
    assert result.replaced == {}


def test_the_count_of_each_kind_replaced_is_reported() -> None:
    result = redact("Ring 07700 900123 or 07700 900456, or write to a.b@example.org")
    assert result.replaced == {"phone": 2, "email": 1}
