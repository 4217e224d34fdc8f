"""Grouping contributions that say the same thing, each group labelled with its key terms.

Texts become TF-IDF vectors of content lemmas (stop words and one-letter words dropped) and adjacent pairs; a text
joins the first cluster whose centroid it is close enough to (cosine), in order of length so that fuller texts
seed clusters. Good enough for a facilitator's evidence board of hundreds or a few thousand texts: it runs in
well under a second for a thousand, and every cluster shows its members, so a person can judge it.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence

import msgspec
import numpy as np
from spacy.language import Language


class Cluster(msgspec.Struct, frozen=True, kw_only=True):
    label: str
    """The three terms that weigh most in the cluster, e.g. "phone · appointment · wait"."""
    members: list[int]
    """Indexes into the texts given."""


def _terms(doc: object) -> list[str]:
    words = [t.lemma_ for t in doc if t.is_alpha and not t.is_stop and len(t.lemma_) > 2]  # type: ignore[attr-defined]
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
        top = [names[i] for i in np.argsort(-weights)[:3] if weights[i] > 0]
        clusters.append(Cluster(label=" · ".join(top), members=sorted(rows)))
    return clusters[:max_clusters]
