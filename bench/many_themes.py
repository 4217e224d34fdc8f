"""Many themes: Engage's model against a plain TF-IDF + LinearSVC baseline, trained on the same split in one run.

The baseline is what anyone would try first: scikit-learn's TfidfVectorizer and OneVsRestClassifier(LinearSVC()),
all defaults, on the raw texts. Engage's is `nlp.training.train_model`, as `engage nlp train` runs it (with the
shipped texts for sentiment and safeguarding). Both are scored on the development split and on the held-out split
(texts written apart from the corpus); micro- and macro-F1, macro over the themes present in that split. For a
framework whose themes have parents, the parents of the themes given are also scored against the lines' labels in
the parent framework (what a dashboard by broad theme shows).

Default: lambeth-what-matters-detailed (45 sub-themes, half of them with fewer than 50 training examples) on the
shipped corpus. Any coded data set: `--framework F.json --train T.jsonl [--train T2.jsonl] --dev D.jsonl
[--heldout H.jsonl]`. Run by hand: `.venv/bin/python bench/many_themes.py` (about a minute).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp.cues import english_pipeline  # noqa: E402
from nlp.frameworks import Framework, builtin_frameworks, load_framework  # noqa: E402
from nlp.tagger import Tagger  # noqa: E402
from nlp.training import Example, read_examples, shipped_labelled_examples, train_model  # noqa: E402

CORPUS = ROOT / "nlp" / "data" / "lambeth-what-matters"


def f1(truth: Sequence[Sequence[str]], found: Sequence[Sequence[str]], themes: Sequence[str]) -> tuple[float, float]:
    """Micro-F1, and macro-F1 over the themes with at least one true example."""
    tp_all = fp_all = fn_all = 0
    per_theme = []
    for theme in themes:
        tp = sum(1 for t, f in zip(truth, found, strict=True) if theme in t and theme in f)
        fp = sum(1 for t, f in zip(truth, found, strict=True) if theme not in t and theme in f)
        fn = sum(1 for t, f in zip(truth, found, strict=True) if theme in t and theme not in f)
        tp_all, fp_all, fn_all = tp_all + tp, fp_all + fp, fn_all + fn
        if tp + fn:
            per_theme.append(2 * tp / (2 * tp + fp + fn))
    micro = 2 * tp_all / max(2 * tp_all + fp_all + fn_all, 1)
    return micro, float(np.mean(per_theme)) if per_theme else 0.0


def baseline(train: Sequence[Example], themes: Sequence[str]) -> object:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.svm import LinearSVC

    labels = np.array([[theme in (e.themes or ()) for theme in themes] for e in train], dtype=int)
    present = labels.sum(axis=0) > 0
    vectorizer = TfidfVectorizer()
    classifier = OneVsRestClassifier(LinearSVC()).fit(
        vectorizer.fit_transform([e.text for e in train]), labels[:, present]
    )
    kept = [theme for theme, keep in zip(themes, present, strict=True) if keep]

    def predict(texts: Sequence[str]) -> list[list[str]]:
        rows = classifier.predict(vectorizer.transform(texts))
        return [[theme for theme, hit in zip(kept, row, strict=True) if hit] for row in rows]

    return predict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framework", type=Path, default=ROOT / "nlp/frameworks/lambeth-what-matters-detailed.json")
    parser.add_argument("--train", type=Path, action="append")
    parser.add_argument("--dev", type=Path, default=CORPUS / "dev.jsonl")
    parser.add_argument("--heldout", type=Path, default=CORPUS / "heldout.jsonl")
    args = parser.parse_args()
    framework = load_framework(args.framework)
    train_paths = args.train or [CORPUS / "train.jsonl", CORPUS / "safeguarding-extra.jsonl", CORPUS / "voices.jsonl"]
    examples = [e for path in train_paths for e in read_examples(path, framework)]
    train = [e for e in examples if e.themes is not None]
    themes = list(framework.theme_ids)
    counts = [sum(theme in (e.themes or ()) for e in train) for theme in themes]
    print(
        f"{framework.id}: {len(themes)} themes, {len(train):,} training texts; "
        f"{sum(c < 50 for c in counts)} themes with fewer than 50 examples (fewest {min(counts)})"
    )
    nlp = english_pipeline()
    started = time.perf_counter()
    model = train_model(framework, examples, nlp=nlp, labelled=shipped_labelled_examples(framework))
    engage_seconds = time.perf_counter() - started
    started = time.perf_counter()
    predict_baseline = baseline(train, themes)
    baseline_seconds = time.perf_counter() - started
    print(f"training: Engage {engage_seconds:.1f} s, baseline {baseline_seconds:.1f} s")
    tagger = Tagger(model, nlp)
    parent_framework = _parent_framework(framework)
    for name, path in (("dev", args.dev), ("held-out", args.heldout)):
        if path is None or not path.is_file():
            continue
        split = [e for e in read_examples(path, framework) if e.themes is not None]
        if not split:
            print(f"{name}: no lines labelled for {framework.id}")
            continue
        texts = [e.text for e in split]
        truth = [e.themes or [] for e in split]
        results = tagger.tag(texts)
        ours = [r.themes for r in results]
        theirs = predict_baseline(texts)  # type: ignore[operator]
        engage_micro, engage_macro = f1(truth, ours, themes)
        base_micro, base_macro = f1(truth, theirs, themes)
        print(
            f"{name:>8} ({len(split)} texts): Engage micro {engage_micro:.3f} macro {engage_macro:.3f} | "
            f"TF-IDF + LinearSVC micro {base_micro:.3f} macro {base_macro:.3f}"
        )
        if parent_framework is not None:
            parent_of = {theme.id: theme.parent for theme in framework.themes}
            lines = read_examples(path, parent_framework)
            parent_truth = [e.themes or [] for e in lines if e.themes is not None]
            if len(parent_truth) == len(split):
                ours_parents = [r.parents for r in results]
                theirs_parents = [sorted({parent_of[t] for t in found} - {None}) for found in theirs]
                parents = list(parent_framework.theme_ids)
                engage_micro, engage_macro = f1(parent_truth, ours_parents, parents)
                base_micro, base_macro = f1(parent_truth, theirs_parents, parents)  # type: ignore[arg-type]
                print(
                    f"{'':>8} parent themes ({parent_framework.id}): Engage micro {engage_micro:.3f} macro "
                    f"{engage_macro:.3f} | baseline micro {base_micro:.3f} macro {base_macro:.3f}"
                )


def _parent_framework(framework: Framework) -> Framework | None:
    parents = {theme.parent for theme in framework.themes if theme.parent}
    if not parents:
        return None
    for candidate in builtin_frameworks().values():
        if parents <= set(candidate.theme_ids) and candidate.id != framework.id:
            return candidate
    return None


if __name__ == "__main__":
    main()
