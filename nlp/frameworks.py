"""Theme frameworks are data: JSON files with an id, a name and themes (id, name, description, cue phrases, and
optionally the id of a broader theme it refines, `parent`, as in lambeth-what-matters-detailed).

A malformed file is refused with its line, column and the problem, so whoever wrote it can fix it. Ids may be
any printable text (coded datasets use ids such as "Staff - attitude"); unknown fields are ignored, because files
exported from other tools carry their own metadata.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import msgspec

BUILTIN_DIR = Path(__file__).parent / "frameworks"
DEFAULT_FRAMEWORK = "lambeth-what-matters"
_ID = r"^[^\x00-\x1f\x7f\s](?:[^\x00-\x1f\x7f]{0,98}[^\x00-\x1f\x7f\s])?$"


class Theme(msgspec.Struct, frozen=True, kw_only=True):
    id: Annotated[str, msgspec.Meta(pattern=_ID)]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    description: str = ""
    cues: tuple[str, ...] = ()
    parent: str | None = None


class Framework(msgspec.Struct, frozen=True, kw_only=True):
    id: Annotated[str, msgspec.Meta(pattern=_ID)]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    themes: Annotated[tuple[Theme, ...], msgspec.Meta(min_length=1)]

    @property
    def theme_ids(self) -> tuple[str, ...]:
        return tuple(theme.id for theme in self.themes)


class FrameworkError(ValueError):
    """A framework file that cannot be used, with where and why."""


def _position(raw: bytes, message: str) -> str:
    if "truncated" in message:
        last_line = raw.rstrip().count(b"\n") + 1
        return f"line {last_line} (the end of the file): the file stops before the JSON is complete; "
    match = re.search(r"\(byte (\d+)\)", message)
    if not match:
        return ""
    offset = int(match.group(1))
    before = raw[:offset]
    line = before.count(b"\n") + 1
    column = offset - (before.rfind(b"\n") + 1) + 1
    return f"line {line}, column {column}: "


def parse_framework(raw: bytes, *, source: str = "framework") -> Framework:
    try:
        framework = msgspec.json.decode(raw, type=Framework)
    except msgspec.DecodeError as exc:
        message = str(exc)
        raise FrameworkError(f"{source}: {_position(raw, message)}{message}") from exc
    seen: set[str] = set()
    for number, theme in enumerate(framework.themes, start=1):
        if theme.id in seen:
            raise FrameworkError(f"{source}: theme {number} repeats the id {theme.id!r}; theme ids must be unique")
        seen.add(theme.id)
    return framework


def load_framework(path: Path) -> Framework:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FrameworkError(f"{path}: {exc.strerror}") from exc
    return parse_framework(raw, source=str(path))


def builtin_frameworks() -> dict[str, Framework]:
    frameworks = [load_framework(path) for path in sorted(BUILTIN_DIR.glob("*.json"))]
    return {framework.id: framework for framework in frameworks}
