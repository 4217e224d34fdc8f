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
from nlp.model import BatchScores, Features, ModelError, Prediction, SubThemes, ThemeModel, default_model_dir
from nlp.safeguarding import RiskPhrase, risk_phrases

MAX_TEXT = 20_000
"""Longer texts are tagged on their first 20,000 characters; the result says so."""
KIND_FLAG = 0.5
"""A kind head alone raises a flag only when this sure: below it, kind heads only name the kinds of a flag raised by
the rules or the general head. On the development split, at their own tuned thresholds (at least 0.2) they added
two catches of 28 for fifteen false alarms; at 0.5, one for five (none either way on the held-out split)."""


class FrameworkTags(msgspec.Struct, kw_only=True):
    """One framework's themes for one text."""

    themes: list[str]
    scores: dict[str, float]
    evidence: dict[str, list[Evidence]]
    parents: list[str] = []
    """For frameworks whose themes have parents: the parents of the themes given."""
    model: str


class TagResult(msgspec.Struct, kw_only=True):
    themes: list[str]
    """The primary framework's themes (the first model given to the Tagger); `frameworks` has every framework's."""
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
    safeguarding_kinds: list[str] = []
    """When flagged: the kinds of concern (nlp.safeguarding.KINDS), from the rules that fired and the kind heads,
    most certain first; the most likely kind when only the general head fired."""
    parents: list[str] = []
    frameworks: dict[str, FrameworkTags] = {}
    """framework id -> its themes, scores and evidence, for every framework the Tagger holds (the primary too)."""


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
    """Tags texts against one framework or several at once.

    `Tagger(model)` or `Tagger([primary, *others])`: the spaCy pass, the features (for models trained on the same
    texts), language, sentiment and safeguarding are computed once per text; each model adds its own themes. The
    primary model (the first) gives sentiment and safeguarding, and its themes are also the result's top-level
    `themes`, `scores` and `evidence`; `TagResult.frameworks` holds every framework's, keyed by framework id.

    Frameworks of themes and sub-themes are tagged together: whenever every `parent` named by one framework's
    themes is a theme of another framework the Tagger holds (lambeth-what-matters-detailed's 45 sub-themes and
    lambeth-what-matters' six themes), the parent framework's theme scores are blended with their likeliest
    sub-theme's (`nlp.model.SUB_THEME_WEIGHT`), whichever of the two is the primary. Its `scores` are then the
    blended scores, still given at the model's own thresholds; the sub-theme framework's results do not change.
    A Tagger holding the parent framework alone tags as its model does.
    """

    def __init__(self, model: ThemeModel | Sequence[ThemeModel], nlp: Language | None = None) -> None:
        models = [model] if isinstance(model, ThemeModel) else list(model)
        if not models:
            raise ValueError("a Tagger needs at least one model")
        ids = [m.framework.id for m in models]
        if len(set(ids)) != len(ids):
            raise ValueError(f"two models for the same framework: {ids}")
        for number, later in enumerate(models[1:], start=1):
            for earlier in models[:number]:
                later.share_features_with(earlier)
        self.model = models[0]
        self.models = {m.framework.id: m for m in models}
        self.sub_frameworks = {
            framework_id: [other_id for other_id, other in self.models.items() if _parents_in(other, model)]
            for framework_id, model in self.models.items()
        }
        """framework id -> ids of the frameworks held whose themes are its themes' sub-themes."""
        self.nlp = nlp or english_pipeline()
        self.cues = CueMatcher(self.nlp, [m.framework for m in models])

    @classmethod
    def load(
        cls, directory: Path | None = None, *, framework_id: str = DEFAULT_FRAMEWORK, also: Sequence[str] = ()
    ) -> Tagger:
        """The model in `directory`, or the shipped model for `framework_id`; `also` adds shipped models for more
        frameworks, tagged in the same pass."""
        return cls([_load_model(directory, framework_id), *(_load_model(None, other) for other in also)])

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
                frameworks={
                    framework_id: FrameworkTags(themes=[], scores={}, evidence={}, model=model.version)
                    for framework_id, model in self.models.items()
                },
            )
        features: dict[str, Features] = {}
        scored: dict[str, BatchScores] = {}
        predictions: dict[str, list[Prediction]] = {framework_id: [] for framework_id in self.models}
        if docs:
            for framework_id, model in self.models.items():
                if model.feature_key not in features:
                    features[model.feature_key] = model.featurizer(docs)
                scored[framework_id] = model.scores(docs, features=features[model.feature_key])
            for framework_id, model in self.models.items():
                sub_themes = [
                    SubThemes(self.models[other], scored[other].topics[:, : len(self.models[other].theme_ids)])
                    for other in self.sub_frameworks[framework_id]
                ]
                predictions[framework_id] = model.predict(docs, scored=scored[framework_id], sub_themes=sub_themes)
        primary = predictions[self.model.framework.id]
        for number, (position, doc) in enumerate(zip(english, docs, strict=True)):
            text = texts[position][:MAX_TEXT]
            any_themes = any(predictions[framework_id][number].themes for framework_id in self.models)
            cues = self.cues.evidence_by_framework(doc, text) if any_themes else {}
            tagged = {
                framework_id: self._framework_tags(
                    framework_id, cues.get(framework_id, {}), text, predictions[framework_id][number]
                )
                for framework_id in self.models
            }
            prediction = primary[number]
            risk = risk_phrases(text)
            flagged = (
                bool(risk)
                or prediction.safeguarding >= self.model.safeguarding_threshold
                or prediction.kind_score >= KIND_FLAG
            )
            kinds: list[str] = []
            if flagged:
                kinds = list(dict.fromkeys([*(phrase.kind for phrase in risk), *prediction.kinds]))
                if not kinds and prediction.top_kind:
                    kinds = [prediction.top_kind]
            own = tagged[self.model.framework.id]
            results[position] = TagResult(
                themes=own.themes,
                scores=own.scores,
                evidence=own.evidence,
                parents=own.parents,
                sentiment=prediction.sentiment,
                language="en",
                needs_translation=False,
                safeguarding=flagged,
                safeguarding_score=prediction.safeguarding,
                safeguarding_kinds=kinds,
                risk=risk,
                model=self.version,
                truncated=len(texts[position]) > MAX_TEXT,
                frameworks=tagged,
            )
        return [result for result in results if result is not None]

    def _framework_tags(
        self, framework_id: str, cue_evidence: dict[str, list[Evidence]], text: str, prediction: Prediction
    ) -> FrameworkTags:
        evidence: dict[str, list[Evidence]] = {}
        for theme in prediction.themes:
            spans = cue_evidence.get(theme, [])
            reasons = prediction.reasons.get(theme, ())
            if reasons:
                covered = [(span.start, span.end) for span in spans]
                for start, end, weight in reasons:
                    for other_start, other_end in covered:
                        if start < other_end and other_start < end:
                            break
                    else:
                        spans.append(Evidence(start=start, end=end, text=text[start:end], weight=weight))
                        covered.append((start, end))
                spans.sort(key=_start)
            evidence[theme] = spans
        return FrameworkTags(
            themes=prediction.themes,
            scores=prediction.scores,
            evidence=evidence,
            parents=prediction.parents,
            model=self.models[framework_id].version,
        )


def _parents_in(child: ThemeModel, parent: ThemeModel) -> bool:
    """Whether `child`'s themes name parents, all of them themes of `parent`'s framework."""
    named = {theme.parent for theme in child.framework.themes if theme.parent}
    return child is not parent and bool(named) and named <= set(parent.theme_ids)


def _start(span: Evidence) -> int:
    return span.start


def _load_model(directory: Path | None, framework_id: str) -> ThemeModel:
    if directory is None and not default_model_dir(framework_id).is_dir():
        raise ModelError(
            f"Engage ships no model for {framework_id!r}; train one with `engage nlp train` and pass --model"
        )
    return ThemeModel.load(directory or default_model_dir(framework_id))
