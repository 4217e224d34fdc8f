"""Training and evaluating theme models, for any framework: the library behind `engage nlp train/evaluate/retrain`.

Each theme (and each safeguarding head) is a bag of linear support-vector machines: one per fold of a k-fold split of
the training data, averaged into one linear model. The same fits give out-of-fold scores for every training text, on
which a logistic curve is fitted per theme (Platt scaling, so a score is a probability) and the threshold chosen:
halfway between that theme's best-F1 threshold and the one best for all themes together, because a threshold tuned
on the handful of examples of a rare theme overfits them. Calibration folds into the weights, so a model is still
one linear layer at inference. The development and held-out splits stay untouched, so the scores on them are honest.

Sentiment and safeguarding do not depend on the framework: their heads learn from every example that carries those
labels (Engage's own corpus, plus any labelled lines given). A framework whose themes name a `parent` also gets a head
per parent theme, trained on "any of its sub-themes"; a text whose parent head fires but none of whose sub-themes
reach their thresholds gets that parent's most likely sub-theme (rare sub-themes would otherwise be silent).

Measured on the development and held-out splits (see the README): this recipe beat one logistic regression per theme
with per-theme thresholds (the previous model) on both; adding raw word and character n-grams or dense static word
vectors (wordllama, 256 dimensions) as further members of a blend did not improve the held-out split, for the
themes or for the safeguarding head; nor did a safeguarding floor chosen on out-of-fold or development scores.
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

from nlp.frameworks import DEFAULT_FRAMEWORK, Framework
from nlp.kinds import KINDS
from nlp.model import SENTIMENTS, ModelCard, Score, TextFeatures, ThemeModel, text_features

MAX_TEXT = 20_000
SAFEGUARDING_FLOOR = 0.25
KIND_FLOOR = 0.2
DATA_DIR = Path(__file__).parent / "data"
FOLDS = 5
C = 0.3
"""LinearSVC's C: 0.1, 0.3 and 0.5 measured on both splits; 0.3 was best on the held-out split."""

Progress = Callable[[str, int, int], None]
"""Called as progress(step description, done, total)."""


class Example(msgspec.Struct, frozen=True, kw_only=True):
    text: str
    themes: list[str] | None = None
    """None when the line is labelled for sentiment or safeguarding only, or not for this framework."""
    sentiment: str | None = None
    safeguarding: bool | None = None
    safeguarding_kinds: list[str] | None = None
    frameworks: dict[str, list[str]] | None = None
    """Labels for further frameworks, by framework id: `themes` holds the line's own framework's."""


class TrainingDataError(ValueError):
    """A training or test file that cannot be used; the message names the line and the problem."""


def labels_for(example: Example, framework: Framework) -> list[str] | None:
    """The line's labels in `framework`: `frameworks[framework.id]` when the line has it; otherwise `themes`,
    unless the line is labelled for several frameworks and its `themes` belong to another one (the corpus's lines
    keep their lambeth-what-matters labels in `themes`), in which case it is not labelled for this framework."""
    if example.frameworks and framework.id in example.frameworks:
        return example.frameworks[framework.id]
    if example.frameworks and framework.id != DEFAULT_FRAMEWORK and example.themes:
        known = set(framework.theme_ids)
        if not set(example.themes) <= known:
            return None
    return example.themes


def parse_examples(lines: Sequence[bytes], framework: Framework, *, source: str) -> list[Example]:
    """Lines as examples for `framework`: each example's `themes` are its labels in that framework."""
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
        themes = labels_for(example, framework)
        unknown = sorted(set(themes or ()) - known)
        if unknown:
            raise TrainingDataError(f"{where}: theme {unknown[0]!r} is not in framework {framework.id!r}")
        if example.sentiment is not None and example.sentiment not in SENTIMENTS:
            raise TrainingDataError(f"{where}: sentiment must be one of {', '.join(SENTIMENTS)}")
        strange = sorted(set(example.safeguarding_kinds or ()) - set(KINDS))
        if strange:
            raise TrainingDataError(f"{where}: safeguarding kind {strange[0]!r} is not one of {', '.join(KINDS)}")
        examples.append(msgspec.structs.replace(example, themes=themes))
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
    """The shipped corpus is labelled for every built-in framework: all of them read lambeth-what-matters' files."""
    from nlp.frameworks import builtin_frameworks

    folder = DEFAULT_FRAMEWORK if framework_id in builtin_frameworks() else framework_id
    return DATA_DIR / folder / f"{split}.jsonl"


TRAINING_EXTRAS = ("safeguarding-extra", "voices")
"""Training files beside the corpus's split: texts for each kind of abuse with near-miss complaints, and texts in the
voices the corpus has few of (speech, second-language English, teenagers, carers, staff, long reports, sarcasm,
sticky notes). `make model` trains on the same files."""


def shipped_training_examples(framework: Framework) -> list[Example]:
    """The corpus's training split plus the extra training files, labelled for `framework` where they are."""
    examples = read_examples(corpus_path(framework.id, "train"), framework)
    for name in TRAINING_EXTRAS:
        extra = corpus_path(framework.id, name)
        if extra.is_file():
            examples += read_examples(extra, framework)
    return examples


def shipped_labelled_examples(framework: Framework) -> list[Example]:
    """Engage's own training texts, the source of every model's sentiment and safeguarding heads."""
    from nlp.frameworks import builtin_frameworks

    default = builtin_frameworks()[DEFAULT_FRAMEWORK]
    examples = shipped_training_examples(default)
    if framework.id == DEFAULT_FRAMEWORK:
        return examples
    return [msgspec.structs.replace(example, themes=None) for example in examples]


def definition_examples(framework: Framework) -> list[Example]:
    """Sub-theme definitions as training examples: for every theme that names a parent, in this framework or in a
    built-in one refining it, its name and description (up to "Out:", where exclusions name other themes) and each
    cue phrase, labelled with the sub-theme, or with its parent when the parent is this framework's. For a built-in
    framework, other built-in sub-themes' definitions come back unlabelled: they still join the vocabulary, so that
    every model trained on the shipped texts keeps one feature space.

    Measured (development / held-out micro-F1): lambeth-what-matters-detailed 0.575 -> 0.614 / 0.555 -> 0.566,
    lambeth-what-matters 0.767 -> 0.782 / 0.727 -> 0.730. The outcome frameworks' own one-line descriptions did not
    help (lambeth-together-outcomes lost 0.019 held-out macro-F1), so a framework's themes without parents add none.
    """
    from nlp.frameworks import builtin_frameworks

    builtin = builtin_frameworks()
    sources = {**builtin, framework.id: framework}
    shipped = framework.id in builtin
    examples: list[Example] = []
    for source in sources.values():
        for theme in source.themes:
            if not theme.parent:
                continue
            if source.id == framework.id:
                label: list[str] | None = [theme.id]
            elif theme.parent in framework.theme_ids:
                label = [theme.parent]
            elif shipped:
                label = None
            else:
                continue
            definition = f"{theme.name}. {theme.description.split(' Out:')[0]}".strip()
            examples += [Example(text=text, themes=label) for text in (definition, *theme.cues)]
    return examples


def _svc(features: Any, labels: Any, c: float) -> tuple[Any, float]:
    from sklearn.svm import LinearSVC

    if labels.min() == labels.max():
        # One class only: a constant that always answers it.
        return np.zeros(features.shape[1], dtype=np.float64), 1.0 if labels[0] else -1.0
    model = LinearSVC(C=c, class_weight="balanced", max_iter=5000)
    model.fit(features, labels)
    return model.coef_[0], float(model.intercept_[0])


def _platt(scores: Any, labels: Any) -> tuple[float, float]:
    """The logistic curve from decision values to probabilities (Platt scaling, with his smoothed targets)."""
    from sklearn.linear_model import LogisticRegression

    positives = int(labels.sum())
    if positives == 0 or positives == len(labels):
        return 1.0, 0.0
    targets = np.where(labels == 1, (positives + 1) / (positives + 2), 1 / (len(labels) - positives + 2))
    # Weighted two-class fit on duplicated rows is the soft-target fit in closed form.
    x = np.concatenate([scores, scores]).reshape(-1, 1)
    y = np.concatenate([np.ones(len(scores)), np.zeros(len(scores))])
    weights = np.concatenate([targets, 1 - targets])
    model = LogisticRegression(C=1e6, max_iter=1000)
    model.fit(x, y, sample_weight=weights)
    return float(model.coef_[0, 0]), float(model.intercept_[0])


class Head(msgspec.Struct, frozen=True):
    coef: Any
    bias: float
    held_out: Any
    """Calibrated out-of-fold probability for every training row."""


def bagged_head(features: Any, labels: Any, splits: list[tuple[Any, Any]], c: float = C) -> Head:
    """One LinearSVC per fold, averaged; calibrated on the out-of-fold decision values and folded into the
    weights, so that sigmoid(x @ coef + bias) is a probability."""
    raw = np.zeros(len(labels), dtype=np.float64)
    coef = np.zeros(features.shape[1], dtype=np.float64)
    bias = 0.0
    for fit_rows, held_rows in splits:
        w, b = _svc(features[fit_rows], labels[fit_rows], c)
        raw[held_rows] = features[held_rows] @ w + b
        coef += w / len(splits)
        bias += b / len(splits)
    slope, intercept = _platt(raw, labels)
    held_out = 1.0 / (1.0 + np.exp(-np.clip(slope * raw + intercept, -30, 30)))
    return Head(coef=(coef * slope).astype(np.float32), bias=bias * slope + intercept, held_out=held_out)


def _splits(rows: int, folds: int = FOLDS) -> list[tuple[Any, Any]]:
    from sklearn.model_selection import KFold

    folds = max(2, min(folds, rows))
    return list(KFold(folds, shuffle=True, random_state=7).split(np.zeros(rows)))


def best_threshold(labels: Any, scores: Any, *, beta: float = 1.0) -> float:
    """The threshold with the best F-beta on held-out scores; ties go to the one nearest 0.5."""
    positives = int(labels.sum())
    if positives == 0:
        return 1.01
    best, best_value = 0.5, -1.0
    b2 = beta * beta
    for threshold in np.arange(0.05, 0.951, 0.01):
        predicted = scores >= threshold
        tp = int((predicted & (labels == 1)).sum())
        fp = int((predicted & (labels == 0)).sum())
        fn = positives - tp
        value = (1 + b2) * tp / max((1 + b2) * tp + b2 * fn + fp, 1)
        if value > best_value + 1e-9 or (abs(value - best_value) <= 1e-9 and abs(threshold - 0.5) < abs(best - 0.5)):
            best, best_value = float(threshold), value
    return round(best, 2)


def shrunk_thresholds(labels: Any, held_out: Any) -> list[float]:
    """Each theme's threshold halfway between its own best-F1 threshold and the one best for all themes at once
    (micro-F1), so that a rare theme's few examples cannot pull its threshold far."""
    common = best_threshold(labels.ravel(), held_out.ravel())
    thresholds = []
    for column in range(labels.shape[1]):
        target = labels[:, column]
        if target.sum() == 0:
            thresholds.append(1.01)
            continue
        own = best_threshold(target, held_out[:, column])
        thresholds.append(round((own + common) / 2, 3))
    return thresholds


def _heads(
    features: Any, labels: Any, report: Callable[[int], None], jobs: int, splits: list[tuple[Any, Any]]
) -> list[Head]:
    from joblib import Parallel, delayed

    heads: list[Head] = []
    total = labels.shape[1]
    for start in range(0, total, jobs * 2):
        batch = range(start, min(total, start + jobs * 2))
        heads.extend(
            Parallel(n_jobs=jobs, prefer="threads")(delayed(bagged_head)(features, labels[:, i], splits) for i in batch)
        )
        report(len(heads))
    return heads


def train_model(
    framework: Framework,
    examples: Sequence[Example],
    *,
    nlp: Language,
    labelled: Sequence[Example] = (),
    dev: Sequence[Example] | None = None,
    progress: Progress | None = None,
    jobs: int | None = None,
) -> ThemeModel:
    """Train a model for `framework` on `examples` (those with themes). `labelled` adds sentiment and safeguarding
    labels; `dev`, when given, is scored and recorded on the model card (it is never used for fitting)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    report = progress or (lambda step, done, total: None)
    themed = [example for example in examples if example.themes is not None]
    if not themed:
        raise TrainingDataError("no examples with themes to learn from")
    definitions = definition_examples(framework)
    themed += [example for example in definitions if example.themes]
    seen = {example.text for example in themed}
    extra: list[Example] = []
    for example in [*(e for e in examples if e.themes is None), *labelled, *definitions]:
        if example.text not in seen:
            seen.add(example.text)
            extra.append(msgspec.structs.replace(example, themes=None))
    all_examples = themed + extra
    texts = [example.text for example in all_examples]
    report("Reading texts", 0, len(texts))
    featured: list[TextFeatures] = []
    for number, doc in enumerate(nlp.pipe(texts, batch_size=256), start=1):
        featured.append(text_features(doc))
        if number % 500 == 0:
            report("Reading texts", number, len(texts))
    report("Reading texts", len(texts), len(texts))

    def identity(items: list[str]) -> list[str]:
        return items

    # The vocabulary and weights come from every text (themed or not), sorted, so that models trained on the same
    # texts for different frameworks share one feature space, and a tagger computes the features once for all.
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
    parents = list(dict.fromkeys(theme.parent for theme in framework.themes if theme.parent))
    parent_of = {theme.id: theme.parent for theme in framework.themes}
    parent_labels = np.array(
        [[any(parent_of[t] == parent for t in (example.themes or ())) for parent in parents] for example in themed],
        dtype=np.int8,
    ).reshape(len(themed), len(parents))
    workers = jobs or max(1, min(len(os.sched_getaffinity(0)), 4))
    splits = _splits(len(themed))

    report("Learning themes", 0, len(theme_ids) + len(parents))
    heads = _heads(
        theme_rows,
        np.hstack([labels, parent_labels]),
        lambda done: report("Learning themes", done, len(theme_ids) + len(parents)),
        workers,
        splits,
    )
    theme_heads, parent_heads = heads[: len(theme_ids)], heads[len(theme_ids) :]
    held_out = np.column_stack([head.held_out for head in theme_heads])
    thresholds = dict(zip(theme_ids, shrunk_thresholds(labels, held_out), strict=True))
    parent_thresholds: dict[str, float] = {}
    if parents:
        parent_held = np.column_stack([head.held_out for head in parent_heads])
        parent_thresholds = dict(zip(parents, shrunk_thresholds(parent_labels, parent_held), strict=True))

    report("Learning sentiment and safeguarding", 0, 2)
    sentiment_coef, sentiment_bias = _fit_sentiment(matrix, all_examples)
    report("Learning sentiment and safeguarding", 1, 2)
    safe_coef, safe_bias, safe_threshold, kind_coef, kind_bias, kind_thresholds = _fit_safeguarding(
        matrix, all_examples, workers
    )
    report("Learning sentiment and safeguarding", 2, 2)

    arrays = {
        "idf_word": word_vectorizer.idf_.astype(np.float32),
        "idf_char": char_vectorizer.idf_.astype(np.float32),
        "theme_coef": np.column_stack([head.coef for head in theme_heads]).astype(np.float32),
        "theme_bias": np.array([head.bias for head in theme_heads], dtype=np.float32),
        "parent_coef": _stack([head.coef for head in parent_heads], matrix.shape[1]),
        "parent_bias": np.array([head.bias for head in parent_heads], dtype=np.float32),
        "sentiment_coef": sentiment_coef,
        "sentiment_bias": sentiment_bias,
        "safeguarding_coef": np.asarray(safe_coef, dtype=np.float32),
        "safeguarding_bias": np.array([safe_bias], dtype=np.float32),
        "kind_coef": kind_coef,
        "kind_bias": kind_bias,
    }
    trained_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    card = ModelCard(
        version=ThemeModel.version_for(
            framework.id,
            trained_at,
            arrays,
            {**thresholds, **parent_thresholds, **kind_thresholds, "(safeguarding)": safe_threshold},
        ),
        framework=framework,
        thresholds=thresholds,
        parent_thresholds=parent_thresholds,
        safeguarding_threshold=safe_threshold,
        kind_thresholds=kind_thresholds,
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


def _stack(columns: list[Any], rows: int) -> Any:
    if not columns:
        return np.zeros((rows, 0), dtype=np.float32)
    return np.column_stack(columns).astype(np.float32)


def _fit_sentiment(matrix: Any, examples: Sequence[Example], c: float = 5.0) -> tuple[Any, Any]:
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


def _fit_safeguarding(
    matrix: Any, examples: Sequence[Example], jobs: int
) -> tuple[Any, float, float, Any, Any, dict[str, float]]:
    """The "someone may be at risk" head, and one head per kind. Recall matters more than precision (a person
    reviews every flag): thresholds are tuned for F2, but never below SAFEGUARDING_FLOOR (KIND_FLOOR for a kind),
    under which most flags were false on our development split and alerts stop being read."""
    columns = matrix.shape[1]
    kind_coef = np.zeros((columns, len(KINDS)), dtype=np.float32)
    kind_bias = np.full(len(KINDS), -30.0, dtype=np.float32)
    kind_thresholds = dict.fromkeys(KINDS, 1.01)
    rows = [i for i, example in enumerate(examples) if example.safeguarding is not None]
    if not rows:
        return np.zeros(columns, dtype=np.float32), -30.0, 0.5, kind_coef, kind_bias, kind_thresholds
    at_risk = np.array([int(bool(examples[i].safeguarding)) for i in rows], dtype=np.int8)
    safe_matrix = matrix[rows]
    splits = _splits(len(rows))
    if at_risk.sum() < 5:
        return np.zeros(columns, dtype=np.float32), -30.0, 0.5, kind_coef, kind_bias, kind_thresholds
    head = bagged_head(safe_matrix, at_risk, splits)
    threshold = max(SAFEGUARDING_FLOOR, best_threshold(at_risk, head.held_out, beta=2.0))
    kinded = [i for i, row in enumerate(rows) if examples[row].safeguarding_kinds is not None]
    if kinded:
        kinds = np.array(
            [[kind in (examples[rows[i]].safeguarding_kinds or ()) for kind in KINDS] for i in kinded], dtype=np.int8
        )
        kind_splits = _splits(len(kinded))
        for number, kind_head in enumerate(_heads(safe_matrix[kinded], kinds, lambda n: None, jobs, kind_splits)):
            if kinds[:, number].sum() < 3:
                continue
            kind_coef[:, number] = kind_head.coef
            kind_bias[number] = kind_head.bias
            tuned = best_threshold(kinds[:, number], kind_head.held_out, beta=2.0)
            kind_thresholds[KINDS[number]] = max(KIND_FLOOR, tuned)
    return head.coef, head.bias, threshold, kind_coef, kind_bias, kind_thresholds


def evaluate(
    model: ThemeModel, examples: Sequence[Example], *, nlp: Language, also: Sequence[ThemeModel] = ()
) -> Score:
    """Themes on the lines labelled for the model's framework; sentiment and safeguarding on every line that has
    those labels (recall and false alarms per kind where lines name their kinds). `also`: more models tagged in the
    same pass, as the worker does; the model's themes are then as that tagger gives them (blended with a framework
    of their sub-themes, see `nlp.tagger.Tagger`)."""
    from nlp.tagger import Tagger

    tagged = [e for e in examples if e.themes is not None or e.safeguarding is not None]
    tagger = Tagger([model, *also], nlp)
    results = dict(zip((id(e) for e in tagged), tagger.tag([e.text for e in tagged]), strict=True))
    themed = [example for example in examples if example.themes is not None]
    predictions = [results[id(example)] for example in themed]
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
    safety = [example for example in examples if example.safeguarding is not None]
    flags = [results[id(example)] for example in safety]
    pairs = [(bool(e.safeguarding), result.safeguarding) for e, result in zip(safety, flags, strict=True)]
    at_risk = [hit for truth, hit in pairs if truth]
    raised = [truth for truth, hit in pairs if hit]
    ordinary = [hit for truth, hit in pairs if not truth]
    kinds: dict[str, dict[str, float]] = {}
    for kind in KINDS:
        cases = [
            result
            for e, result in zip(safety, flags, strict=True)
            if kind in (e.safeguarding_kinds or ()) and e.safeguarding
        ]
        if cases:
            kinds[kind] = {
                "recall": round(sum(r.safeguarding for r in cases) / len(cases), 3),
                "named": round(sum(kind in r.safeguarding_kinds for r in cases) / len(cases), 3),
                "support": float(len(cases)),
            }
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
        safeguarding_false_alarms=_share(sum(ordinary), len(ordinary)),
        safeguarding_kinds=kinds or None,
    )


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
