"""Themes from a framework and its sub-themes' framework together: the ways of combining them that were measured.

lambeth-what-matters (6 themes) and lambeth-what-matters-detailed (45 sub-themes, each naming one of the six as its
parent) are tagged in one pass. Candidates, scored against the what-matters labels (micro / macro F1, per theme):

- baseline: the six-theme model alone;
- union: its themes plus the parents of the sub-themes given (equal to those parents: the detailed model's parent
  heads learn the same labels as the six-theme heads, so every theme given is also a parent given);
- mean-parent-head: the mean of the theme's score and the detailed model's parent head (equal to the baseline);
- mean-best-sub-theme: the mean of the theme's score and its likeliest sub-theme's, against the mean of their
  thresholds; mean-parent-head-best-sub-theme: the same with the parent head as a third;
- weighted-best-sub-theme W: the same with the sub-theme weighted W (W from --weights; what the tagger does with
  nlp.model.SUB_THEME_WEIGHT, chosen on the development split and out-of-fold scores);
- rescue A: the baseline, plus a theme whose score is at least A times its threshold when one of its sub-themes
  reaches its own threshold.

`--split dev` (default) or any test file; `--oof` instead scores the out-of-fold training scores of the detailed
model's heads (its parent heads are the six-theme heads, fitted as `make model` fits them; long-text windows are not
applied there). The held-out split is for accepting a choice made here, never for making it: the defaults are the
values chosen (weight 0.1, rescue 0.9), and the grids were run on the development split and out of fold only:

    .venv/bin/python bench/sub_theme_blend.py --split dev --weights 0.1,0.2,0.3,0.4,0.5 --rescue 0.5,0.6,0.7,0.8,0.9
    .venv/bin/python bench/sub_theme_blend.py --oof --weights 0.1,0.2,0.3,0.4,0.5 --rescue 0.5,0.6,0.7,0.8,0.9
    .venv/bin/python bench/sub_theme_blend.py --split heldout
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp.model import SubThemes, ThemeModel, default_model_dir  # noqa: E402
from nlp.tagger import Tagger  # noqa: E402
from nlp.training import read_examples  # noqa: E402

CORPUS = ROOT / "nlp" / "data" / "lambeth-what-matters"
PARENT, DETAILED = "lambeth-what-matters", "lambeth-what-matters-detailed"


class Scores:
    """Per text: the six-theme scores D, the parent-head scores P, the sub-theme scores S, and the truth."""

    def __init__(self, direct: ThemeModel, detailed: ThemeModel, d: Any, p: Any, s: Any, truth: Any) -> None:
        self.themes = direct.theme_ids
        self.direct, self.detailed = direct, detailed
        self.d, self.p, self.s, self.truth = d, p, s, truth
        self.t_d = np.array([direct.card.thresholds[t] for t in self.themes])
        self.t_p = np.array([detailed.card.parent_thresholds[t] for t in self.themes])
        t_s = np.array([detailed.card.thresholds[t] for t in detailed.theme_ids])
        parent_of = np.array([self.themes.index(theme.parent or "") for theme in detailed.framework.themes])
        rows = np.arange(len(d))
        self.m, self.t_m = np.zeros_like(d), np.zeros_like(d)
        self.sub_hit = np.zeros(d.shape, dtype=bool)
        for column in range(len(self.themes)):
            children = np.flatnonzero(parent_of == column)
            best = children[np.argmax(s[:, children], axis=1)]
            self.m[:, column], self.t_m[:, column] = s[rows, best], t_s[best]
            self.sub_hit[:, column] = (s[:, children] >= t_s[children]).any(axis=1)


def from_split(path: Path) -> Scores:
    direct, detailed = ThemeModel.load(default_model_dir(PARENT)), ThemeModel.load(default_model_dir(DETAILED))
    examples = [e for e in read_examples(path, direct.framework) if e.themes is not None]
    alone = Tagger([direct, detailed])
    docs = list(alone.nlp.pipe([e.text for e in examples]))
    features = direct.featurizer(docs)
    d = direct.scores(docs, features=features).topics[:, : len(direct.theme_ids)]
    both = detailed.scores(docs, features=features).topics
    s, p = both[:, : len(detailed.theme_ids)], both[:, len(detailed.theme_ids) :]
    english = np.array([not r.needs_translation for r in alone.tag([e.text for e in examples])])
    d, p, s = (np.where(english[:, None], array, 0.0) for array in (d, p, s))
    truth = np.array([[t in (e.themes or ()) for t in direct.theme_ids] for e in examples])
    return Scores(direct, detailed, d, p, s, truth)


def from_folds() -> Scores:
    """Out-of-fold scores of the detailed model's heads on the training texts (training stops after the heads)."""
    import nlp.training as training
    from nlp.cues import english_pipeline

    direct, detailed = ThemeModel.load(default_model_dir(PARENT)), ThemeModel.load(default_model_dir(DETAILED))
    framework = detailed.framework
    paths = [CORPUS / name for name in ("train.jsonl", "safeguarding-extra.jsonl", "voices.jsonl")]
    examples = [e for path in paths for e in training.read_examples(path, framework)]
    texts = len([e for e in examples if e.themes is not None])
    captured: dict[str, Any] = {}

    class Stop(Exception):
        pass

    fit = training._heads

    def capture(*args: Any) -> Any:
        heads = fit(*args)
        captured["held"] = np.column_stack([head.held_out for head in heads])[:texts]
        captured["labels"] = args[1][:texts].astype(bool)
        raise Stop

    training._heads = capture  # type: ignore[assignment]
    try:
        training.train_model(framework, examples, nlp=english_pipeline(), jobs=2)
    except Stop:
        pass
    finally:
        training._heads = fit  # type: ignore[assignment]
    held, labels, subs = captured["held"], captured["labels"], len(detailed.theme_ids)
    assert detailed.parent_ids == direct.theme_ids
    return Scores(direct, detailed, held[:, subs:], held[:, subs:], held[:, :subs], labels[:, subs:])


def candidates(x: Scores, weights: Sequence[float], rescue: Sequence[float]) -> dict[str, Any]:
    base = x.d >= x.t_d
    found = {
        "baseline": base,
        "union": base | (x.p >= x.t_p) | x.sub_hit,
        "mean-parent-head": (x.d + x.p) / 2 >= (x.t_d + x.t_p) / 2,
        "mean-best-sub-theme": (x.d + x.m) / 2 >= (x.t_d + x.t_m) / 2,
        "mean-parent-head-best-sub-theme": (x.d + x.p + x.m) / 3 >= (x.t_d + x.t_p + x.t_m) / 3,
    }
    for w in weights:
        # What the tagger ships, at this weight.
        blended = x.direct.with_sub_themes(x.d, SubThemes(x.detailed, x.s), weight=w)
        found[f"weighted-best-sub-theme {w}"] = blended >= x.t_d
    for a in rescue:
        found[f"rescue {a}"] = base | ((x.d >= a * x.t_d) & x.sub_hit)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="dev", help="dev, heldout or a file of labelled lines")
    parser.add_argument("--oof", action="store_true", help="score out-of-fold training scores instead")
    parser.add_argument("--weights", default="0.1", help="sub-theme weights to try (the grid: on dev or --oof only)")
    parser.add_argument("--rescue", default="0.9", help="rescue factors to try (the grid: on dev or --oof only)")
    args = parser.parse_args()
    if args.oof:
        scores, name = from_folds(), "out of fold"
    else:
        path = Path(args.split) if Path(args.split).is_file() else CORPUS / f"{args.split}.jsonl"
        scores, name = from_split(path), path.name
    weights = [float(w) for w in args.weights.split(",") if w]
    rescue = [float(a) for a in args.rescue.split(",") if a]
    print(f"{name}: {len(scores.truth)} texts; micro / macro F1 and per theme")
    for label, found in candidates(scores, weights, rescue).items():
        truth = scores.truth
        tp, fp, fn = (found & truth).sum(0), (found & ~truth).sum(0), (~found & truth).sum(0)
        f1 = 2 * tp / np.maximum(2 * tp + fp + fn, 1)
        micro = 2 * tp.sum() / max(2 * tp.sum() + fp.sum() + fn.sum(), 1)
        themes = " ".join(f"{t} {v:.3f}" for t, v in zip(scores.themes, f1, strict=True))
        print(f"{label:<34} {micro:.3f} / {f1[(tp + fn) > 0].mean():.3f} | {themes}")


if __name__ == "__main__":
    main()
