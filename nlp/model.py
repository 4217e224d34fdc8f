"""The trained half of the tagger: a linear model over TF-IDF features of lemmas and character n-grams.

Why not spaCy's own `textcat_multilabel`: on the development split of our corpus it scored micro-F1 0.60 (bag of
words), 0.66 (ensemble with a CNN) and 0.62 (reduce), against 0.72 for this model, which is also about six times
faster than the ensemble (see the README). spaCy still does the language work: tokens and lookup lemmas.

Features, per text (spaCy doc):
- words: lower-cased lookup lemmas of tokens longer than one character, and adjacent pairs of them;
- characters: 2- to 5-grams inside each padded lemma (" waiting " -> " w", "wa", ..., "ng ");
each block weighted by sublinear TF-IDF and normalised to unit length. One logistic regression per theme gives a
score, and a theme is given when its score reaches that theme's threshold (tuned on held-out predictions during
training). Two more heads share the features: sentiment (negative, positive, mixed, neutral) and safeguarding.

A model directory holds `model.json` (framework, vocabularies, thresholds, scores) and `weights.npz`, loaded with
`allow_pickle=False`: opening somebody's model directory never runs their code.
"""

from __future__ import annotations

import hashlib
import io
import itertools
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import numpy.typing as npt
from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LEMMA, LENGTH
from spacy.strings import StringStore, hash_string  # type: ignore[attr-defined]
from spacy.tokens import Doc

from nlp.frameworks import Framework

FORMAT = 1
SENTIMENTS = ("negative", "positive", "mixed", "neutral")
CHAR_SIZES = (2, 3, 4, 5)

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


class ModelCard(msgspec.Struct, kw_only=True):
    format: int = FORMAT
    version: str
    framework: Framework
    thresholds: dict[str, float]
    safeguarding_threshold: float
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


class ThemeModel:
    """A trained model in memory. Build with `ThemeModel.load(path)` or from `nlp.training.train_model`."""

    def __init__(self, card: ModelCard, arrays: dict[str, FloatArray]) -> None:
        self.card = card
        self.theme_ids = list(card.framework.theme_ids)
        # Inference works on spaCy's string hashes, not strings: a lemma's hash is its LEMMA attribute.
        # Word features are looked up with one `searchsorted` per text over sorted keys: the lemma hash for a
        # word, and a mixed pair of hashes for two adjacent words.
        unigram_keys, unigram_columns, bigram_keys, bigram_columns = [], [], [], []
        for column, feature in enumerate(card.word_vocab):
            first, space, second = feature.partition(" ")
            if space:
                bigram_keys.append(_pair_key(np.uint64(hash_string(first)), np.uint64(hash_string(second))))
                bigram_columns.append(column)
            else:
                unigram_keys.append(hash_string(feature))
                unigram_columns.append(column)
        self._unigrams = _SortedLookup(np.array(unigram_keys, dtype=np.uint64), np.array(unigram_columns))
        self._bigrams = _SortedLookup(np.array(bigram_keys, dtype=np.uint64), np.array(bigram_columns))
        self._char_index = {feature: i for i, feature in enumerate(card.char_vocab)}
        self._idf_word = arrays["idf_word"]
        self._idf_char = arrays["idf_char"]
        self._theme_coef = arrays["theme_coef"]
        # All three heads side by side, so one gather and one product score a text.
        self._coef = np.ascontiguousarray(
            np.column_stack([arrays["theme_coef"], arrays["sentiment_coef"], arrays["safeguarding_coef"]])
        )
        self._bias = np.concatenate([arrays["theme_bias"], arrays["sentiment_bias"], arrays["safeguarding_bias"]])
        self._thresholds = np.array([card.thresholds[theme] for theme in self.theme_ids], dtype=np.float32)
        self._arrays = arrays
        self._lemma_cache: dict[int, Any] = {}

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
        np.savez_compressed(buffer, **self._arrays)  # type: ignore[arg-type]
        return msgspec.json.encode(self.card), buffer.getvalue()

    @classmethod
    def from_bytes(cls, card: bytes, weights: bytes, *, source: str = "model") -> ThemeModel:
        try:
            decoded = msgspec.json.decode(card, type=ModelCard)
        except msgspec.DecodeError as exc:
            raise ModelError(f"{source}: {exc}") from exc
        if decoded.format != FORMAT:
            raise ModelError(f"{source}: model format {decoded.format}; this Engage reads format {FORMAT}")
        with np.load(io.BytesIO(weights), allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
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

    def predict(self, docs: Sequence[Doc], *, reasons_per_theme: int = 3) -> list[Prediction]:
        """Score a batch at once: the features of every text become two sparse matrices, so the arithmetic runs
        in compiled code and Python only walks each distinct lemma of the batch. Equal to `text_features` plus
        scikit-learn's TF-IDF (a test holds them equal)."""
        if not docs:
            return []
        tables = [doc.to_array(_TOKEN_ATTRS) if len(doc) else np.zeros((0, 5), dtype=np.uint64) for doc in docs]
        doc_of_token = np.repeat(np.arange(len(docs)), [len(table) for table in tables])
        rows = np.concatenate(tables)
        words = (rows[:, 3] == 0) & (rows[:, 4] == 0)
        rows, doc_of_token = rows[words], doc_of_token[words]
        lemmas, inverse = np.unique(rows[:, 0], return_inverse=True)
        strings = docs[0].vocab.strings
        char_of_lemma = [self._char_columns(lemma, strings) for lemma in lemmas.tolist()]
        long_lemma = np.array([columns is not None for columns in char_of_lemma], dtype=bool)
        keep = long_lemma[inverse]
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

        # Character n-grams: each kept token contributes its lemma's cached columns (a ragged gather).
        lengths = np.array([0 if c is None else len(c) for c in char_of_lemma], dtype=np.int64)
        flat = np.concatenate([c for c in char_of_lemma if c is not None] or [np.zeros(0, dtype=np.int64)])
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        token_lengths = lengths[inverse]
        total = int(token_lengths.sum())
        within = np.arange(total) - np.repeat(np.cumsum(token_lengths) - token_lengths, token_lengths)
        char_columns = flat[np.repeat(offsets[inverse], token_lengths) + within]
        char_docs = np.repeat(doc_of_token, token_lengths)

        word_matrix = _tfidf(word_docs, word_columns, len(docs), self._idf_word)
        char_matrix = _tfidf(char_docs, char_columns, len(docs), self._idf_char)
        logits = word_matrix @ self._coef[: len(self._idf_word)] + char_matrix @ self._coef[len(self._idf_word) :]
        logits += self._bias
        themes = len(self.theme_ids)
        theme_scores = _sigmoid(logits[:, :themes])
        sentiments = np.argmax(logits[:, themes : themes + len(SENTIMENTS)], axis=1)
        safeguarding = _sigmoid(logits[:, -1])
        chosen_mask = theme_scores >= self._thresholds

        # Each text's word occurrences, in one slice of a doc-sorted order (for the evidence spans below).
        by_doc = np.argsort(word_docs, kind="stable")
        doc_bounds = np.searchsorted(word_docs[by_doc], np.arange(len(docs) + 1))
        scores_rows = np.round(theme_scores.astype(np.float64), 4).tolist()
        sentiment_rows = sentiments.tolist()
        safeguarding_rows = np.round(safeguarding.astype(np.float64), 4).tolist()
        hit_rows = [np.flatnonzero(row) for row in chosen_mask]
        indptr, indices, data = word_matrix.indptr.tolist(), word_matrix.indices, word_matrix.data
        predictions = []
        for number, hits in enumerate(hit_rows):
            chosen = [self.theme_ids[i] for i in hits.tolist()]
            reasons: dict[str, list[tuple[int, int, float]]] = {}
            low, high = indptr[number], indptr[number + 1]
            if chosen and high > low:
                columns = indices[low:high]
                pushes = data[low:high, None] * self._theme_coef[columns[:, None], hits]
                in_doc = by_doc[doc_bounds[number] : doc_bounds[number + 1]]
                doc_columns = word_columns[in_doc]
                tops = np.argsort(-pushes, axis=0)[:reasons_per_theme].T.tolist()
                for position, theme in enumerate(chosen):
                    spans = []
                    for i in tops[position]:
                        push = float(pushes[i, position])
                        if push <= 0:
                            break
                        first = in_doc[int(np.argmax(doc_columns == columns[i]))]
                        spans.append((int(word_starts[first]), int(word_ends[first]), round(push, 3)))
                    reasons[theme] = spans
            predictions.append(
                Prediction(
                    scores=dict(zip(self.theme_ids, scores_rows[number], strict=True)),
                    themes=chosen,
                    sentiment=SENTIMENTS[sentiment_rows[number]],
                    safeguarding=safeguarding_rows[number],
                    reasons=reasons,
                )
            )
        return predictions

    @property
    def safeguarding_threshold(self) -> float:
        return self.card.safeguarding_threshold


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
    matrix.data = (1.0 + np.log(matrix.data)) * idf[matrix.indices]
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    matrix.data /= np.repeat(norms, np.diff(matrix.indptr)).astype(np.float32)
    return matrix


def _sigmoid(values: Any) -> Any:
    return 1.0 / (1.0 + np.exp(-np.clip(values, -30.0, 30.0)))


def default_model_dir(framework_id: str) -> Path:
    return Path(__file__).parent / "models" / framework_id
