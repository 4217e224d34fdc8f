"""Lemma-based matching of each theme's cue phrases: the evidence half of the tagger.

The pipeline is `spacy.blank("en")` plus lemmas looked up in spacy-lookups-data's English table, lower-casing
first (the table is keyed on lower-case forms, so "Waiting" would otherwise miss). A cue such as "wait" then
matches "waiting", "waited" and "waits", and every match is kept as an evidence span with character offsets.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec
import spacy
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


@Language.component("engage_lookup_lemmas")
def lookup_lemmas(doc: Doc) -> Doc:
    table = _lemma_table()
    for token in doc:
        lower = token.lower_
        token.lemma_ = table.get(lower, lower)
    return doc


def english_pipeline() -> Language:
    """A blank English pipeline that sets lower-cased lookup lemmas. Build it once per process."""
    nlp = spacy.blank("en")
    nlp.add_pipe("engage_lookup_lemmas")
    return nlp


class Evidence(msgspec.Struct, frozen=True, kw_only=True):
    start: int
    end: int
    text: str
    cue: str


class CueMatcher:
    def __init__(self, nlp: Language, framework: Framework) -> None:
        self._nlp = nlp
        self._matcher = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self._cue_text: dict[int, tuple[str, str]] = {}
        for theme in framework.themes:
            for number, cue in enumerate(theme.cues):
                key = f"{theme.id}:{number}"
                self._matcher.add(key, [nlp(cue)])
                self._cue_text[nlp.vocab.strings[key]] = (theme.id, cue)

    def evidence(self, doc: Doc) -> dict[str, list[Evidence]]:
        found: dict[str, list[Evidence]] = {}
        for match_id, start, end in self._matcher(doc):
            theme_id, cue = self._cue_text[match_id]
            span = doc[start:end]
            found.setdefault(theme_id, []).append(
                Evidence(start=span.start_char, end=span.end_char, text=span.text, cue=cue)
            )
        return found

    def evidence_for_texts(self, texts: Iterable[str], batch_size: int = 256) -> list[dict[str, list[Evidence]]]:
        return [self.evidence(doc) for doc in self._nlp.pipe(texts, batch_size=batch_size)]
