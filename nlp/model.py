"""The trained half of the tagger: a linear model over TF-IDF features of lemmas and character n-grams.

Why not spaCy's own `textcat_multilabel`: on the development split of our corpus it scored micro-F1 0.60 (bag of
words), 0.66 (ensemble with a CNN) and 0.62 (reduce), against 0.72 for this model, which is also about six times
faster than the ensemble (see the README). spaCy still does the language work: tokens and lookup lemmas.

Features, per text (spaCy doc):
- words: lower-cased lookup lemmas of tokens longer than one character, and adjacent pairs of them;
- characters: 2- to 5-grams inside each padded lemma (" waiting " -> " w", "wa", ..., "ng ");
each block weighted by sublinear TF-IDF and normalised to unit length. One linear head per theme gives a calibrated
probability (see nlp/training.py for how it is fitted), and a theme is given when its score reaches that theme's
threshold. More heads share the features: parent themes (for frameworks whose themes have parents), sentiment
(negative, positive, mixed, neutral), safeguarding, and one head per kind of safeguarding concern.

Models trained on the same texts share one feature space (`feature_key`): a tagger that tags against several
frameworks computes the features of a batch once and applies each model's heads to them.

A model directory holds `model.json` (framework, vocabularies, thresholds, scores) and `weights.npz`, loaded with
`allow_pickle=False`: opening somebody's model directory never runs their code.
"""

from __future__ import annotations

import hashlib
import io
import itertools
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import msgspec
import numpy as np
import numpy.typing as npt
from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LEMMA, LENGTH
from spacy.strings import StringStore, hash_string  # type: ignore[attr-defined]
from spacy.tokens import Doc

from nlp.frameworks import Framework
from nlp.kinds import KINDS

FORMAT = 2
READABLE_FORMATS = (1, 2)
"""Format 1 models (no parent or kind heads) still load: the heads they lack answer nothing."""
SENTIMENTS = ("negative", "positive", "mixed", "neutral")
CHAR_SIZES = (2, 3, 4, 5)
LONG_TEXT_WORDS = 150
"""A text of more words than this (a report, a long story) is also scored in windows of WINDOW_TOKENS tokens, half
overlapping, and each theme's score is the mean of the whole text's and the best window's. A linear model over one
unit-length TF-IDF vector dilutes each of the several things a long report says among everything else it says; the
best window hears each one where it is said. Measured (lambeth-what-matters): held-out split macro-F1 0.783 ->
0.789, the long texts of voices.jsonl scored by a model trained without them 0.673 -> 0.715, development split
unchanged (none of its texts is that long). Sentiment and safeguarding keep the whole text's score."""
WINDOW_TOKENS = 40
SUB_THEME_WEIGHT = 0.1
"""When a tagger holds a framework and a framework of its sub-themes (lambeth-what-matters and
lambeth-what-matters-detailed), each theme's score is blended with its likeliest sub-theme's, this much of the
sub-theme's: (1 - w) x theme + w x sub-theme, against the same blend of their thresholds. The sub-theme heads learn
from finer labels and the sub-theme definitions, and hear a theme said in the words of one of its parts. Chosen on
the development split among 0, 0.1, ..., 0.5 (0.1 the only one better there: 0.807 / 0.808 -> 0.811 / 0.812 micro /
macro F1; out-of-fold training scores 0.755 / 0.750 -> 0.760 / 0.755), then scored once on the held-out split:
0.791 / 0.791 -> 0.793 / 0.792. Half and half did better out of fold (0.769 / 0.765) and on the held-out split
(0.817 / 0.816) but worse on the development split (0.800 / 0.801), so it is not the weight used (README, "Measured
and not kept"). The parent heads of the sub-theme framework learn the same labels from the same texts as the parent
framework's own heads (their scores are equal), so they add nothing to blend."""

FloatArray = npt.NDArray[np.float32]


class TextFeatures(msgspec.Struct, frozen=True):
    words: list[str]
    """Each word feature once per occurrence (term frequency is their count)."""
    word_spans: dict[str, tuple[int, int]]
    """Character offsets in the original text of each word feature's first occurrence, for evidence."""
    chars: list[str]


def char_ngrams(lemmas: Iterable[str]) -> list[str]:
    grams: list[str] = []
    for lemma in lemmas:
        padded = f" {lemma} "
        for size in CHAR_SIZES:
            if len(padded) < size:
                break
            grams.extend(padded[start : start + size] for start in range(len(padded) - size + 1))
    return grams


_TOKEN_ATTRS = [LEMMA, IDX, LENGTH, IS_PUNCT, IS_SPACE]


def text_features(doc: Doc) -> TextFeatures:
    # One C-level array read instead of a Python Token object per token: three times faster on long texts.
    strings = doc.vocab.strings
    rows = doc.to_array(_TOKEN_ATTRS).tolist() if len(doc) else []
    kept = [(strings[lemma], idx, idx + length) for lemma, idx, length, punct, space in rows if not (punct or space)]
    kept = [row for row in kept if len(row[0]) > 1]
    lemmas = [lemma for lemma, _, _ in kept]
    spans: dict[str, tuple[int, int]] = {}
    for lemma, start, end in kept:
        spans.setdefault(lemma, (start, end))
    bigrams = []
    for (first, start, _), (second, _, end) in itertools.pairwise(kept):
        gram = f"{first} {second}"
        bigrams.append(gram)
        spans.setdefault(gram, (start, end))
    return TextFeatures(words=lemmas + bigrams, word_spans=spans, chars=char_ngrams(lemmas))


class Score(msgspec.Struct, frozen=True, kw_only=True):
    """Held-out quality of a model, as `engage nlp evaluate` reports it."""

    examples: int
    micro_f1: float
    macro_f1: float
    per_theme: dict[str, dict[str, float]]
    """theme id -> precision, recall, f1, support."""
    sentiment_accuracy: float | None = None
    safeguarding_recall: float | None = None
    safeguarding_precision: float | None = None
    safeguarding_false_alarms: float | None = None
    """Share of the texts labelled not at risk that were flagged."""
    safeguarding_kinds: dict[str, dict[str, float]] | None = None
    """kind -> recall (flagged, among texts of that kind), named (the kind itself was named), support."""


class ModelCard(msgspec.Struct, kw_only=True):
    format: int = FORMAT
    version: str
    framework: Framework
    thresholds: dict[str, float]
    parent_thresholds: dict[str, float] = {}
    """Parent theme id -> threshold of its head (frameworks whose themes name a parent)."""
    safeguarding_threshold: float
    kind_thresholds: dict[str, float] = {}
    trained_at: str
    train_examples: int
    dev: Score | None = None
    word_vocab: list[str]
    char_vocab: list[str]


class Prediction(msgspec.Struct, frozen=True, kw_only=True):
    scores: dict[str, float]
    themes: list[str]
    sentiment: str
    safeguarding: float
    reasons: dict[str, list[tuple[int, int, float]]]
    """theme id -> (start, end, weight) of the words that pushed its score up most."""
    parents: list[str] = []
    """Parent themes of the themes given (frameworks whose themes have parents)."""
    kinds: list[str] = []
    """Kinds of safeguarding concern whose heads reached their thresholds, most likely first."""
    top_kind: str | None = None
    """The most likely kind, whatever its score (for naming a flag raised by the general head)."""
    kind_score: float = 0.0
    """The most likely kind's score."""


class ThemeModel:
    """A trained model in memory. Build with `ThemeModel.load(path)` or from `nlp.training.train_model`."""

    def __init__(self, card: ModelCard, arrays: dict[str, FloatArray]) -> None:
        self.card = card
        self.theme_ids = list(card.framework.theme_ids)
        self.parent_ids = list(card.parent_thresholds)
        features = len(card.word_vocab) + len(card.char_vocab)
        arrays = {
            "parent_coef": np.zeros((features, 0), dtype=np.float32),
            "parent_bias": np.zeros(0, dtype=np.float32),
            "kind_coef": np.zeros((features, len(KINDS)), dtype=np.float32),
            "kind_bias": np.full(len(KINDS), -30.0, dtype=np.float32),
            **arrays,
        }
        # Weights are stored as float16 (half the size on disk and in the database; scores move by about 1e-4)
        # and used as float32: a model in memory scores exactly as the same model loaded from its files.
        arrays = {
            name: values.astype(np.float16).astype(np.float32) if name.endswith("_coef") else values
            for name, values in arrays.items()
        }
        self._idf_word = arrays["idf_word"]
        self._idf_char = arrays["idf_char"]
        self._theme_coef = arrays["theme_coef"]
        # Every head side by side, so one product scores a text: themes, parents, sentiment, safeguarding, kinds.
        blocks = [arrays[f"{name}_coef"] for name in ("theme", "parent", "sentiment", "safeguarding", "kind")]
        self._coef = np.ascontiguousarray(np.column_stack(blocks).astype(np.float32))
        self._bias = np.concatenate(
            [arrays[f"{name}_bias"] for name in ("theme", "parent", "sentiment", "safeguarding", "kind")]
        ).astype(np.float32)
        self._thresholds = np.array([card.thresholds[theme] for theme in self.theme_ids], dtype=np.float32)
        self._parent_thresholds = np.array(list(card.parent_thresholds.values()), dtype=np.float32)
        self._kind_thresholds = np.array([card.kind_thresholds.get(kind, 1.01) for kind in KINDS], dtype=np.float32)
        parent_position = {parent: i for i, parent in enumerate(self.parent_ids)}
        self._parent_of = np.array(
            [parent_position.get(theme.parent or "", -1) for theme in card.framework.themes], dtype=np.intp
        )
        self._arrays = arrays
        digest = hashlib.sha256(msgspec.json.encode([card.word_vocab, card.char_vocab]))
        digest.update(self._idf_word.tobytes())
        digest.update(self._idf_char.tobytes())
        self.feature_key = digest.hexdigest()
        """Equal for models whose features are computed the same way (trained on the same texts)."""
        self._featurizer: Featurizer | None = None
        self._evidence = _strongest_words(self._theme_coef[: len(card.word_vocab)], EVIDENCE_WORDS)

    @property
    def featurizer(self) -> Featurizer:
        if self._featurizer is None:
            self._featurizer = Featurizer(self.card.word_vocab, self.card.char_vocab, self._idf_word, self._idf_char)
        return self._featurizer

    def share_features_with(self, other: ThemeModel) -> None:
        """Use `other`'s featurizer (and its caches) when both compute the same features."""
        if other.feature_key == self.feature_key:
            self._featurizer = other.featurizer

    @property
    def version(self) -> str:
        return self.card.version

    @property
    def framework(self) -> Framework:
        return self.card.framework

    @staticmethod
    def version_for(
        framework_id: str, trained_at: str, arrays: dict[str, FloatArray], thresholds: dict[str, float]
    ) -> str:
        digest = hashlib.sha256(msgspec.json.encode(thresholds))
        for name in sorted(arrays):
            digest.update(np.ascontiguousarray(arrays[name]).tobytes())
        stamp = trained_at.replace("-", "").replace(":", "")[:13]
        return f"{framework_id}@{stamp}-{digest.hexdigest()[:8]}"

    def to_bytes(self) -> tuple[bytes, bytes]:
        """(model.json, weights.npz) as bytes, for storing a model in a database."""
        buffer = io.BytesIO()
        stored = {
            name: values.astype(np.float16) if name.endswith("_coef") else values
            for name, values in self._arrays.items()
        }
        np.savez_compressed(buffer, **stored)  # type: ignore[arg-type]
        return msgspec.json.encode(self.card), buffer.getvalue()

    @classmethod
    def from_bytes(cls, card: bytes, weights: bytes, *, source: str = "model") -> ThemeModel:
        try:
            decoded = msgspec.json.decode(card, type=ModelCard)
        except msgspec.DecodeError as exc:
            raise ModelError(f"{source}: {exc}") from exc
        if decoded.format not in READABLE_FORMATS:
            raise ModelError(f"{source}: model format {decoded.format}; this Engage reads formats 1 and {FORMAT}")
        with np.load(io.BytesIO(weights), allow_pickle=False) as stored:
            arrays = {name: stored[name].astype(np.float32) for name in stored.files}
        return cls(decoded, arrays)

    def save(self, directory: Path) -> None:
        card, weights = self.to_bytes()
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "model.json").write_bytes(card)
        (directory / "weights.npz").write_bytes(weights)

    @classmethod
    def load(cls, directory: Path) -> ThemeModel:
        card_path, weights_path = directory / "model.json", directory / "weights.npz"
        if not card_path.is_file() or not weights_path.is_file():
            raise ModelError(f"{directory}: not a model directory (model.json and weights.npz are needed)")
        return cls.from_bytes(card_path.read_bytes(), weights_path.read_bytes(), source=str(card_path))

    def scores(self, docs: Sequence[Doc], *, features: Features | None = None) -> BatchScores:
        """Every head's output for a batch, before any theme is chosen: `predict` turns it into predictions, and
        a tagger holding a framework and its sub-themes' framework reads the sub-themes' scores from it."""
        batch = features if features is not None else self.featurizer(docs)
        split = len(self._idf_word)
        logits = batch.words @ self._coef[:split] + batch.chars @ self._coef[split:]
        logits += self._bias
        columns = len(self.theme_ids) + len(self.parent_ids)
        topics = _sigmoid(logits[:, :columns])
        if batch.window_owner is not None:
            topics = self._with_windows(topics, batch, split, columns)
        return BatchScores(topics=topics, logits=logits, features=batch)

    def predict(
        self,
        docs: Sequence[Doc],
        *,
        features: Features | None = None,
        reasons_per_theme: int = 3,
        scored: BatchScores | None = None,
        sub_themes: Sequence[SubThemes] = (),
    ) -> list[Prediction]:
        """Score a batch at once. `features` (from `self.featurizer(docs)`) may be shared between models with the
        same `feature_key`; they are computed here when not given. `scored` (from `self.scores`) saves computing the
        heads again; `sub_themes` are the scores of frameworks whose themes' parents are this framework's themes,
        blended into this framework's theme scores (see `SUB_THEME_WEIGHT`)."""
        if not docs:
            return []
        if scored is None:
            scored = self.scores(docs, features=features)
        batch, logits, topics = scored.features, scored.logits, scored.topics
        themes, parents = len(self.theme_ids), len(self.parent_ids)
        theme_scores = topics[:, :themes]
        for sub in sub_themes:
            theme_scores = self.with_sub_themes(theme_scores, sub)
        at = themes + parents
        sentiments = np.argmax(logits[:, at : at + len(SENTIMENTS)], axis=1)
        at += len(SENTIMENTS)
        safeguarding = _sigmoid(logits[:, at])
        kind_scores = _sigmoid(logits[:, at + 1 :])
        chosen_mask = theme_scores >= self._thresholds
        if parents:
            chosen_mask = self._with_parents(chosen_mask, theme_scores, topics[:, themes:])
        kind_mask = kind_scores >= self._kind_thresholds
        has_kinds = kind_mask.any(axis=1).tolist()
        top_kinds = np.argmax(kind_scores, axis=1)
        top_scores = kind_scores[np.arange(len(docs)), top_kinds].astype(np.float64).tolist()
        top_kind_rows = top_kinds.tolist()
        with_kinds = any(threshold <= 1.0 for threshold in self.card.kind_thresholds.values())

        scores_rows = np.round(theme_scores.astype(np.float64), 4).tolist()
        sentiment_rows = sentiments.tolist()
        safeguarding_rows = np.round(safeguarding.astype(np.float64), 4).tolist()
        rows, columns = np.nonzero(chosen_mask)
        hit_rows: list[list[int]] = [[] for _ in docs]
        for row, column in zip(rows.tolist(), columns.tolist(), strict=True):
            hit_rows[row].append(column)
        reasons = batch.reasons(chosen_mask, self._evidence, reasons_per_theme, self.theme_ids)
        predictions = []
        theme_ids = self.theme_ids
        for number, hits in enumerate(hit_rows):
            kinds: list[str] = []
            if has_kinds[number]:
                order = np.argsort(-kind_scores[number]).tolist()
                kinds = [KINDS[i] for i in order if kind_mask[number, i]]
            predictions.append(
                Prediction(
                    scores=dict(zip(theme_ids, scores_rows[number], strict=True)),
                    themes=[theme_ids[i] for i in hits],
                    sentiment=SENTIMENTS[sentiment_rows[number]],
                    safeguarding=safeguarding_rows[number],
                    reasons=reasons[number],
                    parents=self._parents_of(hits) if parents and hits else [],
                    kinds=kinds,
                    top_kind=KINDS[top_kind_rows[number]] if with_kinds else None,
                    kind_score=top_scores[number] if with_kinds else 0.0,
                )
            )
        return predictions

    def with_sub_themes(self, theme_scores: Any, sub: SubThemes, *, weight: float = SUB_THEME_WEIGHT) -> Any:
        """This framework's theme scores moved towards what a framework of their sub-themes says (see
        `SUB_THEME_WEIGHT`, the `weight` w unless bench/sub_theme_blend.py tries others): for each theme with
        sub-themes in `sub`, with d its score and t its threshold, m the likeliest sub-theme's score and s that
        sub-theme's threshold, a theme is given when
        (1 - w) d + w m >= (1 - w) t + w s. The score returned is d + w ((m - s) - (d - t)), which reaches t
        exactly then: the theme's own threshold still decides, and the distance from it is still the margin."""
        position = {theme: i for i, theme in enumerate(self.theme_ids)}
        child = sub.model
        parent_of = np.array([position.get(theme.parent or "", -1) for theme in child.framework.themes])
        margins = sub.scores - child._thresholds
        blended = np.array(theme_scores, dtype=np.float32, copy=True)
        rows = np.arange(len(blended))
        for column in np.unique(parent_of[parent_of >= 0]).tolist():
            children = np.flatnonzero(parent_of == column)
            best = children[np.argmax(sub.scores[:, children], axis=1)]
            own_margin = blended[:, column] - self._thresholds[column]
            blended[:, column] += weight * (margins[rows, best] - own_margin)
        return np.clip(blended, 0.0, 1.0)

    def _with_windows(self, topics: Any, batch: Features, split: int, columns: int) -> Any:
        """Theme and parent scores of long texts: the mean of the whole text's and its best window's (see
        LONG_TEXT_WORDS)."""
        windows = _sigmoid(
            batch.window_words @ self._coef[:split, :columns]
            + batch.window_chars @ self._coef[split:, :columns]
            + self._bias[:columns]
        )
        best = np.zeros_like(topics)
        np.maximum.at(best, batch.window_owner, windows)
        long = np.unique(batch.window_owner)
        topics = topics.copy()
        topics[long] = (topics[long] + best[long]) / 2
        return topics

    def _with_parents(self, chosen: Any, scores: Any, parent_scores: Any) -> Any:
        """A parent head that fires over a text none of whose sub-themes reached its threshold gives that
        parent's most likely sub-theme: rare sub-themes are otherwise silent where their parent is plain."""
        fired = parent_scores >= self._parent_thresholds
        for parent in range(len(self.parent_ids)):
            children = np.flatnonzero(self._parent_of == parent)
            if not len(children):
                continue
            silent = fired[:, parent] & ~chosen[:, children].any(axis=1)
            rows = np.flatnonzero(silent)
            if len(rows):
                best = children[np.argmax(scores[np.ix_(rows, children)], axis=1)]
                chosen[rows, best] = True
        return chosen

    def _parents_of(self, hits: list[int]) -> list[str]:
        found = {int(self._parent_of[i]) for i in hits} - {-1}
        return [self.parent_ids[i] for i in sorted(found)]

    @property
    def safeguarding_threshold(self) -> float:
        return self.card.safeguarding_threshold


class BatchScores(NamedTuple):
    """A batch's head outputs (`ThemeModel.scores`)."""

    topics: Any
    """(texts x (themes + parents)) probabilities, long texts' with their best window's."""
    logits: Any
    """(texts x every head) raw scores."""
    features: Features


class SubThemes(NamedTuple):
    """The theme scores of a framework whose themes' parents are another framework's themes, for one batch."""

    model: ThemeModel
    scores: Any
    """(texts x the model's themes) probabilities, as `ThemeModel.scores` gives them."""


class Features:
    """One batch's features as two TF-IDF matrices (words, characters), plus where each word feature occurs, for
    evidence. Computed by a `Featurizer`; any model with the same `feature_key` can score them."""

    def __init__(self, words: Any, chars: Any, docs: Any, columns: Any, starts: Any, ends: Any) -> None:
        self.words, self.chars = words, chars
        self.window_words: Any = None
        self.window_chars: Any = None
        self.window_owner: Any = None
        """For texts over LONG_TEXT_WORDS words: the features of their windows, and the text each belongs to."""
        self._docs, self._columns = docs, columns.astype(np.int64)
        self._starts, self._ends = starts.tolist(), ends.tolist()
        self._width = np.int64(words.shape[1] + 1)
        self._first: Any = None
        self._first_keys: Any = None

    def reasons(
        self, chosen: Any, evidence: Any, per_theme: int, theme_ids: Sequence[str]
    ) -> list[dict[str, list[tuple[int, int, float]]]]:
        """For each text and each theme chosen for it (a boolean matrix over `theme_ids`): (start, end, push) of the
        words that pushed its score up most, at their first occurrence in the text. `evidence` holds, per word feature,
        the themes among whose strongest words it is, with its weight; joining a batch's words to it is a few array
        operations for the whole batch, not a sort per text and theme."""
        texts, themes = chosen.shape
        results: list[dict[str, list[tuple[int, int, float]]]] = [{} for _ in range(texts)]
        words = self.words
        doc_of_entry = np.repeat(np.arange(texts), np.diff(words.indptr))
        fan = evidence.indptr[words.indices + 1] - evidence.indptr[words.indices]
        entry = np.repeat(np.arange(len(words.indices)), fan)
        at = np.repeat(evidence.indptr[words.indices] - np.cumsum(fan) + fan, fan) + np.arange(int(fan.sum()))
        theme, weight = evidence.indices[at], evidence.data[at]
        docs = doc_of_entry[entry]
        keep = chosen[docs, theme]
        entry, theme, docs = entry[keep], theme[keep], docs[keep]
        pushes = words.data[entry] * weight[keep]
        pair = docs.astype(np.int64) * themes + theme
        order = np.lexsort((-pushes, pair))
        pair, entry, pushes, docs, theme = pair[order], entry[order], pushes[order], docs[order], theme[order]
        first_of_pair = np.flatnonzero(np.concatenate([[True], pair[1:] != pair[:-1]])) if len(pair) else pair
        rank = np.arange(len(pair)) - np.repeat(first_of_pair, np.diff(np.append(first_of_pair, len(pair))))
        top = rank < per_theme
        entry, pushes, docs, theme = entry[top], pushes[top], docs[top], theme[top]
        keys, first = self._first_occurrences()
        where = first[np.searchsorted(keys, docs.astype(np.int64) * self._width + words.indices[entry])]
        starts, ends = self._starts, self._ends
        for doc, column, position, push in zip(
            docs.tolist(), theme.tolist(), where.tolist(), np.round(pushes.astype(np.float64), 3).tolist(), strict=True
        ):
            results[doc].setdefault(theme_ids[column], []).append((starts[position], ends[position], push))
        for doc, column in zip(*(axis.tolist() for axis in np.nonzero(chosen)), strict=True):
            results[doc].setdefault(theme_ids[column], [])
        return results

    def _first_occurrences(self) -> tuple[Any, Any]:
        """Sorted (text, feature) keys and the index of each one's first occurrence, computed once per batch."""
        if self._first is None:
            keys = self._docs.astype(np.int64) * self._width + self._columns
            self._first_keys, self._first = np.unique(keys, return_index=True)
        return self._first_keys, self._first


class Featurizer:
    """Turns spaCy docs into `Features`, on spaCy's string hashes rather than strings (a lemma's hash is its LEMMA
    attribute), so that Python only walks each distinct lemma of a batch. Equal to `text_features` plus
    scikit-learn's TF-IDF (a test holds them equal)."""

    def __init__(self, word_vocab: list[str], char_vocab: list[str], idf_word: FloatArray, idf_char: FloatArray):
        # Word features are looked up with one `searchsorted` over sorted keys: the lemma hash for a word, and a
        # mixed pair of hashes for two adjacent words.
        unigram_keys, unigram_columns, bigram_keys, bigram_columns = [], [], [], []
        for column, feature in enumerate(word_vocab):
            first, space, second = feature.partition(" ")
            if space:
                bigram_keys.append(_pair_key(np.uint64(hash_string(first)), np.uint64(hash_string(second))))
                bigram_columns.append(column)
            else:
                unigram_keys.append(hash_string(feature))
                unigram_columns.append(column)
        self._unigrams = _SortedLookup(np.array(unigram_keys, dtype=np.uint64), np.array(unigram_columns))
        self._bigrams = _SortedLookup(np.array(bigram_keys, dtype=np.uint64), np.array(bigram_columns))
        self._char_index = {feature: i for i, feature in enumerate(char_vocab)}
        self._idf_word, self._idf_char = idf_word, idf_char
        self._lemma_cache: dict[int, Any] = {}

    def _char_columns(self, lemma: int, strings: StringStore) -> Any:
        """Character n-gram columns of one lemma (None for a one-letter lemma, which is not a feature), cached:
        most words in a batch have been seen before."""
        if lemma in self._lemma_cache:
            return self._lemma_cache[lemma]
        text = strings[lemma]
        columns = None
        if len(text) > 1:
            index = self._char_index
            columns = np.array([index[gram] for gram in char_ngrams((text,)) if gram in index], dtype=np.int64)
        if len(self._lemma_cache) < 500_000:
            self._lemma_cache[lemma] = columns
        return columns

    def __call__(self, docs: Sequence[Doc]) -> Features:
        tables = [doc.to_array(_TOKEN_ATTRS) if len(doc) else np.zeros((0, 5), dtype=np.uint64) for doc in docs]
        strings = docs[0].vocab.strings if docs else None
        features = self._features(tables, strings)
        windows: list[Any] = []
        owners: list[int] = []
        step = WINDOW_TOKENS // 2
        for number, table in enumerate(tables):
            if len(table) <= LONG_TEXT_WORDS or int(((table[:, 3] == 0) & (table[:, 4] == 0)).sum()) <= LONG_TEXT_WORDS:
                continue
            for start in range(0, len(table), step):
                window = table[start : start + WINDOW_TOKENS]
                if start and len(window) < step:
                    break
                windows.append(window)
                owners.append(number)
        if windows:
            scored = self._features(windows, strings)
            features.window_words, features.window_chars = scored.words, scored.chars
            features.window_owner = np.array(owners, dtype=np.intp)
        return features

    def _features(self, tables: list[Any], strings: StringStore | None) -> Features:
        """Features of texts given as token tables (LEMMA, IDX, LENGTH, IS_PUNCT, IS_SPACE per token)."""
        doc_of_token = np.repeat(np.arange(len(tables)), [len(table) for table in tables])
        rows = np.concatenate(tables) if tables else np.zeros((0, 5), dtype=np.uint64)
        words = (rows[:, 3] == 0) & (rows[:, 4] == 0)
        rows, doc_of_token = rows[words], doc_of_token[words]
        lemmas, inverse = np.unique(rows[:, 0], return_inverse=True)
        char_of_lemma = [self._char_columns(lemma, strings) for lemma in lemmas.tolist()]  # type: ignore[arg-type]
        long_lemma = np.array([columns is not None for columns in char_of_lemma], dtype=bool)
        keep = long_lemma[inverse] if len(inverse) else np.zeros(0, dtype=bool)
        rows, doc_of_token, inverse = rows[keep], doc_of_token[keep], inverse[keep]
        tokens = rows[:, 0]
        starts = rows[:, 1].astype(np.int64)
        ends = starts + rows[:, 2].astype(np.int64)

        found, unigram_columns = self._unigrams.find(tokens)
        same_doc = doc_of_token[:-1] == doc_of_token[1:]
        pair_found, bigram_columns = self._bigrams.find(_pair_key(tokens[:-1], tokens[1:]))
        pair_found &= same_doc
        word_docs = np.concatenate([doc_of_token[found], doc_of_token[:-1][pair_found]])
        word_columns = np.concatenate([unigram_columns[found], bigram_columns[pair_found]])
        word_starts = np.concatenate([starts[found], starts[:-1][pair_found]])
        word_ends = np.concatenate([ends[found], ends[1:][pair_found]])

        # Character n-grams: counts per text are (lemma counts per text) @ (n-gram counts per lemma), a sparse
        # product that sums repeated n-grams in compiled code instead of sorting every occurrence.
        from scipy.sparse import csr_matrix

        lengths = np.array([0 if c is None else len(c) for c in char_of_lemma], dtype=np.int64)
        flat = np.concatenate([c for c in char_of_lemma if c is not None] or [np.zeros(0, dtype=np.int64)])
        lemma_chars = csr_matrix(
            (np.ones(len(flat), dtype=np.float32), flat, np.concatenate([[0], np.cumsum(lengths)])),
            shape=(len(char_of_lemma), len(self._idf_char)),
        )
        doc_lemmas = csr_matrix(
            (np.ones(len(inverse), dtype=np.float32), (doc_of_token, inverse)), shape=(len(tables), len(char_of_lemma))
        )
        char_counts = (doc_lemmas @ lemma_chars).tocsr()
        return Features(
            _tfidf(word_docs, word_columns, len(tables), self._idf_word),
            _weigh(char_counts, self._idf_char),
            word_docs,
            word_columns,
            word_starts,
            word_ends,
        )


EVIDENCE_WORDS = 400
"""Evidence words come from each theme's 400 heaviest positive word weights (a theme's words beyond those add
too little to its score to explain it)."""


def _strongest_words(coef: FloatArray, count: int) -> Any:
    """A (word feature x theme) sparse matrix holding each theme's `count` largest positive weights."""
    from scipy.sparse import csr_matrix

    rows, columns, values = [], [], []
    for theme in range(coef.shape[1]):
        weights = coef[:, theme]
        strongest = np.argsort(-weights)[:count]
        strongest = strongest[weights[strongest] > 0]
        rows.append(strongest)
        columns.append(np.full(len(strongest), theme))
        values.append(weights[strongest])
    if not rows:
        return csr_matrix((coef.shape[0], 0), dtype=np.float32)
    return csr_matrix(
        (np.concatenate(values), (np.concatenate(rows), np.concatenate(columns))), shape=coef.shape, dtype=np.float32
    )


_MIX = np.uint64(0x9E3779B97F4A7C15)


def _pair_key(first: Any, second: Any) -> Any:
    with np.errstate(over="ignore"):
        return first * _MIX + second


class _SortedLookup:
    def __init__(self, keys: Any, columns: Any) -> None:
        order = np.argsort(keys)
        self._keys, self._columns = keys[order], columns[order].astype(np.intp)

    def find(self, queries: Any) -> tuple[Any, Any]:
        """(found mask, column per query; meaningful where found)."""
        if not len(self._keys) or not len(queries):
            return np.zeros(len(queries), dtype=bool), np.zeros(len(queries), dtype=np.intp)
        positions = np.minimum(np.searchsorted(self._keys, queries), len(self._keys) - 1)
        return self._keys[positions] == queries, self._columns[positions]


class ModelError(ValueError):
    """A model directory that cannot be used, with where and why."""


def _tfidf(doc_ids: Any, columns: Any, documents: int, idf: FloatArray) -> Any:
    """Sublinear TF-IDF rows, each scaled to unit length, as scikit-learn's TfidfVectorizer computes them."""
    from scipy.sparse import csr_matrix

    matrix = csr_matrix(
        (np.ones(len(columns), dtype=np.float32), (doc_ids, columns)), shape=(documents, len(idf)), dtype=np.float32
    )
    matrix.sum_duplicates()
    return _weigh(matrix, idf)


def _weigh(counts: Any, idf: FloatArray) -> Any:
    """Counts (no repeated entries in a row) to sublinear TF-IDF rows of unit length, in place."""
    counts.data = ((1.0 + np.log(counts.data)) * idf[counts.indices]).astype(np.float32)
    squares = counts.data * counts.data
    norms = np.sqrt(np.add.reduceat(squares, counts.indptr[:-1]) if len(squares) else np.zeros(counts.shape[0]))
    lengths = np.diff(counts.indptr)
    norms = np.where(lengths > 0, norms, 1.0).astype(np.float32)
    norms[norms == 0] = 1.0
    counts.data /= np.repeat(norms, lengths)
    return counts


def _sigmoid(values: Any) -> Any:
    return 1.0 / (1.0 + np.exp(-np.clip(values, -30.0, 30.0)))


def default_model_dir(framework_id: str) -> Path:
    return Path(__file__).parent / "models" / framework_id
