"""The corpus checker finds bad lines; the held-out and safeguarding files pass it with the coverage issue 15 asks."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

import pytest

DATA = Path(__file__).resolve().parents[2] / "nlp" / "data"


def _load_checker() -> ModuleType:
    # nlp/data is a folder of data files, not a package: load the script by path, as `python3` runs it.
    spec = importlib.util.spec_from_file_location("check_corpus", DATA / "check_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_corpus"] = module
    spec.loader.exec_module(module)
    return module


check_corpus = _load_checker()
HELDOUT = DATA / "lambeth-what-matters" / "heldout.jsonl"
EXTRA = DATA / "lambeth-what-matters" / "safeguarding-extra.jsonl"
VOICES = DATA / "lambeth-what-matters" / "voices.jsonl"
CORPUS = (DATA / "lambeth-what-matters" / "train.jsonl", DATA / "lambeth-what-matters" / "dev.jsonl")


def _line(**changes: object) -> dict[str, object]:
    line: dict[str, object] = {
        "text": "The carers didn't come all day and she was left in bed.",
        "themes": ["quality", "safe"],
        "sentiment": "negative",
        "safeguarding": True,
        "safeguarding_kinds": ["neglect"],
        "voice": "carer",
        "frameworks": {"lambeth-outcomes": ["safe-respected"], "lambeth-together-outcomes": ["experience-of-care"]},
    }
    line.update(changes)
    return line


def _problems(line: Mapping[str, object], *, partial: bool = False) -> list[str]:
    frameworks = check_corpus.load_frameworks()
    main = frameworks["lambeth-what-matters"]
    return list(check_corpus.check_line(line, main=main, frameworks=frameworks, partial=partial))


def test_a_good_line_has_no_problems() -> None:
    assert _problems(_line()) == []


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"themes": ["safety"]}, "unknown id 'safety'"),
        ({"themes": ["safe", "safe"]}, "repeated"),
        ({"sentiment": "angry"}, "sentiment must be one of"),
        ({"safeguarding_kinds": ["bullying"]}, "unknown id 'bullying'"),
        ({"safeguarding": False}, "exactly when"),
        ({"safeguarding_kinds": []}, "exactly when"),
        ({"safeguarding": "yes"}, "true or false"),
        ({"themes": ["quality"]}, "without the 'safe' theme"),
        ({"text": "  "}, "non-empty"),
        ({"voice": ""}, "voice"),
        ({"frameworks": {"lambeth-outcomes": ["happy"]}}, "frameworks.lambeth-outcomes: unknown id 'happy'"),
        ({"frameworks": {"no-such-framework": []}}, "not a framework"),
        ({"frameworks": {"lambeth-what-matters": ["safe"]}}, "not a framework other than"),
    ],
)
def test_a_bad_line_is_named_with_its_problem(changes: dict[str, object], problem: str) -> None:
    found = _problems(_line(**changes))
    assert any(problem in message for message in found), found


def test_every_field_is_required_unless_partial() -> None:
    line = {"text": "Lunch club is a lifeline", "themes": ["thrive"]}
    assert any("missing" in message for message in _problems(line))
    assert _problems(line, partial=True) == []


def test_sub_themes_must_agree_with_the_top_level_themes() -> None:
    frameworks = check_corpus.load_frameworks()
    main = frameworks["lambeth-what-matters"]
    frameworks["detail"] = check_corpus.Framework(
        "detail", ("safe.abuse", "quality.kind"), {"safe.abuse": "safe", "quality.kind": "quality"}
    )
    agreeing = _line(frameworks={"detail": ["safe.abuse", "quality.kind"]})
    missing_parent = _line(themes=["safe"], frameworks={"detail": ["safe.abuse", "quality.kind"]})
    missing_sub = _line(frameworks={"detail": ["safe.abuse"]})
    assert check_corpus.check_line(agreeing, main=main, frameworks=frameworks, partial=False) == []
    for line in (missing_parent, missing_sub):
        problems = check_corpus.check_line(line, main=main, frameworks=frameworks, partial=False)
        assert any("imply" in message for message in problems), problems


def test_a_file_reports_line_numbers_duplicates_and_bad_json(tmp_path: Path) -> None:
    folder = tmp_path / "lambeth-what-matters"
    folder.mkdir()
    path = folder / "bad.jsonl"
    good = json.dumps(_line())
    path.write_text(f"{good}\n\n{{not json\n{good}\n[1, 2]\n", encoding="utf-8")
    report = check_corpus.check_file(path)
    assert report.lines == 4
    assert any(":3: not JSON" in message for message in report.problems)
    assert any(":4: the same text as line 1" in message for message in report.problems)
    assert any(":5: not a JSON object" in message for message in report.problems)
    assert check_corpus.main([str(path), "--quiet"]) == 1


def test_the_framework_comes_from_the_folder_name(tmp_path: Path) -> None:
    path = tmp_path / "unknown-framework" / "lines.jsonl"
    path.parent.mkdir()
    path.write_text(json.dumps(_line()) + "\n", encoding="utf-8")
    assert any("no framework 'unknown-framework'" in p for p in check_corpus.check_file(path).problems)
    assert check_corpus.check_file(path, framework_id="lambeth-what-matters").problems == []


def test_heldout_safeguarding_and_voices_files_are_valid_and_share_no_text() -> None:
    reports = [check_corpus.check_file(path) for path in (HELDOUT, EXTRA, VOICES)]
    assert [problem for report in reports for problem in report.problems] == []
    assert check_corpus.shared_texts(reports) == []
    corpus = [check_corpus.check_file(path, partial=True) for path in CORPUS]
    assert check_corpus.shared_texts([reports[2], *corpus]) == [], "voices.jsonl repeats no corpus text"
    others = set(check_corpus.load_frameworks()) - {"lambeth-what-matters"}
    for path in (HELDOUT, EXTRA, VOICES):
        with path.open(encoding="utf-8") as lines:
            assert all(set(json.loads(line)["frameworks"]) == others for line in lines), path


def test_heldout_covers_every_theme_voice_and_kind() -> None:
    report = check_corpus.check_file(HELDOUT)
    assert report.lines >= 420
    assert min(report.themes[theme] for theme in ("listen", "easier", "quality", "choice", "thrive", "safe")) >= 60
    assert min(report.kinds[kind] for kind in check_corpus.KINDS) >= 8
    assert len(report.voices) >= 10
    assert max(report.voices.values()) <= 2 * min(report.voices.values())
    assert report.lines - report.at_risk >= 60


def test_safeguarding_extra_has_25_examples_per_kind_and_80_near_misses() -> None:
    report = check_corpus.check_file(EXTRA)
    assert min(report.kinds[kind] for kind in check_corpus.KINDS) >= 25
    assert report.lines - report.at_risk >= 80


def test_voices_has_the_voices_near_misses_and_kinds_issue_15_asks() -> None:
    """voices.jsonl: 1,200 texts in the voices the corpus lacks, 250 near misses (ordinary complaints that look close,
    counted among the lines not at risk) and at least 15 at-risk texts of every kind."""
    report = check_corpus.check_file(VOICES)
    assert report.lines - report.at_risk >= 1200 + 250
    assert min(report.kinds[kind] for kind in check_corpus.KINDS) >= 15
    assert len(report.voices) >= 10 and min(report.voices.values()) >= 35
    with VOICES.open(encoding="utf-8") as lines:
        words = [len(json.loads(line)["text"].split()) for line in lines]
    assert sum(count >= 200 for count in words) >= 40, "long Healthwatch-style reports"
