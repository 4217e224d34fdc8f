"""Training for any framework: thresholds, bad files named by line, and an honest development score."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nlp.cues import english_pipeline
from nlp.frameworks import builtin_frameworks, parse_framework
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
    assert score.micro_f1 >= 0.70 and score.macro_f1 >= 0.70
    assert (score.safeguarding_recall or 0) >= 0.8


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
