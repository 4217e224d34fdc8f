"""Lemma-based matching of each theme's cue phrases: the evidence half of the tagger.

The pipeline is `spacy.blank("en")` plus lemmas looked up in spacy-lookups-data's English table, lower-casing
first (the table is keyed on lower-case forms, so "Waiting" would otherwise miss). A cue such as "wait" then
matches "waiting", "waited" and "waits", and every match is kept as an evidence span with character offsets.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import msgspec
import numpy
import spacy
from spacy.attrs import IDX, LEMMA, LENGTH, LOWER
from spacy.language import Language
from spacy.lookups import Table, load_lookups
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from nlp.frameworks import Framework

_LEMMAS: Table | None = None


def _lemma_table() -> Table:
    """Loaded once per process (about 0.2 s, 42,000 forms)."""
    global _LEMMAS
    if _LEMMAS is None:
        _LEMMAS = load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
    return _LEMMAS


class LookupLemmatizer:
    """Sets every token's lemma in one array write. The cache maps a lower-case form's hash to its lemma's hash
    in this pipeline's own StringStore (a string is only retrievable from a store it was added to), so each
    pipeline has its own component and cache."""

    def __init__(self, nlp: Language) -> None:
        self._strings = nlp.vocab.strings
        self._cache: dict[int, int] = {}

    def _learn(self, lower: int) -> int:
        text = self._strings[lower]
        lemma = self._cache[lower] = self._strings.add(_lemma_table().get(text, text))
        return lemma

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        cache, learn = self._cache, self._learn
        lemmas = [cache[lower] if lower in cache else learn(lower) for lower in doc.to_array(LOWER).tolist()]
        doc.from_array([LEMMA], numpy.array(lemmas, dtype=numpy.uint64).reshape(-1, 1))  # type: ignore[arg-type]
        return doc


@Language.factory("engage_lookup_lemmas")
def make_lookup_lemmatizer(nlp: Language, name: str) -> LookupLemmatizer:
    return LookupLemmatizer(nlp)


def english_pipeline() -> Language:
    """A blank English pipeline that sets lower-cased lookup lemmas. Build it once per process."""
    nlp = spacy.blank("en")
    nlp.add_pipe("engage_lookup_lemmas")
    return nlp


class Evidence(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Words in a text that justify a theme: a cue phrase of the framework, or words the model weighs heavily."""

    start: int
    end: int
    text: str
    cue: str | None = None
    weight: float | None = None


class CueMatcher:
    """Finds the cue phrases of one framework, or of several at once (one matcher pass per text for all)."""

    def __init__(self, nlp: Language, framework: Framework | Sequence[Framework]) -> None:
        frameworks = [framework] if isinstance(framework, Framework) else list(framework)
        self._nlp = nlp
        self._first = frameworks[0].id
        self._matcher = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self._cue_text: dict[int, tuple[str, str, str]] = {}
        for each in frameworks:
            for theme in each.themes:
                for number, cue in enumerate(theme.cues):
                    key = f"{each.id}\x00{theme.id}:{number}"
                    self._matcher.add(key, [nlp(cue)])
                    self._cue_text[nlp.vocab.strings[key]] = (each.id, theme.id, cue)

    def evidence(self, doc: Doc, text: str | None = None) -> dict[str, list[Evidence]]:
        """Cue phrases found in `doc`, by theme of the (first) framework; pass the text the doc was made from when
        at hand (spaCy rebuilds `doc.text` token by token, which costs more than the matching)."""
        return self.evidence_by_framework(doc, text).get(self._first, {})

    def evidence_by_framework(self, doc: Doc, text: str | None = None) -> dict[str, dict[str, list[Evidence]]]:
        found: dict[str, dict[str, list[Evidence]]] = {}
        matches = self._matcher(doc)
        if not matches:
            return found
        # Character offsets from one array read, not a Span and Tokens per match.
        offsets = doc.to_array([IDX, LENGTH]).tolist()
        text = doc.text if text is None else text
        for match_id, start, end in matches:
            framework_id, theme_id, cue = self._cue_text[match_id]
            first, last = offsets[start][0], offsets[end - 1][0] + offsets[end - 1][1]
            evidence = Evidence(start=first, end=last, text=text[first:last], cue=cue)
            found.setdefault(framework_id, {}).setdefault(theme_id, []).append(evidence)
        return found

    def evidence_for_texts(self, texts: Iterable[str], batch_size: int = 256) -> list[dict[str, list[Evidence]]]:
        return [self.evidence(doc) for doc in self._nlp.pipe(texts, batch_size=batch_size)]
