"""`engage nlp tag | train | evaluate`: the contract for benchmarking Engage on anyone's coded data."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest


def engage(*args: str, stdin: str = "", timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engage", "nlp", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_tag_writes_one_result_per_line_and_names_bad_lines() -> None:
    lines = [
        json.dumps({"id": 1, "text": "I waited weeks for an appointment and nobody called me back"}),
        json.dumps({"id": 2, "text": ""}),
        "{broken",
        json.dumps({"id": 4, "text": "Não consigo marcar consulta no médico de família há três semanas"}),
        json.dumps({"id": 5, "text": "x" * 100_001}),
        json.dumps({"id": 6, "text": "\u0000\u0001\u0002\u0003\u0004 \u0005\u0006"}),
        json.dumps({"id": "seven", "text": "I'm scared to go home, he hits me"}),
    ]
    result = engage("tag", stdin="\n".join(lines) + "\n")
    assert result.returncode == 2
    out = {row["id"]: row for row in map(json.loads, result.stdout.splitlines())}
    assert set(out) == {1, 4, "seven"}
    first = out[1]
    assert set(first) >= {"id", "themes", "scores", "evidence", "sentiment", "language", "safeguarding"}
    assert "easier" in first["themes"] and set(first["scores"]) == {
        "listen",
        "easier",
        "quality",
        "choice",
        "thrive",
        "safe",
    }
    assert first["evidence"]["easier"][0]["text"]
    assert out[4]["language"] == "pt" and out[4]["themes"] == [] and out[4]["needs_translation"]
    assert out["seven"]["safeguarding"] is True
    for number, reason in ((2, "text is empty"), (3, "line 3"), (5, "the limit is 100,000"), (6, "binary")):
        assert f"line {number}:" in result.stderr and reason in result.stderr


@pytest.fixture(scope="module")
def coded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small coded data set in someone else's framework, with ids that are not slugs."""
    root = tmp_path_factory.mktemp("coded")
    framework = {
        "id": "ward-feedback",
        "name": "Ward feedback",
        "themes": [
            {"id": "Food", "name": "Food"},
            {"id": "Staff - attitude", "name": "Staff attitude", "description": "How staff treated people"},
            {"id": "Noise at night", "name": "Noise"},
        ],
    }
    (root / "framework.json").write_text(json.dumps(framework))
    food = ["the food was cold", "dinner arrived late and cold", "lovely meals", "no vegetarian food", "tea was cold"]
    staff = ["the nurses were rude", "staff were kind and caring", "a nurse shouted at me", "doctors were polite"]
    noise = ["too noisy to sleep", "machines beeping all night", "loud patients at night", "noise kept me awake"]
    rows = []
    for i in range(60):
        rows.append({"text": f"{food[i % 5]} on day {i}", "themes": ["Food"]})
        rows.append({"text": f"{staff[i % 4]}, visit {i}", "themes": ["Staff - attitude"]})
        rows.append({"text": f"{noise[i % 4]} in bay {i}", "themes": ["Noise at night"]})
    rows.append({"text": "the food was cold and the staff were rude", "themes": ["Food", "Staff - attitude"]})
    (root / "train.jsonl").write_text("\n".join(json.dumps(r) for r in rows[:150]) + "\n")
    (root / "test.jsonl").write_text("\n".join(json.dumps(r) for r in rows[150:]) + "\n")
    return root


def test_train_then_evaluate_then_tag_with_any_framework(coded: Path) -> None:
    model = coded / "model"
    trained = engage(
        "train",
        "--framework",
        str(coded / "framework.json"),
        "--train",
        str(coded / "train.jsonl"),
        "--dev",
        str(coded / "test.jsonl"),
        "--out",
        str(model),
    )
    assert trained.returncode == 0, trained.stderr
    assert "micro-F1" in trained.stdout and "Staff - attitude" in trained.stdout
    evaluated = engage("evaluate", "--model", str(model), "--test", str(coded / "test.jsonl"), "--json")
    assert evaluated.returncode == 0, evaluated.stderr
    score = json.loads(evaluated.stdout)
    assert score["micro_f1"] >= 0.9 and set(score["per_theme"]) == {"Food", "Staff - attitude", "Noise at night"}
    tagged = engage("tag", "--model", str(model), stdin=json.dumps({"id": "a", "text": "dinner was cold again"}))
    assert json.loads(tagged.stdout)["themes"] == ["Food"]


def test_a_bad_training_file_is_refused_with_its_line(coded: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine", "themes": ["Food"]}\n{"text": "odd", "themes": ["Parking"]}\n')
    result = engage(
        "train", "--framework", str(coded / "framework.json"), "--train", str(bad), "--out", str(tmp_path / "m")
    )
    assert result.returncode == 2
    assert "line 2: theme 'Parking' is not in framework 'ward-feedback'" in result.stderr
    assert not (tmp_path / "m").exists()


def test_a_malformed_framework_file_names_the_line(tmp_path: Path) -> None:
    framework = tmp_path / "f.json"
    framework.write_text('{"id": "x",\n "name": "X",\n "themes": [\n')
    result = engage("train", "--framework", str(framework), "--train", str(framework), "--out", str(tmp_path / "m"))
    assert result.returncode == 2 and "line 3 (the end of the file)" in result.stderr


def test_evaluate_without_a_model_says_so(tmp_path: Path) -> None:
    result = engage("evaluate", "--model", str(tmp_path), "--test", str(tmp_path / "t.jsonl"))
    assert result.returncode == 2 and "not a model directory" in result.stderr


def test_tag_with_a_framework_engage_has_no_model_for_says_what_to_do() -> None:
    result = engage("tag", "--framework", "nhs-feedback", stdin='{"id": 1, "text": "hello there"}\n')
    assert result.returncode == 2 and "ships no model for 'nhs-feedback'" in result.stderr


def test_tag_against_several_frameworks_in_one_pass() -> None:
    line = json.dumps({"id": 1, "text": "I waited six weeks for a GP appointment and nobody rang me back"})
    result = engage("tag", "--also", "lambeth-what-matters-detailed", "--also", "lambeth-outcomes", stdin=line)
    assert result.returncode == 0, result.stderr
    row = json.loads(result.stdout)
    assert set(row["frameworks"]) == {"lambeth-what-matters", "lambeth-what-matters-detailed", "lambeth-outcomes"}
    assert row["frameworks"]["lambeth-what-matters"]["themes"] == row["themes"]
    detailed = row["frameworks"]["lambeth-what-matters-detailed"]
    assert any(theme.startswith("easier.") for theme in detailed["themes"]), detailed["scores"]
    assert "easier" in detailed["parents"]


def test_evaluate_reports_each_split_and_safeguarding_per_kind(tmp_path: Path) -> None:
    lines = [
        {
            "text": "my husband hits me and takes my wages",
            "themes": ["safe"],
            "safeguarding": True,
            "safeguarding_kinds": ["domestic", "financial"],
        },
        {
            "text": "the bus to the clinic is always late",
            "themes": ["easier"],
            "safeguarding": False,
            "safeguarding_kinds": [],
        },
    ]
    dev, heldout = tmp_path / "dev.jsonl", tmp_path / "heldout.jsonl"
    for path in (dev, heldout):
        path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    result = engage(
        "evaluate", "--model", "nlp/models/lambeth-what-matters", "--test", str(dev), "--test", str(heldout)
    )
    assert result.returncode == 0, result.stderr
    assert f"== {dev}" in result.stdout and f"== {heldout}" in result.stdout
    assert "false alarms 0.000 of texts not at risk" in result.stdout
    assert re.search(r"domestic\s+1\.000\s+1\.000\s+1", result.stdout), result.stdout


def test_evaluate_with_the_sub_themes_model_scores_the_blended_themes(tmp_path: Path) -> None:
    """Lines labelled with what the two models give together: scored 1.0 with --also, lower without (these short
    texts are ones whose themes the sub-themes change)."""
    from nlp.cues import english_pipeline
    from nlp.model import ThemeModel, default_model_dir
    from nlp.tagger import Tagger

    texts = [
        "I never got a reply to my email",
        "Mum had no say in which care home",
        "evening classes in English for adults, with a creche",
        "The pharmacist was helpful but I had to go to four pharmacies before one had my tablets.",
    ]
    nlp = english_pipeline()
    models = [ThemeModel.load(default_model_dir(f)) for f in ("lambeth-what-matters", "lambeth-what-matters-detailed")]
    together = [result.themes for result in Tagger(models, nlp).tag(texts)]
    alone = [result.themes for result in Tagger(models[0], nlp).tag(texts)]
    assert together != alone, "none of these texts is tagged differently with the sub-themes any more"
    test = tmp_path / "test.jsonl"
    test.write_text(
        "".join(json.dumps({"text": t, "themes": themes}) + "\n" for t, themes in zip(texts, together, strict=True))
    )
    model = ["--model", "nlp/models/lambeth-what-matters", "--test", str(test), "--json"]
    blended = engage("evaluate", *model, "--also", "nlp/models/lambeth-what-matters-detailed")
    assert blended.returncode == 0, blended.stderr
    assert json.loads(blended.stdout)["micro_f1"] == 1.0
    assert json.loads(engage("evaluate", *model).stdout)["micro_f1"] < 1.0
    missing = engage("evaluate", *model, "--also", "no-such-framework")
    assert missing.returncode == 2 and "not a model directory" in missing.stderr
