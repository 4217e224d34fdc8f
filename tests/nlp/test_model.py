"""The trained model: fast inference equals scikit-learn's arithmetic, files round-trip, bad directories are named."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from spacy.tokens import Span

from nlp.cues import english_pipeline
from nlp.frameworks import parse_framework
from nlp.model import _TOKEN_ATTRS, LONG_TEXT_WORDS, WINDOW_TOKENS, ModelError, ThemeModel, text_features
from nlp.training import Example, train_model

FRAMEWORK = parse_framework(
    b'{"id": "tiny", "name": "Tiny", "themes": [{"id": "wait", "name": "Waiting"}, {"id": "kind", "name": "Kindness"}]}'
)
EXAMPLES = [
    Example(text="I waited six weeks for an appointment", themes=["wait"]),
    Example(text="The waiting list is two years long", themes=["wait"]),
    Example(text="Nobody answers the phone, we wait and wait", themes=["wait"]),
    Example(text="The nurse was so kind to my mum", themes=["kind"]),
    Example(text="Kind staff who took their time with us", themes=["kind"]),
    Example(text="The carers are gentle and kind", themes=["kind"]),
    Example(text="Kind people but a long wait for the clinic", themes=["kind", "wait"]),
    Example(text="Thanks for the tea", themes=[]),
]


@pytest.fixture(scope="module")
def model() -> ThemeModel:
    return train_model(FRAMEWORK, EXAMPLES, nlp=english_pipeline())


def test_fast_inference_equals_the_training_arithmetic(model: ThemeModel) -> None:
    """predict() works on hashes with numpy; it must give exactly what the vectorisers and coefficients give."""
    nlp = english_pipeline()
    texts = ["We waited and waited, the staff were kind", "A", "", "Kindness!! waiting... 12 weeks"]
    docs = list(nlp.pipe(texts))
    features = [text_features(doc) for doc in docs]
    words = TfidfVectorizer(analyzer=lambda x: x, sublinear_tf=True, vocabulary=model.card.word_vocab)
    chars = TfidfVectorizer(analyzer=lambda x: x, sublinear_tf=True, vocabulary=model.card.char_vocab)
    words.idf_ = model._idf_word
    chars.idf_ = model._idf_char
    matrix = hstack([words.transform([f.words for f in features]), chars.transform([f.chars for f in features])])
    expected = 1 / (1 + np.exp(-(matrix @ model._theme_coef + model._arrays["theme_bias"])))
    for row, prediction in zip(expected, model.predict(docs), strict=True):
        assert [prediction.scores[t] for t in model.theme_ids] == pytest.approx(list(row), abs=1e-4)


def test_a_long_text_is_also_scored_in_windows_and_each_theme_takes_the_mean_with_the_best(model: ThemeModel) -> None:
    """A report that says one thing in one paragraph: the whole text's score dilutes it, the best window does not."""
    nlp = english_pipeline()
    filler = "we talked about the garden and the weather and the shops on the high road " * 20
    long_text = f"{filler} I waited six weeks for an appointment and the waiting list is two years. {filler}"
    assert len(long_text.split()) > LONG_TEXT_WORDS
    short, long = list(nlp.pipe(["I waited six weeks for an appointment", long_text]))
    features = model.featurizer([short, long])
    assert set(features.window_owner.tolist()) == {1}, "only the long text has windows"
    assert len(features.window_owner) >= len(long) // WINDOW_TOKENS

    # The same arithmetic by hand: whole text and every window of 40 tokens, half overlapping.
    def scores(spans: list[Span]) -> np.ndarray:
        tables = [span.to_array(_TOKEN_ATTRS) for span in spans]
        plain = model.featurizer._features(tables, long.vocab.strings)
        split = len(model._idf_word)
        logits = plain.words @ model._theme_coef[:split] + plain.chars @ model._theme_coef[split:]
        return np.asarray(1 / (1 + np.exp(-(logits + model._arrays["theme_bias"]))))

    windows = [long[start : start + WINDOW_TOKENS] for start in range(0, len(long), WINDOW_TOKENS // 2)]
    windows = [w for number, w in enumerate(windows) if number == 0 or len(w) >= WINDOW_TOKENS // 2]
    whole = scores([long[:]])[0]
    best = scores(windows).max(axis=0)
    predicted = model.predict([long], features=model.featurizer([long]))[0]
    assert [predicted.scores[t] for t in model.theme_ids] == pytest.approx(list((whole + best) / 2), abs=1e-4)
    assert predicted.scores["wait"] > whole[model.theme_ids.index("wait")], "the window hears the wait"


def test_a_model_round_trips_through_files_and_bytes(model: ThemeModel, tmp_path: Path) -> None:
    model.save(tmp_path / "m")
    again = ThemeModel.load(tmp_path / "m")
    assert again.version == model.version
    docs = list(english_pipeline().pipe(["a very long wait for a kind nurse"]))
    assert again.predict(docs)[0].scores == model.predict(docs)[0].scores
    assert ThemeModel.from_bytes(*model.to_bytes()).version == model.version


def test_a_directory_that_is_not_a_model_is_named(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not a model directory"):
        ThemeModel.load(tmp_path)
    (tmp_path / "model.json").write_text("{not json")
    (tmp_path / "weights.npz").write_bytes(b"")
    with pytest.raises(ModelError, match=r"model\.json"):
        ThemeModel.load(tmp_path)


def test_reasons_point_at_the_words_in_the_original_text(model: ThemeModel) -> None:
    text = "Honestly the WAITING was awful"
    prediction = model.predict(list(english_pipeline().pipe([text])))[0]
    assert "wait" in prediction.themes
    start, end, weight = prediction.reasons["wait"][0]
    assert text[start:end].lower().startswith("wait") and weight > 0
