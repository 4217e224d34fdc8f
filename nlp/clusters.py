"""Grouping contributions that say the same thing, each group labelled with a phrase drawn from its own texts.

Texts become TF-IDF vectors of content lemmas (stop words and one-letter words dropped) and adjacent pairs; a text
joins the first cluster whose centroid it is close enough to (cosine), in order of length so that fuller texts
seed clusters. Good enough for a facilitator's evidence board of hundreds or a few thousand texts: it runs in
well under a second for a thousand, and every cluster shows its members, so a person can judge it.

A label is a few consecutive words that one of the members actually wrote ("waiting weeks for a GP appointment"),
not a list of key terms ("want · home · help"): of the word runs of three to eight words inside one clause of the
members nearest the centroid, the one whose words carry most of the cluster's weight, per word, shared by most
members. Each cluster also names its representative text: the member nearest its centroid (the engage side
redacts it before showing it).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence

import msgspec
import numpy as np
from spacy.language import Language
from spacy.tokens import Doc

MIN_LABEL_WORDS = 3
MAX_LABEL_WORDS = 8
LABEL_SOURCES = 12
"""Labels are looked for in this many members nearest the centroid: the most typical wording, and bounded work."""


class Cluster(msgspec.Struct, frozen=True, kw_only=True):
    label: str
    """A short phrase from one of its texts, e.g. "waiting weeks for a GP appointment"."""
    members: list[int]
    """Indexes into the texts given."""
    representative: int
    """Index (into the texts given) of the member nearest the cluster's centre: the one to show."""
    terms: list[str] = []
    """The three terms that weigh most in the cluster, e.g. ["appointment", "wait", "phone"]."""


def _content(token: object) -> bool:
    return bool(token.is_alpha and not token.is_stop and len(token.lemma_) > 2)  # type: ignore[attr-defined]


def _terms(doc: Doc) -> list[str]:
    words = [t.lemma_ for t in doc if _content(t)]
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


def cluster_texts(
    texts: Sequence[str], nlp: Language, *, threshold: float = 0.3, min_size: int = 2, max_clusters: int = 30
) -> list[Cluster]:
    docs = list(nlp.pipe(texts, batch_size=256))
    term_lists = [_terms(doc) for doc in docs]
    frequency = Counter(term for terms in term_lists for term in set(terms))
    vocabulary = {term: i for i, term in enumerate(t for t, n in frequency.items() if n >= 2)}
    if not vocabulary:
        return []
    idf = np.zeros(len(vocabulary))
    for term, column in vocabulary.items():
        idf[column] = np.log((1 + len(texts)) / (1 + frequency[term])) + 1
    vectors = np.zeros((len(texts), len(vocabulary)), dtype=np.float32)
    for row, terms in enumerate(term_lists):
        for term, count in Counter(terms).items():
            if term in vocabulary:
                vectors[row, vocabulary[term]] = (1 + np.log(count)) * idf[vocabulary[term]]
    norms = np.linalg.norm(vectors, axis=1)
    norms[norms == 0] = 1
    vectors /= norms[:, None]
    centroids: list[np.ndarray] = []
    members: list[list[int]] = []
    for row in sorted(range(len(texts)), key=lambda i: -len(term_lists[i])):
        if not vectors[row].any():
            continue
        if centroids:
            similarity = np.array([c @ vectors[row] for c in centroids])
            best = int(np.argmax(similarity))
            if similarity[best] >= threshold:
                members[best].append(row)
                total = vectors[members[best]].sum(axis=0)
                centroids[best] = total / (np.linalg.norm(total) or 1)
                continue
        centroids.append(vectors[row].copy())
        members.append([row])
    names = sorted(vocabulary, key=vocabulary.__getitem__)
    clusters = []
    for rows in sorted(members, key=len, reverse=True):
        if len(rows) < min_size:
            continue
        weights = vectors[rows].sum(axis=0)
        centre = weights / (np.linalg.norm(weights) or 1)
        nearest = sorted(rows, key=lambda row: -float(vectors[row] @ centre))
        lemma_weight = {names[i]: float(weights[i]) for i in np.flatnonzero(weights > 0)}
        label = _label([docs[row] for row in nearest[:LABEL_SOURCES]], lemma_weight, len(rows))
        top = [names[i] for i in np.argsort(-weights)[:3] if weights[i] > 0]
        clusters.append(
            Cluster(
                label=label or " · ".join(top),
                members=sorted(rows),
                representative=nearest[0],
                terms=top,
            )
        )
    return clusters[:max_clusters]


def _label(docs: Sequence[Doc], weight: dict[str, float], size: int) -> str:
    """The best run of words from these docs: inside one clause, three to eight words, starting and ending with a
    content word (or a negation at the start), scored by the cluster weight of its content lemmas and pairs over
    the number of words to the power 0.3 (a square root gave three-word labels too terse to read)."""
    best_score, best = 0.0, ""
    for doc in docs:
        tokens = list(doc)
        clause: list[int] = []
        clauses: list[list[int]] = []
        for i, token in enumerate(tokens):
            if token.is_punct and token.text not in {"'", "-"}:
                if clause:
                    clauses.append(clause)
                clause = []
            elif not token.is_space:
                clause.append(i)
        if clause:
            clauses.append(clause)
        for positions in clauses:
            for start in range(len(positions)):
                first = tokens[positions[start]]
                if not (_content(first) or first.lower_ in {"no", "not", "never", "nobody"}):
                    continue
                seen: set[str] = set()
                score = 0.0
                for end in range(start, min(len(positions), start + MAX_LABEL_WORDS)):
                    token = tokens[positions[end]]
                    if _content(token) and token.lemma_ not in seen:
                        seen.add(token.lemma_)
                        score += weight.get(token.lemma_, 0.0)
                        if end > start:
                            pair = f"{tokens[positions[end - 1]].lemma_} {token.lemma_}"
                            score += weight.get(pair, 0.0)
                    length = end - start + 1
                    if length < MIN_LABEL_WORDS or not _content(token):
                        continue
                    value = score / size / length**0.3
                    if value > best_score + 1e-9:
                        span = doc[positions[start] : positions[end] + 1]
                        best_score, best = value, span.text
    return best[:1].lower() + best[1:] if best[:2] != best[:2].upper() else best
