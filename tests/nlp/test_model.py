"""The trained model: fast inference equals scikit-learn's arithmetic, files round-trip, bad directories are named."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer

from nlp.cues import english_pipeline
from nlp.frameworks import parse_framework
from nlp.model import ModelError, ThemeModel, text_features
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
