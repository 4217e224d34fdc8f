"""Training for any framework: thresholds, bad files named by line, and an honest development score."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nlp.cues import english_pipeline
from nlp.frameworks import builtin_frameworks, parse_framework
from nlp.kinds import KINDS
from nlp.model import ThemeModel, default_model_dir
from nlp.training import TrainingDataError, best_threshold, corpus_path, evaluate, read_examples

DEFAULT = builtin_frameworks()["lambeth-what-matters"]


def test_the_corpus_is_large_varied_and_split() -> None:
    train = read_examples(corpus_path(DEFAULT.id, "train"), DEFAULT)
    dev = read_examples(corpus_path(DEFAULT.id, "dev"), DEFAULT)
    assert len(train) + len(dev) >= 1500 and len(dev) >= 250
    assert not {e.text for e in train} & {e.text for e in dev}, "the development split must be held out"
    for theme in DEFAULT.theme_ids:
        assert sum(theme in (e.themes or ()) for e in dev) >= 30
    lengths = [len(e.text.split()) for e in train]
    assert min(lengths) <= 4, "terse workshop notes"
    assert sum(length >= 50 for length in lengths) >= 80, "stories of 50 words and more"
    assert sum(bool(e.safeguarding) for e in train) >= 50
    assert {e.sentiment for e in train} == {"negative", "positive", "mixed", "neutral"}


def test_the_shipped_model_scores_what_the_readme_says_on_the_dev_split() -> None:
    model = ThemeModel.load(default_model_dir(DEFAULT.id))
    score = evaluate(model, read_examples(corpus_path(DEFAULT.id, "dev"), DEFAULT), nlp=english_pipeline())
    assert model.card.dev is not None
    assert score.micro_f1 == pytest.approx(model.card.dev.micro_f1, abs=1e-4)
    assert score.micro_f1 >= 0.75 and score.macro_f1 >= 0.75
    # 23 of the 30 at-risk development texts since two were flagged by HELDOUT.md's rules (RELABELLED.md): 0.77
    assert (score.safeguarding_recall or 0) >= 0.75
    heldout = evaluate(model, read_examples(corpus_path(DEFAULT.id, "heldout"), DEFAULT), nlp=english_pipeline())
    assert heldout.micro_f1 >= 0.78 and heldout.macro_f1 >= 0.78
    assert min(theme["f1"] for theme in heldout.per_theme.values()) >= 0.70
    assert (heldout.safeguarding_recall or 0) >= 0.97
    assert (heldout.safeguarding_false_alarms or 1) <= 0.10
    assert heldout.safeguarding_kinds is not None and set(heldout.safeguarding_kinds) == set(KINDS)


def test_best_threshold_maximises_f1_on_held_out_scores() -> None:
    labels = np.array([1, 1, 1, 0, 0, 0])
    scores = np.array([0.9, 0.8, 0.35, 0.3, 0.2, 0.1])
    assert 0.3 < best_threshold(labels, scores) <= 0.35
    assert best_threshold(np.zeros(3), np.array([0.1, 0.2, 0.3])) > 1.0


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('{"text": "fine", "themes": ["listen"]}\n{"text": "oops", "themes": ["nope"]}\n', "line 2: theme 'nope'"),
        ('{"text": "fine", "themes": ["listen"]}\n{"text": ""}\n', "line 2: the text is empty"),
        ('{"text": "fine", "themes": ["listen"]}\nnot json\n', "line 2: JSON is malformed"),
        ('{"text": 5, "themes": []}\n', r"line 1: Expected `str`, got `int` - at `\$\.text`"),
        ('{"text": "fine", "sentiment": "grumpy"}\n', "line 1: sentiment must be one of"),
        ("\n\n", "no examples"),
    ],
)
def test_a_bad_training_file_names_the_line_and_the_problem(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "train.jsonl"
    path.write_text(content)
    with pytest.raises(TrainingDataError, match=problem):
        read_examples(path, DEFAULT)


def test_a_framework_with_many_themes_trains_and_tags() -> None:
    from nlp.training import Example, train_model

    themes = ",".join(f'{{"id": "t{i}", "name": "Theme {i}"}}' for i in range(42))
    framework = parse_framework(f'{{"id": "big", "name": "Big", "themes": [{themes}]}}'.encode())
    words = ["parking", "food", "noise", "staff", "waiting", "cleanliness"]
    examples = [
        Example(text=f"the {words[i % 6]} issue number {i % 42} again", themes=[f"t{i % 42}"]) for i in range(300)
    ]
    model = train_model(framework, examples, nlp=english_pipeline())
    assert len(model.card.thresholds) == 42
    prediction = model.predict(list(english_pipeline().pipe(["the noise issue number 2 again"])))[0]
    assert set(prediction.scores) == set(framework.theme_ids)


def test_labels_come_from_the_line_s_frameworks_entry_when_it_has_one(tmp_path: Path) -> None:
    outcomes = builtin_frameworks()["lambeth-outcomes"]
    path = tmp_path / "t.jsonl"
    path.write_text(
        '{"text": "a", "themes": ["easier"], "frameworks": {"lambeth-outcomes": ["crisis"]}}\n'
        '{"text": "b", "themes": ["easier"], "frameworks": {"lambeth-together-outcomes": ["value"]}}\n'
        '{"text": "c", "themes": ["crisis"]}\n'
    )
    assert [e.themes for e in read_examples(path, outcomes)] == [["crisis"], None, ["crisis"]]
    path.write_text("\n".join(path.read_text().splitlines()[:2]) + "\n")
    assert [e.themes for e in read_examples(path, DEFAULT)] == [["easier"], ["easier"]]
    path.write_text('{"text": "a", "themes": ["easier"], "frameworks": {"lambeth-outcomes": ["nope"]}}\n')
    with pytest.raises(TrainingDataError, match="line 1: theme 'nope' is not in framework 'lambeth-outcomes'"):
        read_examples(path, outcomes)


def test_a_safeguarding_kind_that_does_not_exist_is_named(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"text": "a", "safeguarding": true, "safeguarding_kinds": ["spooky"]}\n')
    with pytest.raises(TrainingDataError, match="line 1: safeguarding kind 'spooky'"):
        read_examples(path, DEFAULT)


def test_shrunk_thresholds_sit_halfway_to_the_common_one() -> None:
    from nlp.training import shrunk_thresholds

    labels = np.array([[1, 0], [1, 0], [0, 1], [0, 0], [0, 0], [0, 1]])
    held_out = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.3], [0.2, 0.1], [0.1, 0.25], [0.3, 0.35]])
    common = best_threshold(labels.ravel(), held_out.ravel())
    own = [best_threshold(labels[:, i], held_out[:, i]) for i in range(2)]
    assert shrunk_thresholds(labels, held_out) == [pytest.approx((o + common) / 2, abs=1e-3) for o in own]
    assert own[0] != own[1], "the example must tell the two apart"


def test_sub_themes_get_their_parents_and_a_firing_parent_speaks_for_silent_children() -> None:
    from nlp.training import Example, train_model

    framework = parse_framework(
        b'{"id": "h", "name": "H", "themes": ['
        b'{"id": "wait.gp", "name": "GP", "parent": "wait"}, {"id": "wait.ae", "name": "A&E", "parent": "wait"},'
        b'{"id": "food", "name": "Food"}]}'
    )
    gp = ["weeks for a GP appointment", "the GP surgery phone line", "no GP appointment for a month"]
    ae = ["eight hours in A&E", "A&E was full all night", "a trolley in A&E for hours"]
    food = ["the food was cold", "lovely dinners", "no vegetarian food"]
    examples = [
        Example(text=f"{text} ({i})", themes=[theme])
        for i in range(6)
        for texts, theme in ((gp, "wait.gp"), (ae, "wait.ae"), (food, "food"))
        for text in texts
    ]
    model = train_model(framework, examples, nlp=english_pipeline())
    assert set(model.card.parent_thresholds) == {"wait"}
    docs = list(english_pipeline().pipe(["three weeks for a GP appointment", "the dinners were cold"]))
    gp_prediction, food_prediction = model.predict(docs)
    assert "wait.gp" in gp_prediction.themes and gp_prediction.parents == ["wait"]
    assert food_prediction.themes == ["food"] and food_prediction.parents == []
    # A parent head above its threshold gives its likeliest child even when no child reached its own.
    model._thresholds[:2] = 1.01
    silenced = model.predict(docs[:1])[0]
    assert silenced.themes == ["wait.gp"] and silenced.parents == ["wait"]


def test_every_shipped_framework_has_a_model_that_scores_on_both_splits() -> None:
    nlp = english_pipeline()
    for framework in builtin_frameworks().values():
        model = ThemeModel.load(default_model_dir(framework.id))
        assert model.framework == framework
        for split in ("dev", "heldout"):
            score = evaluate(model, read_examples(corpus_path(framework.id, split), framework), nlp=nlp)
            assert score.examples >= 300 and score.micro_f1 >= 0.5, (framework.id, split, score.micro_f1)


def test_sub_theme_definitions_teach_the_sub_theme_and_its_parent_and_keep_one_vocabulary() -> None:
    from nlp.training import definition_examples

    detailed = builtin_frameworks()["lambeth-what-matters-detailed"]
    own = definition_examples(detailed)
    heard = next(theme for theme in detailed.themes if theme.id == "listen.heard")
    texts = {example.text: example.themes for example in own}
    assert texts[heard.cues[0]] == ["listen.heard"]
    definition = next(text for text in texts if text.startswith(f"{heard.name}. "))
    assert "Out:" not in definition and texts[definition] == ["listen.heard"]
    for_parent = {example.text: example.themes for example in definition_examples(DEFAULT)}
    assert for_parent[definition] == ["listen"]
    outcomes = definition_examples(builtin_frameworks()["lambeth-outcomes"])
    assert {example.text for example in outcomes} == set(texts), "the same texts, so one feature space"
    assert all(example.themes is None for example in outcomes)
    someone_else_s = parse_framework(b'{"id": "ward", "name": "Ward", "themes": [{"id": "food", "name": "Food"}]}')
    assert definition_examples(someone_else_s) == []


def test_the_shipped_training_texts_are_the_corpus_the_safeguarding_texts_and_the_voices() -> None:
    """`make model` and retraining learn from the same files: train.jsonl, safeguarding-extra.jsonl, voices.jsonl."""
    from nlp.training import TRAINING_EXTRAS, shipped_training_examples

    assert TRAINING_EXTRAS == ("safeguarding-extra", "voices")
    texts = [example.text for example in shipped_training_examples(DEFAULT)]
    files = ["train", *TRAINING_EXTRAS]
    assert len(texts) == sum(len(read_examples(corpus_path(DEFAULT.id, name), DEFAULT)) for name in files)
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    assert all(f"$(CORPUS)/{name}.jsonl" in makefile for name in files)
    assert not set(texts) & {e.text for e in read_examples(corpus_path(DEFAULT.id, "dev"), DEFAULT)}
