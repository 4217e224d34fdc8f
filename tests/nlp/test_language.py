"""Contributions not in English are recognised as such, never silently treated as English."""

from __future__ import annotations

import pytest

from engage.demo.data import I_STATEMENTS, STORIES
from nlp.language import detect_language, needs_translation


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("I want someone to ring me back when they say they will.", "en"),
        ("Minha mãe não fala inglês e não havia intérprete na consulta.", "pt"),
        ("Minha mae nao fala ingles e nao havia interprete na consulta.", "pt"),
        ("Mi padre tuvo un derrame y nadie nos explicó qué hacer en casa.", "es"),
        ("Moja babcia mieszka sama i nie wie, gdzie szukać pomocy.", "pl"),
        ("Ma mère ne parle pas anglais et personne ne nous a aidés.", "fr"),
        ("أمي لا تتكلم الإنجليزية ولم يكن هناك مترجم", "ar"),
    ],
)
def test_the_language_of_a_short_contribution(text: str, language: str) -> None:
    assert detect_language(text).language == language


def test_too_little_to_go_on_is_unknown_not_a_guess() -> None:
    for text in ("", "OK", "12345 !!!", "Brixton Stockwell"):
        guess = detect_language(text)
        assert guess.language == "unknown"
        assert needs_translation(guess)


def test_every_english_demo_contribution_is_english_and_every_other_is_not() -> None:
    for text in I_STATEMENTS:
        assert detect_language(text).language == "en", text
    for text, language in STORIES:
        assert detect_language(text).language == language, text
