"""Risk phrases: every kind is found in present and past tense, first and third person, and talk about the subject
in general is not a flag."""

from __future__ import annotations

import re

import pytest

from nlp.safeguarding import KIND_NAMES, KINDS, PATTERNS, risk_phrases, trigger_words

AT_RISK = [
    ("I don't want to live anymore", "risk_to_life"),
    ("I keep thinking I'd be better off without me around, everyone would", "risk_to_life"),
    ("she said she wants to end it tonight", "risk_to_life"),
    ("I've been self harming again", "risk_to_life"),
    ("he took an overdose last year and he's talking the same way now", "risk_to_life"),
    ("I'm not safe tonight", "risk_to_life"),
    ("she's been saving up her tablets", "risk_to_life"),
    ("nobody has seen him for days and his curtains are shut", "risk_to_life"),
    ("the curtains have been closed for a week", "risk_to_life"),
    ("mum has dementia and keeps wandering the streets at night", "risk_to_life"),
    ("the carer slapped my mother across the face", "physical"),
    ("He pushed me into the wall", "physical"),
    ("a nurse grabbed him by the arm", "physical"),
    ("unexplained bruises on his arms", "physical"),
    ("my stepdad hits my mum when he drinks", "domestic"),
    ("my husband threatened to take the children", "domestic"),
    ("I'm scared to go home", "domestic"),
    ("he won't let her see her sister", "domestic"),
    ("my mother-in-law keeps her passport", "domestic"),
    ("the driver touched her leg and said it was a secret", "sexual"),
    ("he touches my breast during the massage", "sexual"),
    ("my bf says he'll send my nudes to everyone", "sexual"),
    ("she was raped at a party", "sexual"),
    ("the carer threatens her with putting her in a home", "psychological"),
    ("he calls her a useless cow every day", "psychological"),
    ("the staff humiliated my dad in front of everyone", "psychological"),
    ("her new lodger is taking her pension", "financial"),
    ("my nan was scammed out of £800", "financial"),
    ("there are cash withdrawals every day from his account", "financial"),
    ("they persuaded him to sign the house over", "financial"),
    ("the older boys have him running county lines", "modern_slavery"),
    ("I think she has been trafficked", "modern_slavery"),
    ("the boss took my documents and says I owe him £10,000", "modern_slavery"),
    ("they have him working for nothing at a car wash", "modern_slavery"),
    ("he gets racist abuse from the neighbours", "discriminatory"),
    ("the staff were mocking him for his stammer", "discriminatory"),
    ("they refused to serve her because she's Muslim", "discriminatory"),
    ("the receptionist told my mum 'you people always want something for nothing'", "discriminatory"),
    ("another resident calls him a paki and the staff do nothing", "discriminatory"),
    ("the home uses a lap belt on her all day", "organisational"),
    ("the call bells are switched off at night", "organisational"),
    ("they sedated her to keep the ward quiet", "organisational"),
    ("the carers haven't come for three days", "neglect"),
    ("left in bed all day with no food", "neglect"),
    ("Dad hasn't eaten since Tuesday", "neglect"),
    ("she came home from the ward with pressure sores", "neglect"),
    ("I slept on a night bus", "neglect"),
    ("his dad kicked him out of the house last night", "neglect"),
    ("the kids were left alone overnight again", "neglect"),
    ("my brother won't let anyone in and the flat is full of bottles", "self_neglect"),
    ("dad has stopped looking after himself since mum left", "self_neglect"),
    ("he stopped taking his insulin", "self_neglect"),
]

NOT_AT_RISK = [
    "I want to die at home, not in hospital",
    "Self-harm awareness training for teachers",
    "We need safeguarding training for volunteers",
    "The bus was late and the clinic was cold",
    "Domestic abuse services should be in GP surgeries",
    "They won't let me have a phone appointment",
    "Between appointments I wait a long time",
    "Suicide prevention should be part of every GP's training",
    "We need to talk about racism in the NHS",
    "I called the surgery forty times",
    "I haven't seen a doctor in weeks",
    "We put the bins out at night",
    "Thank you for your kind words at the meeting",
    "Services should fit people like me, and the culture of our community",
]


@pytest.mark.parametrize(("text", "kind"), AT_RISK)
def test_risk_phrases_are_found_with_their_kind(text: str, kind: str) -> None:
    found = risk_phrases(text)
    assert kind in {p.kind for p in found}, found
    assert text[found[0].start : found[0].end] == found[0].text


def test_every_kind_has_rules_and_examples_and_a_name() -> None:
    assert len(KINDS) == 11 and set(KIND_NAMES) == set(KINDS)
    assert {kind for kind, _, _ in PATTERNS} == set(KINDS)
    assert {kind for _, kind in AT_RISK} == set(KINDS)


@pytest.mark.parametrize("text", NOT_AT_RISK)
def test_talk_about_the_subject_is_not_a_flag(text: str) -> None:
    assert risk_phrases(text) == []


def test_curly_apostrophes_from_phones_still_match() -> None:
    assert risk_phrases("I don\u2019t want to live")


def test_each_pattern_needs_one_of_its_words() -> None:
    """The quick word check must never hide a match: each example that a pattern matches contains a trigger word."""
    for text, _ in AT_RISK:
        words = trigger_words(text)
        for _, pattern, triggers in PATTERNS:
            if re.search(pattern, text, re.IGNORECASE):
                assert words & set(triggers.split()), (pattern, text)


def test_the_engage_side_names_the_same_kinds_as_the_tagger() -> None:
    from engage.safeguarding.models import KIND_NAMES as ENGAGE_KIND_NAMES
    from nlp.safeguarding import KIND_NAMES, KINDS

    assert ENGAGE_KIND_NAMES == KIND_NAMES and set(KINDS) == set(KIND_NAMES)
