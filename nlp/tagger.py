"""The whole tagger: language, themes with confidence and evidence, sentiment and the safeguarding flag.

One `Tagger` per process (the spaCy pipeline, lemma table and model load once) and many texts per call, so that
`nlp.pipe` batches them. A text not in English gets no themes and `needs_translation`: it is never tagged as if it
were English. Very short ASCII texts whose language cannot be told ("Phones - 8am") are treated as English, because
workshop notes are often that terse.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import msgspec
from spacy.attrs import IS_ALPHA, IS_STOP
from spacy.language import Language
from spacy.tokens import Doc

from nlp.cues import CueMatcher, Evidence, english_pipeline
from nlp.frameworks import DEFAULT_FRAMEWORK
from nlp.language import detect_language
from nlp.model import ModelError, ThemeModel, default_model_dir
from nlp.safeguarding import RiskPhrase, risk_phrases

MAX_TEXT = 20_000
"""Longer texts are tagged on their first 20,000 characters; the result says so."""


class TagResult(msgspec.Struct, kw_only=True):
    themes: list[str]
    scores: dict[str, float]
    evidence: dict[str, list[Evidence]]
    sentiment: str | None
    """negative, positive, mixed or neutral; None when the text is not in English."""
    language: str
    needs_translation: bool
    safeguarding: bool
    safeguarding_score: float
    risk: list[RiskPhrase]
    model: str
    truncated: bool = False


def _is_plain_ascii(text: str) -> bool:
    return text.isascii()


def _mostly_english_stop_words(doc: Doc, text: str) -> bool:
    """The quick path of language detection, from flags spaCy already holds per word: plain ASCII text in which
    at least three words in ten are English stop words is English. Everything else goes to `detect_language`."""
    if not text.isascii():
        return False
    flags = doc.to_array([IS_ALPHA, IS_STOP]).astype(bool)
    words = int(flags[:, 0].sum()) if len(doc) else 0
    return words >= 3 and int((flags[:, 0] & flags[:, 1]).sum()) >= 0.3 * words


class Tagger:
    def __init__(self, model: ThemeModel, nlp: Language | None = None) -> None:
        self.model = model
        self.nlp = nlp or english_pipeline()
        self.cues = CueMatcher(self.nlp, model.framework)

    @classmethod
    def load(cls, directory: Path | None = None, *, framework_id: str = DEFAULT_FRAMEWORK) -> Tagger:
        if directory is None and not default_model_dir(framework_id).is_dir():
            raise ModelError(
                f"Engage ships no model for {framework_id!r}; train one with `engage nlp train` and pass --model"
            )
        return cls(ThemeModel.load(directory or default_model_dir(framework_id)))

    def warm_up(self) -> None:
        """Load what the first texts would otherwise load (lemma table, stop-word lists of every language) so that
        the first job after start-up is as fast as the rest."""
        self.tag(["I waited weeks for an appointment", "Não consigo marcar consulta, ninguém me ajuda"])

    @property
    def version(self) -> str:
        return self.model.version

    def tag(self, texts: Sequence[str], *, batch_size: int = 256) -> list[TagResult]:
        results: list[TagResult | None] = [None] * len(texts)
        english: list[int] = []
        docs: list[Doc] = []
        for position, doc in enumerate(self.nlp.pipe((text[:MAX_TEXT] for text in texts), batch_size=batch_size)):
            text = texts[position]
            if _mostly_english_stop_words(doc, text):
                english.append(position)
                docs.append(doc)
                continue
            guess = detect_language(text[:2000])
            if guess.language == "en" or (guess.language == "unknown" and _is_plain_ascii(text[:2000])):
                english.append(position)
                docs.append(doc)
                continue
            results[position] = TagResult(
                themes=[],
                scores={},
                evidence={},
                sentiment=None,
                language=guess.language,
                needs_translation=True,
                safeguarding=False,
                safeguarding_score=0.0,
                risk=[],
                model=self.version,
                truncated=len(text) > MAX_TEXT,
            )
        for position, doc, prediction in zip(english, docs, self.model.predict(docs), strict=True):
            text = texts[position][:MAX_TEXT]
            cue_evidence = self.cues.evidence(doc) if prediction.themes else {}
            evidence: dict[str, list[Evidence]] = {}
            for theme in prediction.themes:
                spans = list(cue_evidence.get(theme, ()))
                covered = [(span.start, span.end) for span in spans]
                for start, end, weight in prediction.reasons.get(theme, ()):
                    if not any(start < other_end and other_start < end for other_start, other_end in covered):
                        spans.append(Evidence(start=start, end=end, text=text[start:end], weight=weight))
                        covered.append((start, end))
                evidence[theme] = sorted(spans, key=lambda span: span.start)
            risk = risk_phrases(text)
            results[position] = TagResult(
                themes=prediction.themes,
                scores=prediction.scores,
                evidence=evidence,
                sentiment=prediction.sentiment,
                language="en",
                needs_translation=False,
                safeguarding=bool(risk) or prediction.safeguarding >= self.model.safeguarding_threshold,
                safeguarding_score=prediction.safeguarding,
                risk=risk,
                model=self.version,
                truncated=len(texts[position]) > MAX_TEXT,
            )
        return [result for result in results if result is not None]
