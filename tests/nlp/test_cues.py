"""Cue phrases match by lemma and come back as evidence spans with offsets."""

from __future__ import annotations

import pytest

from nlp.cues import CueMatcher, english_pipeline
from nlp.frameworks import DEFAULT_FRAMEWORK, builtin_frameworks, parse_framework


@pytest.fixture(scope="module")
def matcher() -> CueMatcher:
    return CueMatcher(english_pipeline(), builtin_frameworks()[DEFAULT_FRAMEWORK])


def test_lemmas_are_looked_up_after_lower_casing() -> None:
    doc = english_pipeline()("Waiting and WAITED, the children listened")
    assert [t.lemma_ for t in doc] == ["wait", "and", "wait", ",", "the", "child", "listen"]


def test_inflected_forms_match_their_cue_and_offsets_point_at_the_words(matcher: CueMatcher) -> None:
    text = "Nobody listened when I said I was lonely after months waiting for appointments."
    found = matcher.evidence(english_pipeline()(text))
    assert set(found) == {"listen", "thrive", "easier"}
    listened = found["listen"][0]
    assert text[listened.start : listened.end] == "listened" and listened.cue == "listen"
    assert {e.text for e in found["easier"]} == {"waiting", "appointments"}


def test_multi_word_cues_match_as_phrases(matcher: CueMatcher) -> None:
    found = matcher.evidence(english_pipeline()("We finally got a personal budget. The same carers come now."))
    assert [e.text for e in found["choice"]] == ["personal budget"]
    assert "quality" in found


def test_nothing_is_claimed_without_a_cue(matcher: CueMatcher) -> None:
    assert matcher.evidence(english_pipeline()("The weather was nice on Tuesday.")) == {}


def test_batches_go_through_nlp_pipe() -> None:
    framework = parse_framework(b'{"id": "t", "name": "T", "themes": [{"id": "a", "name": "A", "cues": ["fall"]}]}')
    matcher = CueMatcher(english_pipeline(), framework)
    results = matcher.evidence_for_texts(["She fell twice.", "No cue here.", "Falls at night scare me."])
    assert [sorted(r) for r in results] == [["a"], [], ["a"]]
