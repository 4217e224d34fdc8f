"""Clusters: similar contributions grouped, each labelled with words one of them wrote, and one to show."""

from __future__ import annotations

import pytest

from nlp.clusters import Cluster, cluster_texts
from nlp.cues import english_pipeline

WAITS = [
    "Waiting weeks for a GP appointment is normal now.",
    "I was waiting three weeks for a GP appointment for my son.",
    "We keep waiting weeks for a GP appointment, the phone lines are jammed.",
    "Waiting weeks for a GP appointment when you are in pain is cruel.",
]
DAMP = [
    "Damp and mould in the council flat are making my children ill.",
    "The damp and mould in our council flat came back after the repair.",
    "Nobody fixes the damp and mould in council flats on our estate.",
]
OTHER = ["The lunch club on Tuesdays is lovely.", "Parking at the hospital costs a fortune."]
TEXTS = WAITS + DAMP + OTHER


@pytest.fixture(scope="module")
def clusters() -> list[Cluster]:
    return cluster_texts(TEXTS, english_pipeline())


def _cluster_with(clusters: list[Cluster], index: int) -> Cluster:
    return next(cluster for cluster in clusters if index in cluster.members)


def test_similar_texts_are_grouped_and_the_rest_left_out(clusters: list[Cluster]) -> None:
    assert sorted(_cluster_with(clusters, 0).members) == [0, 1, 2, 3]
    assert sorted(_cluster_with(clusters, 4).members) == [4, 5, 6]
    assert all(7 not in c.members and 8 not in c.members for c in clusters)


def test_a_label_is_a_phrase_one_member_wrote_not_a_list_of_terms(clusters: list[Cluster]) -> None:
    for cluster in clusters:
        assert "·" not in cluster.label
        assert 3 <= len(cluster.label.split()) <= 8
        assert any(cluster.label.lower() in TEXTS[i].lower() for i in cluster.members), cluster.label
    waits = _cluster_with(clusters, 0).label.lower()
    assert "gp appointment" in waits and "waiting" in waits, waits
    assert "damp and mould" in _cluster_with(clusters, 4).label.lower()


def test_the_representative_is_the_member_nearest_the_centre(clusters: list[Cluster]) -> None:
    nlp = english_pipeline()
    for cluster in clusters:
        assert cluster.representative in cluster.members
        # Typical: it uses every one of the cluster's heaviest single words.
        lemmas = {token.lemma_ for token in nlp(TEXTS[cluster.representative])}
        assert {term for term in cluster.terms if " " not in term} <= lemmas, cluster


def test_nothing_to_group_gives_no_clusters() -> None:
    assert cluster_texts(["one thing", "something else entirely"], english_pipeline()) == []
