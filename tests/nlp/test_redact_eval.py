"""The redactor on its held-out set, and the scoring and data behind those figures."""

from __future__ import annotations

import hashlib
from pathlib import Path

import msgspec
import pytest

from nlp.redact import REDACTOR_VERSION, find
from nlp.redact_eval import IDENTIFIER_KINDS, Labelled, Span, check, evaluate, from_markup, load

# Held-out figures when this was written (bench/redaction.py): 281 of 282 identifiers removed (99.6%), 838 of 839
# words kept (99.9%). The floors are those figures rounded down, so a change that loses ground fails here.
CORPUS_DEV = Path(__file__).resolve().parents[2] / "nlp" / "data" / "lambeth-what-matters" / "dev.jsonl"
REMOVED_FLOOR = 0.99
KEPT_FLOOR = 0.99

# What the redactor replaces in texts that do not change (the held-out set and the theme corpus's dev split), as a
# digest, for each REDACTOR_VERSION. Engage stores redacted text with the version and redoes it when the version
# moves, so output must not change under an old version. If this fails after you changed the redactor on purpose:
# bump REDACTOR_VERSION and record the new digest here (the failure message gives it).
BEHAVIOUR = {"2": "696ba96db35c3ad73c03dd9e14e1ef3c5fe694b13602aafe4c18d8332b4482b0"}


def test_held_out_identifiers_removed_and_words_kept_stay_at_or_above_the_floor() -> None:
    scores = evaluate(load("test"), find)
    assert scores.removed_share >= REMOVED_FLOOR, scores.missed
    assert scores.kept_share >= KEPT_FLOOR, scores.lost
    for kind in IDENTIFIER_KINDS:
        removed, total = scores.identifiers[kind]
        assert total >= 9, kind  # every kind is measured on enough examples to mean something
        if kind != "name":
            assert removed == total, (kind, scores.missed)


def test_the_held_out_set_is_big_varied_and_apart_from_the_tuning_set() -> None:
    test, tune = load("test"), load("tune")
    assert len(test) >= 200
    assert {t.voice for t in test} >= {"istatement", "story", "workshop", "staff", "esl", "message", "none", "lower"}
    assert sum(not t.identifiers for t in test) >= 40  # texts with no personal details at all
    assert not {t.text for t in test} & {t.text for t in tune}
    assert len({t.id for t in test + tune}) == len(test) + len(tune)


def test_redactor_output_changes_only_with_its_version() -> None:
    texts = [t.text for t in load("test")]
    texts += [msgspec.json.decode(line)["text"] for line in CORPUS_DEV.read_bytes().splitlines() if line.strip()]
    digest = hashlib.sha256()
    for text in texts:
        digest.update(msgspec.json.encode([text, find(text)]))
    assert BEHAVIOUR.get(REDACTOR_VERSION) == digest.hexdigest(), (
        f"the redactor's output changed: bump REDACTOR_VERSION and set BEHAVIOUR[new version] = {digest.hexdigest()!r}"
    )


def test_markup_becomes_offsets_and_capitalised_words_become_words_to_keep() -> None:
    labelled = from_markup("x-1", "istatement", "My dad, [[Kwame Mensah]], rang {{King's}} on [[07700 900123|p]].")
    assert labelled.text == "My dad, Kwame Mensah, rang King's on 07700 900123."
    assert [(s.value, s.kind) for s in labelled.identifiers] == [("Kwame Mensah", "name"), ("07700 900123", "phone")]
    assert [(s.value, s.kind) for s in labelled.keep] == [("My", "word"), ("King's", "term")]
    check(labelled)
    assert "I" not in {s.value for s in from_markup("x-2", "istatement", "I'm tired. I want help.").keep}


def test_a_name_counts_as_removed_only_when_all_of_it_is() -> None:
    labelled = from_markup("x-1", "story", "[[Tunde Bakare]] cares for his mother in {{Stockwell}}.")
    first_name_only = evaluate([labelled], lambda text: [(0, 5, "name")])
    assert first_name_only.identifiers["name"] == (0, 1)
    assert first_name_only.false_redactions == 0
    too_much = evaluate([labelled], lambda text: [(0, 12, "name"), (37, 46, "name")])
    assert too_much.identifiers["name"] == (1, 1)
    assert too_much.keep["term"] == (0, 1)
    assert too_much.false_redactions == 1


def test_offsets_that_do_not_match_their_words_are_refused() -> None:
    wrong = Labelled(
        id="x-1",
        voice="story",
        text="Ask for Bola.",
        identifiers=[Span(start=7, end=11, kind="name", value="Bola")],
        keep=[],
    )
    with pytest.raises(ValueError, match="x-1"):
        check(wrong)
