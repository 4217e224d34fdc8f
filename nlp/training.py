"""Training and evaluating theme models, for any framework: the library behind `engage nlp train/evaluate/retrain`.

Per-theme thresholds are tuned on out-of-fold predictions over the training data (k-fold), so the development split
stays untouched and the scores reported on it are honest. Sentiment and safeguarding do not depend on the framework:
their heads learn from every example that carries those labels (Engage's own corpus, plus any labelled lines given).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
from spacy.language import Language

from nlp.frameworks import Framework
from nlp.model import SENTIMENTS, ModelCard, Score, TextFeatures, ThemeModel, text_features

MAX_TEXT = 20_000
SAFEGUARDING_FLOOR = 0.25
DATA_DIR = Path(__file__).parent / "data"

Progress = Callable[[str, int, int], None]
"""Called as progress(step description, done, total)."""


class Example(msgspec.Struct, frozen=True, kw_only=True):
    text: str
    themes: list[str] | None = None
    """None when the line is labelled for sentiment or safeguarding only."""
    sentiment: str | None = None
    safeguarding: bool | None = None


class TrainingDataError(ValueError):
    """A training or test file that cannot be used; the message names the line and the problem."""


def parse_examples(lines: Sequence[bytes], framework: Framework, *, source: str) -> list[Example]:
    decoder = msgspec.json.Decoder(Example)
    known = set(framework.theme_ids)
    examples: list[Example] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        where = f"{source}, line {number}"
        try:
            example = decoder.decode(raw)
        except (msgspec.DecodeError, UnicodeDecodeError) as exc:
            raise TrainingDataError(f"{where}: {exc}") from exc
        if not example.text.strip():
            raise TrainingDataError(f"{where}: the text is empty")
        if len(example.text) > MAX_TEXT:
            raise TrainingDataError(f"{where}: the text is {len(example.text):,} characters; the limit is {MAX_TEXT:,}")
        unknown = sorted(set(example.themes or ()) - known)
        if unknown:
            raise TrainingDataError(f"{where}: theme {unknown[0]!r} is not in framework {framework.id!r}")
        if example.sentiment is not None and example.sentiment not in SENTIMENTS:
            raise TrainingDataError(f"{where}: sentiment must be one of {', '.join(SENTIMENTS)}")
        examples.append(example)
    if not examples:
        raise TrainingDataError(f"{source}: no examples")
    return examples


def read_examples(path: Path, framework: Framework) -> list[Example]:
    try:
        lines = path.read_bytes().splitlines()
    except OSError as exc:
        raise TrainingDataError(f"{path}: {exc.strerror}") from exc
    return parse_examples(lines, framework, source=str(path))


def corpus_path(framework_id: str, split: str) -> Path:
    return DATA_DIR / framework_id / f"{split}.jsonl"


def shipped_labelled_examples(framework: Framework) -> list[Example]:
    """Engage's own training corpus, the source of every model's sentiment and safeguarding heads."""
    from nlp.frameworks import DEFAULT_FRAMEWORK, builtin_frameworks

    default = builtin_frameworks()[DEFAULT_FRAMEWORK]
    examples = read_examples(corpus_path(DEFAULT_FRAMEWORK, "train"), default)
    if framework.id == DEFAULT_FRAMEWORK:
        return examples
    return [msgspec.structs.replace(example, themes=None) for example in examples]


def _fit_binary(features: Any, labels: Any, c: float) -> tuple[Any, float]:
    from sklearn.linear_model import LogisticRegression

    if labels.min() == labels.max():
        # One class only: a constant model that always answers it.
        return np.zeros(features.shape[1], dtype=np.float32), 30.0 if labels[0] else -30.0
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=1000)
    model.fit(features, labels)
    return model.coef_[0].astype(np.float32), float(model.intercept_[0])


def _out_of_fold(features: Any, labels: Any, folds: int, c: float) -> Any:
    from sklearn.model_selection import KFold

    scores = np.zeros(len(labels), dtype=np.float32)
    for fit_rows, held_rows in KFold(folds, shuffle=True, random_state=7).split(labels):
        coef, bias = _fit_binary(features[fit_rows], labels[fit_rows], c)
        scores[held_rows] = 1.0 / (1.0 + np.exp(-np.clip(features[held_rows] @ coef + bias, -30, 30)))
    return scores


def best_threshold(labels: Any, scores: Any, *, beta: float = 1.0) -> float:
    """The threshold with the best F-beta on held-out scores; ties go to the one nearest 0.5."""
    positives = int(labels.sum())
    if positives == 0:
        return 1.01
    best, best_value = 0.5, -1.0
    for threshold in np.arange(0.05, 0.951, 0.01):
        predicted = scores >= threshold
        tp = int((predicted & (labels == 1)).sum())
        fp = int((predicted & (labels == 0)).sum())
        fn = positives - tp
        b2 = beta * beta
        value = (1 + b2) * tp / max((1 + b2) * tp + b2 * fn + fp, 1)
        if value > best_value + 1e-9 or (abs(value - best_value) <= 1e-9 and abs(threshold - 0.5) < abs(best - 0.5)):
            best, best_value = float(threshold), value
    return round(best, 2)


def train_model(
    framework: Framework,
    examples: Sequence[Example],
    *,
    nlp: Language,
    labelled: Sequence[Example] = (),
    dev: Sequence[Example] | None = None,
    progress: Progress | None = None,
    jobs: int | None = None,
    c: float = 5.0,
) -> ThemeModel:
    """Train a model for `framework` on `examples` (each with themes). `labelled` adds sentiment and safeguarding
    labels; `dev`, when given, is scored and recorded on the model card (it is never used for fitting)."""
    from joblib import Parallel, delayed
    from sklearn.feature_extraction.text import TfidfVectorizer

    report = progress or (lambda step, done, total: None)
    themed = [example for example in examples if example.themes is not None]
    if not themed:
        raise TrainingDataError("no examples with themes to learn from")
    seen = {example.text for example in themed}
    extra = [example for example in labelled if example.text not in seen]
    texts = [example.text for example in themed] + [example.text for example in extra]
    report("Reading texts", 0, len(texts))
    featured: list[TextFeatures] = []
    for number, doc in enumerate(nlp.pipe(texts, batch_size=256), start=1):
        featured.append(text_features(doc))
        if number % 500 == 0:
            report("Reading texts", number, len(texts))
    report("Reading texts", len(texts), len(texts))

    def identity(items: list[str]) -> list[str]:
        return items

    word_vectorizer = TfidfVectorizer(analyzer=identity, sublinear_tf=True, dtype=np.float32)
    char_vectorizer = TfidfVectorizer(analyzer=identity, sublinear_tf=True, min_df=2, dtype=np.float32)
    from scipy.sparse import hstack

    matrix = hstack(
        [
            word_vectorizer.fit_transform([f.words for f in featured]),
            char_vectorizer.fit_transform([f.chars for f in featured]),
        ]
    ).tocsr()
    theme_rows = matrix[: len(themed)]
    theme_ids = list(framework.theme_ids)
    labels = np.array([[theme in (example.themes or ()) for theme in theme_ids] for example in themed], dtype=np.int8)
    folds = 5 if len(themed) < 3000 else 3
    workers = jobs or max(1, min(len(os.sched_getaffinity(0)), 4))
    total = len(theme_ids)

    def one_theme(column: int) -> tuple[Any, float, float]:
        target = labels[:, column]
        threshold = best_threshold(target, _out_of_fold(theme_rows, target, folds, c)) if target.sum() >= 3 else 0.5
        coef, bias = _fit_binary(theme_rows, target, c)
        return coef, bias, threshold

    results: list[tuple[Any, float, float]] = []
    report("Learning themes", 0, total)
    for batch_start in range(0, total, workers * 2):
        batch = range(batch_start, min(total, batch_start + workers * 2))
        results.extend(Parallel(n_jobs=workers, prefer="threads")(delayed(one_theme)(i) for i in batch))
        report("Learning themes", len(results), total)

    all_examples = list(themed) + extra
    report("Learning sentiment and safeguarding", 0, 2)
    sentiment_coef, sentiment_bias = _fit_sentiment(matrix, all_examples, c)
    report("Learning sentiment and safeguarding", 1, 2)
    safe_rows = [i for i, example in enumerate(all_examples) if example.safeguarding is not None]
    if safe_rows:
        safe_labels = np.array([int(bool(all_examples[i].safeguarding)) for i in safe_rows], dtype=np.int8)
        safe_matrix = matrix[safe_rows]
        # Recall matters more than precision here (a person reviews every flag): tuned for F2, but never below
        # SAFEGUARDING_FLOOR, under which most flags were false on our development split and alerts stop being read.
        safe_threshold = (
            max(SAFEGUARDING_FLOOR, best_threshold(safe_labels, _out_of_fold(safe_matrix, safe_labels, 5, c), beta=2.0))
            if safe_labels.sum() >= 5
            else 0.5
        )
        safe_coef, safe_bias = _fit_binary(safe_matrix, safe_labels, c)
    else:
        safe_coef, safe_bias, safe_threshold = np.zeros(matrix.shape[1], dtype=np.float32), -30.0, 0.5
    report("Learning sentiment and safeguarding", 2, 2)

    arrays = {
        "idf_word": word_vectorizer.idf_.astype(np.float32),
        "idf_char": char_vectorizer.idf_.astype(np.float32),
        "theme_coef": np.column_stack([coef for coef, _, _ in results]).astype(np.float32),
        "theme_bias": np.array([bias for _, bias, _ in results], dtype=np.float32),
        "sentiment_coef": sentiment_coef,
        "sentiment_bias": sentiment_bias,
        "safeguarding_coef": np.asarray(safe_coef, dtype=np.float32),
        "safeguarding_bias": np.array([safe_bias], dtype=np.float32),
    }
    trained_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    thresholds = {theme: threshold for theme, (_, _, threshold) in zip(theme_ids, results, strict=True)}
    card = ModelCard(
        version=ThemeModel.version_for(
            framework.id, trained_at, arrays, {**thresholds, "(safeguarding)": safe_threshold}
        ),
        framework=framework,
        thresholds=thresholds,
        safeguarding_threshold=safe_threshold,
        trained_at=trained_at,
        train_examples=len(themed),
        word_vocab=list(word_vectorizer.get_feature_names_out()),
        char_vocab=list(char_vectorizer.get_feature_names_out()),
    )
    model = ThemeModel(card, arrays)
    if dev:
        report("Scoring the development split", 0, 1)
        card.dev = evaluate(model, dev, nlp=nlp)
        report("Scoring the development split", 1, 1)
    return model


def _fit_sentiment(matrix: Any, examples: Sequence[Example], c: float) -> tuple[Any, Any]:
    from sklearn.linear_model import LogisticRegression

    rows = [i for i, example in enumerate(examples) if example.sentiment is not None]
    coef = np.zeros((matrix.shape[1], len(SENTIMENTS)), dtype=np.float32)
    bias = np.zeros(len(SENTIMENTS), dtype=np.float32)
    bias[SENTIMENTS.index("neutral")] = 1.0
    targets = [SENTIMENTS.index(str(examples[i].sentiment)) for i in rows]
    if len(set(targets)) < 2:
        return coef, bias
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    model.fit(matrix[rows], targets)
    for position, label in enumerate(model.classes_):
        coef[:, label] = model.coef_[position]
        bias[label] = model.intercept_[position]
    return coef, bias


def evaluate(model: ThemeModel, examples: Sequence[Example], *, nlp: Language) -> Score:
    from nlp.tagger import Tagger

    themed = [example for example in examples if example.themes is not None]
    predictions = Tagger(model, nlp).tag([example.text for example in themed])
    per_theme: dict[str, dict[str, float]] = {}
    totals = [0, 0, 0]
    f1s = []
    for theme in model.theme_ids:
        truth = [theme in (example.themes or ()) for example in themed]
        found = [theme in prediction.themes for prediction in predictions]
        tp = sum(1 for t, f in zip(truth, found, strict=True) if t and f)
        fp = sum(1 for t, f in zip(truth, found, strict=True) if f and not t)
        fn = sum(1 for t, f in zip(truth, found, strict=True) if t and not f)
        totals = [totals[0] + tp, totals[1] + fp, totals[2] + fn]
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
        if tp + fn:
            f1s.append(f1)
        per_theme[theme] = {
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "f1": round(f1, 3),
            "support": float(tp + fn),
        }
    tp, fp, fn = totals
    sentiment_pairs = [(e.sentiment, p.sentiment) for e, p in zip(themed, predictions, strict=True) if e.sentiment]
    flagged = [
        (bool(e.safeguarding), p.safeguarding)
        for e, p in zip(themed, predictions, strict=True)
        if e.safeguarding is not None
    ]
    at_risk = [hit for truth, hit in flagged if truth]
    raised = [truth for truth, hit in flagged if hit]
    return Score(
        examples=len(themed),
        micro_f1=round(2 * tp / (2 * tp + fp + fn), 4) if tp + fp + fn else 0.0,
        macro_f1=round(sum(f1s) / len(f1s), 4) if f1s else 0.0,
        per_theme=per_theme,
        sentiment_accuracy=round(sum(a == b for a, b in sentiment_pairs) / len(sentiment_pairs), 4)
        if sentiment_pairs
        else None,
        safeguarding_recall=_share(sum(at_risk), len(at_risk)),
        safeguarding_precision=_share(sum(raised), len(raised)),
    )


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
