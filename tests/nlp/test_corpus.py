"""Every line of Engage's corpus is labelled for every shipped framework, consistently.

`themes` are lambeth-what-matters ids; `frameworks` holds the labels for the other three; `safeguarding_kinds` are
the Care Act 2014 kinds of abuse and neglect plus risk to life. How the labels were chosen: LABELS.md beside the
corpus.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nlp.frameworks import DEFAULT_FRAMEWORK, builtin_frameworks

CORPUS = Path(__file__).resolve().parents[2] / "nlp" / "data" / DEFAULT_FRAMEWORK
DETAILED = "lambeth-what-matters-detailed"
OTHER_FRAMEWORKS = (DETAILED, "lambeth-outcomes", "lambeth-together-outcomes")
KINDS = (
    "physical",
    "domestic",
    "sexual",
    "psychological",
    "financial",
    "modern_slavery",
    "discriminatory",
    "organisational",
    "neglect",
    "self_neglect",
    "risk_to_life",
)
FRAMEWORKS = builtin_frameworks()
KEYS = ["text", "themes", "sentiment", "safeguarding", "frameworks", "safeguarding_kinds"]


def _lines(split: str) -> list[dict[str, Any]]:
    with (CORPUS / f"{split}.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


@pytest.fixture(scope="module")
def corpus() -> dict[str, list[dict[str, Any]]]:
    return {split: _lines(split) for split in ("train", "dev", "voices")}


def _problems(line: dict[str, Any]) -> list[str]:
    frameworks = FRAMEWORKS
    problems = []
    if list(line) not in (KEYS, [*KEYS, "voice"]):
        problems.append(f"keys {list(line)}")
    themes = line.get("themes", [])
    known = frameworks[DEFAULT_FRAMEWORK].theme_ids
    if not set(themes) <= set(known) or len(set(themes)) != len(themes):
        problems.append(f"themes {themes}")
    labelled = line.get("frameworks", {})
    if list(labelled) != list(OTHER_FRAMEWORKS):
        problems.append(f"frameworks {list(labelled)}")
    for framework_id in OTHER_FRAMEWORKS:
        ids = labelled.get(framework_id, [])
        ordered = [theme for theme in frameworks[framework_id].theme_ids if theme in ids]
        if ids != ordered:
            problems.append(f"{framework_id}: unknown, repeated or out of framework order: {ids}")
    parents = {theme.id: theme.parent for theme in frameworks[DETAILED].themes}
    implied = {parents.get(sub) for sub in labelled.get(DETAILED, [])}
    if implied != set(themes):
        problems.append(f"sub-themes imply {sorted(map(str, implied))}, themes are {sorted(themes)}")
    kinds = line.get("safeguarding_kinds", [])
    if kinds != [kind for kind in KINDS if kind in kinds]:
        problems.append(f"kinds unknown, repeated or out of order: {kinds}")
    if line.get("safeguarding") is not bool(kinds):
        problems.append(f"safeguarding {line.get('safeguarding')} with kinds {kinds}")
    if kinds and "safe" not in themes:
        problems.append("a safeguarding concern without the safe theme")
    return problems


def test_every_line_is_labelled_for_every_framework_consistently(corpus: dict[str, list[dict[str, Any]]]) -> None:
    problems = [
        f"{split}.jsonl:{number}: {problem}"
        for split, lines in corpus.items()
        for number, line in enumerate(lines, start=1)
        for problem in _problems(line)
    ]
    assert problems == []
    assert {split: len(lines) for split, lines in corpus.items()} == {"train": 1328, "dev": 307, "voices": 1750}


def test_the_checks_catch_each_kind_of_mistake(corpus: dict[str, list[dict[str, Any]]]) -> None:
    line = next(line for line in corpus["train"] if line["safeguarding"])
    assert _problems(line) == []
    wrong_parent = {**line, "frameworks": {**line["frameworks"], DETAILED: ["easier.phones"]}}
    unflagged = {**line, "safeguarding": False}
    unknown_kind = {**line, "safeguarding_kinds": ["bullying"]}
    no_outcomes = {**line, "frameworks": {DETAILED: line["frameworks"][DETAILED]}}
    assert all(_problems(bad) for bad in (wrong_parent, unflagged, unknown_kind, no_outcomes))


def test_every_theme_of_every_framework_is_used_in_train(corpus: dict[str, list[dict[str, Any]]]) -> None:
    frameworks = FRAMEWORKS
    used: dict[str, set[str]] = {framework_id: set() for framework_id in OTHER_FRAMEWORKS}
    for line in corpus["train"]:
        for framework_id, ids in line["frameworks"].items():
            used[framework_id].update(ids)
    assert {framework_id: set(frameworks[framework_id].theme_ids) - ids for framework_id, ids in used.items()} == {
        framework_id: set() for framework_id in OTHER_FRAMEWORKS
    }


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        (
            "My mother-in-law was called racist names by another resident and staff just laughed",
            {"discriminatory", "organisational"},
        ),
        ("The staff were racist to my dad", {"discriminatory"}),
        (
            "A nurse made a racist comment about my mum's hair and nothing happened when we complained",
            {"discriminatory", "organisational"},
        ),
    ],
)
def test_racist_abuse_in_care_is_a_safeguarding_concern(
    corpus: dict[str, list[dict[str, Any]]], text: str, kinds: set[str]
) -> None:
    (line,) = [line for line in corpus["train"] + corpus["dev"] if line["text"] == text]
    assert line["safeguarding"] and kinds <= set(line["safeguarding_kinds"])
