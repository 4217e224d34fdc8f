"""Theme frameworks load from files, and a broken file says where and why."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp.frameworks import DEFAULT_FRAMEWORK, FrameworkError, builtin_frameworks, load_framework, parse_framework


def test_the_lambeth_frameworks_ship() -> None:
    frameworks = builtin_frameworks()
    assert set(frameworks) == {
        "lambeth-what-matters",
        "lambeth-what-matters-detailed",
        "lambeth-outcomes",
        "lambeth-together-outcomes",
    }
    assert frameworks[DEFAULT_FRAMEWORK].theme_ids == ("listen", "easier", "quality", "choice", "thrive", "safe")
    assert len(frameworks["lambeth-outcomes"].themes) == 8
    assert len(frameworks["lambeth-together-outcomes"].themes) == 4
    assert all(theme.description and theme.cues for theme in frameworks[DEFAULT_FRAMEWORK].themes)


def test_a_syntax_error_names_the_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "id": "x",\n  "name": "X",\n  "themes": [\n    {"id": "a" "name": "A"}\n  ]\n}\n')
    with pytest.raises(FrameworkError, match=r"broken\.json: line 5, column \d+: JSON is malformed"):
        load_framework(path)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b'{"id": "x", "name": "X", "themes": []}', r"\$\.themes"),
        (b'{"id": " padded ", "name": "X", "themes": [{"id": "a", "name": "A"}]}', r"\$\.id"),
        (b'{"id": "x", "name": "X", "themes": [{"id": 3, "name": "A"}]}', r"got `int` - at `\$\.themes\[0\]\.id`"),
        (
            b'{"id": "x", "name": "X", "themes": [{"id": "a", "name": "A"}, {"id": "a", "name": "B"}]}',
            "theme 2 repeats",
        ),
        (b'{"id": "x", "themes": [{"id": "a", "name": "A"}]}', "name"),
    ],
    ids=["no themes", "bad id", "id of the wrong type", "duplicate theme", "missing name"],
)
def test_a_malformed_framework_is_refused_with_the_problem(raw: bytes, problem: str) -> None:
    with pytest.raises(FrameworkError, match=problem):
        parse_framework(raw, source="upload.json")


def test_a_forty_theme_framework_is_just_data() -> None:
    themes = ",".join(f'{{"id": "t{i}", "name": "Theme {i}"}}' for i in range(42))
    framework = parse_framework(f'{{"id": "nhs-feedback", "name": "NHS feedback", "themes": [{themes}]}}'.encode())
    assert len(framework.theme_ids) == 42


def test_each_detailed_theme_refines_one_what_matters_theme_and_every_theme_has_some() -> None:
    frameworks = builtin_frameworks()
    broad, detailed = frameworks[DEFAULT_FRAMEWORK], frameworks["lambeth-what-matters-detailed"]
    assert 30 <= len(detailed.themes) <= 45
    for theme in detailed.themes:
        assert theme.parent in broad.theme_ids, theme.id
        assert theme.id.startswith(f"{theme.parent}."), theme.id
        assert theme.description and theme.cues, theme.id
    assert {theme.parent for theme in detailed.themes} == set(broad.theme_ids)


def test_parent_is_optional_and_read_when_given() -> None:
    framework = parse_framework(
        b'{"id": "x", "name": "X", "themes": [{"id": "a.b", "name": "B", "parent": "a"}, {"id": "c", "name": "C"}]}'
    )
    assert [theme.parent for theme in framework.themes] == ["a", None]
