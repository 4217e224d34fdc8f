"""Phrases that mean someone may be at risk of harm: the rule half of the safeguarding flag.

The trained heads catch what people say in their own words; these patterns make sure the unmistakable cases are
never missed for want of training examples ("I want to end it tonight", "he hits her", "county lines"). A flag is
raised when either fires, because a person reviews every flag and a missed one costs far more than a false one.

Each pattern names its kind: the ten kinds of abuse and neglect of the Care Act 2014 statutory guidance, plus a
risk to life (suicide, self-harm, immediate danger). Patterns are written for present and past tense, first and
third person ("he hits me", "she hit him", "they took her pension"), and not for talk about the subject in general
("domestic abuse services should be in GP surgeries"). The matched words are kept as evidence for the reviewer.
The patterns are data, in safeguarding.toml beside this file.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import msgspec


def _load_patterns() -> tuple[tuple[str, str, str], ...]:
    """(kind, pattern, trigger words), in the order nlp/safeguarding.toml writes them (it says how they are used)."""
    table = tomllib.loads((Path(__file__).parent / "safeguarding.toml").read_text(encoding="utf-8"))
    fragments: dict[str, str] = table["fragments"]

    def filled(pattern: str) -> str:
        return re.sub(r"\{([a-z]+)\}", lambda name: fragments[name[1]], pattern)

    return tuple(
        (kind, filled(pattern), triggers)
        for kind, entries in table["patterns"].items()
        for pattern, triggers in entries
    )


PATTERNS = _load_patterns()

# Patterns run on the lower-cased text (faster than IGNORECASE); IGNORECASE copies serve the rare text whose
# lower-casing changes its length, so that offsets still point into the original.
_COMPILED = [(kind, re.compile(pattern)) for kind, pattern, _ in PATTERNS]
_COMPILED_ANY_CASE = [(kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern, _ in PATTERNS]
_BY_WORD: dict[str, list[int]] = {}
for _number, (_, _, _triggers) in enumerate(PATTERNS):
    for _word in set(_triggers.split()):
        _BY_WORD.setdefault(_word, []).append(_number)
_WORDS = re.compile(r"[a-z0-9£]+")


class RiskPhrase(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    """One of nlp.kinds.KINDS."""
    start: int
    end: int
    text: str


def trigger_words(text: str) -> set[str]:
    """The whole words of a text, lower-case, as the patterns' trigger words are written."""
    return set(_WORDS.findall(text.lower()))


def risk_phrases(text: str) -> list[RiskPhrase]:
    # Curly apostrophes from phones would otherwise hide "don’t want to live".
    plain = text.replace("\u2019", "'")
    lower = plain.lower()
    by_word = _BY_WORD
    triggered = {number for word in set(_WORDS.findall(lower)) if word in by_word for number in by_word[word]}
    if not triggered:
        return []
    compiled, searched = (_COMPILED, lower) if len(lower) == len(plain) else (_COMPILED_ANY_CASE, plain)
    found = [
        RiskPhrase(kind=kind, start=match.start(), end=match.end(), text=text[match.start() : match.end()])
        for kind, pattern in (compiled[number] for number in sorted(triggered))
        for match in pattern.finditer(searched)
    ]
    return sorted(found, key=lambda phrase: phrase.start)
