"""The shipped tagger: themes with evidence, sentiment, language gating, safeguarding, awkward input."""

from __future__ import annotations

import io

import msgspec
import numpy as np
import pytest

from nlp.frameworks import builtin_frameworks
from nlp.model import SUB_THEME_WEIGHT, SubThemes, ThemeModel, default_model_dir
from nlp.tagger import Tagger

DETAILED = "lambeth-what-matters-detailed"


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger.load()


def test_an_everyday_complaint_gets_its_theme_with_evidence(tagger: Tagger) -> None:
    text = "I rang the surgery forty times and still couldn't get an appointment for my son"
    result = tagger.tag([text])[0]
    assert "easier" in result.themes
    assert result.scores["easier"] > 0.5
    assert all(text[e.start : e.end] == e.text for e in result.evidence["easier"])
    assert result.sentiment == "negative" and result.language == "en" and not result.needs_translation
    assert result.model == tagger.version


def test_each_default_theme_is_recognised_in_plain_words(tagger: Tagger) -> None:
    texts = {
        "listen": "Nobody listened to me as his carer, they talked over me at the ward round",
        "easier": "It took three months to get through on the phone and get a referral",
        "quality": "A different carer every day, all rushed, nobody follows up after discharge",
        "choice": "I want to choose my own carers and use my direct payment the way I decide",
        "thrive": "Since my wife died I'm so lonely, the lunch club was the only place I saw people",
        "safe": "My mum fell at home and lay on the floor for hours, she's frightened now",
    }
    results = tagger.tag(list(texts.values()))
    for (theme, _), result in zip(texts.items(), results, strict=True):
        assert theme in result.themes, (theme, result.scores)


def test_a_text_not_in_english_is_flagged_for_translation_not_tagged(tagger: Tagger) -> None:
    result = tagger.tag(["Não consigo marcar consulta no médico de família há três semanas e ninguém me ajuda"])[0]
    assert result.language == "pt" and result.needs_translation
    assert result.themes == [] and result.sentiment is None


def test_someone_at_risk_is_flagged_with_the_words_why(tagger: Tagger) -> None:
    result = tagger.tag(["My stepdad hits my mum when he is drunk and I'm scared to go home from school"])[0]
    assert result.safeguarding
    assert {r.kind for r in result.risk} >= {"domestic"}
    assert "domestic" in result.safeguarding_kinds


def test_an_ordinary_request_is_not_a_safeguarding_flag(tagger: Tagger) -> None:
    assert not tagger.tag(["I want a call back after I leave hospital."])[0].safeguarding


@pytest.mark.parametrize("text", ["", "   ", "a", "!!!", "12345", "x" * 50_000, "\u0000\u0001 binary \ufffd\ufffd"])
def test_awkward_input_gives_a_result_not_a_crash(tagger: Tagger, text: str) -> None:
    result = tagger.tag([text])[0]
    assert isinstance(result.themes, list)
    assert result.truncated == (len(text) > 20_000)


def test_terse_workshop_notes_are_treated_as_english(tagger: Tagger) -> None:
    result = tagger.tag(["phones 8am - nobody gets through"])[0]
    assert result.language == "en" and "easier" in result.themes


def test_several_frameworks_in_one_pass_equal_each_tagged_alone(tagger: Tagger) -> None:
    others = [framework for framework in builtin_frameworks() if framework != tagger.model.framework.id]
    every = Tagger.load(also=others)
    featurizers = {id(model.featurizer) for model in every.models.values()}
    assert len(featurizers) == 1, "models trained on the same texts compute their features once"
    texts = [
        "I rang the surgery forty times and still couldn't get an appointment for my son",
        "The carer slapped my mother and took her pension",
        "Não consigo marcar consulta",
    ]
    together = every.tag(texts)
    assert every.sub_frameworks[tagger.model.framework.id] == ["lambeth-what-matters-detailed"]
    assert [r.themes for r in together] == [r.themes for r in Tagger.load(also=[DETAILED]).tag(texts)]
    for framework_id in others:
        alone = Tagger.load(framework_id=framework_id).tag(texts)
        for joint, single in zip(together, alone, strict=True):
            assert joint.frameworks[framework_id].themes == single.themes
            assert joint.frameworks[framework_id].scores == single.scores
            assert joint.frameworks[framework_id].evidence == single.evidence
    assert together[0].frameworks["lambeth-what-matters-detailed"].parents
    assert together[2].frameworks["lambeth-outcomes"].themes == [] and together[2].needs_translation


def test_a_flag_names_its_kinds(tagger: Tagger) -> None:
    result = tagger.tag(["The carer slapped my mother and took her pension, she is terrified of him"])[0]
    assert result.safeguarding
    assert {"physical", "financial"} <= set(result.safeguarding_kinds)
    assert not tagger.tag(["The bus to the clinic was late again"])[0].safeguarding_kinds


def test_a_format_1_model_still_loads_and_tags(tagger: Tagger) -> None:
    """Models stored in the database before kinds and parents existed keep working."""
    card, weights = tagger.model.to_bytes()
    old = msgspec.json.decode(card)
    old["format"] = 1
    for field in ("parent_thresholds", "kind_thresholds"):
        old.pop(field, None)
    with np.load(io.BytesIO(weights)) as stored:
        arrays = {name: stored[name] for name in stored.files if not name.startswith(("kind_", "parent_"))}
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    model = ThemeModel.from_bytes(msgspec.json.encode(old), buffer.getvalue())
    result = Tagger(model).tag(["I rang the surgery forty times and still couldn't get an appointment"])[0]
    assert "easier" in result.themes and result.safeguarding_kinds == []


def test_a_framework_tagged_with_its_sub_themes_blends_their_scores_into_its_own(tagger: Tagger) -> None:
    detailed = ThemeModel.load(default_model_dir(DETAILED))
    outcomes = ThemeModel.load(default_model_dir("lambeth-outcomes"))
    both = Tagger([tagger.model, detailed, outcomes], tagger.nlp)
    assert both.sub_frameworks == {tagger.model.framework.id: [DETAILED], DETAILED: [], "lambeth-outcomes": []}
    flipped = Tagger([detailed, tagger.model], tagger.nlp)
    assert flipped.sub_frameworks == {DETAILED: [], tagger.model.framework.id: [DETAILED]}
    texts = [
        "I rang the surgery forty times and still couldn't get an appointment for my son",
        "Nobody told me what the new tablets were for and the pharmacist gave me the wrong dose",
        "My dad is on his own all day since the day centre shut and he has stopped eating properly",
        "The lunch club is brilliant, I have made friends there",
    ]
    alone, subs, joint = tagger.tag(texts), Tagger(detailed, tagger.nlp).tag(texts), both.tag(texts)
    thresholds, sub_thresholds = tagger.model.card.thresholds, detailed.card.thresholds
    outcome_themes = [result.themes for result in Tagger(outcomes, tagger.nlp).tag(texts)]
    for direct, sub, blended, other, outcome in zip(
        alone, subs, joint, flipped.tag(texts), outcome_themes, strict=True
    ):
        for theme, score in direct.scores.items():
            children = [child.id for child in detailed.framework.themes if child.parent == theme]
            best = max(children, key=lambda child: sub.scores[child])
            margin = sub.scores[best] - sub_thresholds[best]
            expected = score + SUB_THEME_WEIGHT * (margin - (score - thresholds[theme]))
            assert blended.scores[theme] == pytest.approx(min(max(expected, 0.0), 1.0), abs=3e-4)
            assert (theme in blended.themes) == (blended.scores[theme] >= thresholds[theme]), (theme, blended.scores)
        assert blended.frameworks[DETAILED].themes == sub.themes and blended.frameworks[DETAILED].scores == sub.scores
        assert other.frameworks[tagger.model.framework.id].themes == blended.themes
        assert blended.frameworks["lambeth-outcomes"].themes == outcome
        assert all(blended.evidence[theme] for theme in blended.themes), blended.evidence


def test_a_sure_sub_theme_gives_its_parent_and_doubtful_ones_hold_back_a_marginal_parent(tagger: Tagger) -> None:
    detailed = ThemeModel.load(default_model_dir(DETAILED))
    model = tagger.model
    column, threshold = model.theme_ids.index("easier"), model.card.thresholds["easier"]
    scores = np.zeros((2, len(model.theme_ids)), dtype=np.float32)
    scores[0, column], scores[1, column] = threshold - 0.01, threshold + 0.01
    sub_scores = np.full((2, len(detailed.theme_ids)), 0.01, dtype=np.float32)
    sub_scores[0, detailed.theme_ids.index("easier.phones")] = 0.99
    blended = model.with_sub_themes(scores, SubThemes(detailed, sub_scores))
    assert blended[0, column] >= threshold > blended[1, column]
    assert (blended[:, [i for i in range(len(model.theme_ids)) if i != column]] < 0.1).all()
