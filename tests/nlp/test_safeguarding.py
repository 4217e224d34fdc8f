"""Risk phrases: every pattern fires on what it is for, and not on talk about the subject in general."""

from __future__ import annotations

import re

import pytest

from nlp.safeguarding import PATTERNS, risk_phrases

AT_RISK = [
    ("I don't want to live anymore", "suicide or self-harm"),
    ("I keep thinking I'd be better off without me around, everyone would", "suicide or self-harm"),
    ("she said she wants to end it tonight", "suicide or self-harm"),
    ("I've been self harming again", "suicide or self-harm"),
    ("I'm not safe tonight", "suicide or self-harm"),
    ("my stepdad hits my mum when he drinks", "abuse or violence"),
    ("He pushed me into the wall", "abuse or violence"),
    ("I'm scared to go home", "abuse or violence"),
    ("he won't let her see her sister", "abuse or violence"),
    ("unexplained bruises on his arms", "abuse or violence"),
    ("the older boys have him running county lines", "exploitation"),
    ("her new lodger is taking her pension", "exploitation"),
    ("I think she has been trafficked", "exploitation"),
    ("the carers haven't come for three days", "left without care"),
    ("left in bed all day with no food", "left without care"),
    ("Dad hasn't eaten since Tuesday", "left without care"),
    ("I slept on a night bus", "left without care"),
]

NOT_AT_RISK = [
    "I want to die at home, not in hospital",
    "Self-harm awareness training for teachers",
    "We need safeguarding training for volunteers",
    "The bus was late and the clinic was cold",
    "Domestic abuse services should be in GP surgeries",
    "They won't let me have a phone appointment",
    "Between appointments I wait a long time",
]


@pytest.mark.parametrize(("text", "kind"), AT_RISK)
def test_risk_phrases_are_found_with_their_kind(text: str, kind: str) -> None:
    found = risk_phrases(text)
    assert {p.kind for p in found} == {kind}
    assert text[found[0].start : found[0].end] == found[0].text


@pytest.mark.parametrize("text", NOT_AT_RISK)
def test_talk_about_the_subject_is_not_a_flag(text: str) -> None:
    assert risk_phrases(text) == []


def test_curly_apostrophes_from_phones_still_match() -> None:
    assert risk_phrases("I don\u2019t want to live")


def test_each_pattern_needs_one_of_its_words() -> None:
    """The quick word check must never hide a match: each example that a pattern matches contains a word."""
    for text, _ in AT_RISK:
        lower = text.lower()
        for _, pattern, words in PATTERNS:
            if re.search(pattern, text, re.IGNORECASE):
                assert any(word in lower for word in words), (pattern, text)
