"""Phrases that mean someone may be at risk of harm now: the rule half of the safeguarding flag.

The trained head catches what people say in their own words; these patterns make sure the unmistakable cases are
never missed for want of training examples ("I want to end it tonight", "he hits her", "county lines"). A flag is
raised when either fires, because a person reviews every flag and a missed one costs far more than a false one.
Each pattern names its kind, and the matched words are kept as evidence for the reviewer.
"""

from __future__ import annotations

import re

import msgspec

# (kind, pattern, words of which the pattern needs at least one). Checking those words with `in` first skips almost
# every pattern for almost every text; tests check each pattern's examples against its words.
PATTERNS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("suicide or self-harm", r"\b(?:kill|killing|hurt|hurting|cutting) (?:myself|himself|herself)\b", ("self",)),
    ("suicide or self-harm", r"\bend (?:it|it all|my life|his life|her life)\b(?! (?:up|well))", ("end ",)),
    ("suicide or self-harm", r"\btake (?:my|his|her) own life\b", ("own life",)),
    (
        "suicide or self-harm",
        r"\b(?:want|wanted|going|plan|planning) to die\b(?! (?:at|in|with|peacefully|where|surrounded))",
        ("to die",),
    ),
    ("suicide or self-harm", r"\bdon'?t want to (?:live|be here|go on)\b", ("want to",)),
    ("suicide or self-harm", r"\bbetter off without me\b", ("without me",)),
    ("suicide or self-harm", r"\bsuicidal\b", ("suicidal",)),
    (
        "suicide or self-harm",
        r"\b(?:i'?m|i am|i|been|started|keeps?|is|she'?s|he'?s|now|again) self[- ]?harm(?:ing|ed)?\b",
        ("harm",),
    ),
    ("suicide or self-harm", r"\btak(?:e|ing) all (?:my|his|her) (?:tablets|pills)\b", ("tablets", "pills")),
    ("suicide or self-harm", r"\bnot (?:sure )?(?:i'?m |i am )?safe tonight\b", ("tonight",)),
    (
        "abuse or violence",
        r"\b(?:hits?|hitting|slapp?(?:ed|ing|s)?|punch(?:ed|es|ing)?|kick(?:ed|s|ing)?|beat(?:s|ing)?|chok(?:ed|es|ing))"
        r" (?:me|her|him|them|us|my \w+|his \w+|her \w+|the \w+)\b",
        ("hit", "slap", "punch", "kick", "beat", "chok"),
    ),
    (
        "abuse or violence",
        r"\bpush(?:ed|es|ing)? (?:me|her|him|them|us|my \w+|his \w+|her \w+|the \w+) (?:into|against|down|over)\b",
        ("push",),
    ),
    ("abuse or violence", r"\brough with\b", ("rough with",)),
    ("abuse or violence", r"\bscared to go home\b", ("go home",)),
    (
        "abuse or violence",
        r"\b(?:frightened|scared|terrified) of (?:him|her|them|my (?:husband|wife|partner|dad|mum|son|carer))\b",
        ("frightened of", "scared of", "terrified of"),
    ),
    ("abuse or violence", r"\b(?:unexplained|unexplainable) (?:bruis\w*|injur\w*|marks)\b", ("unexplain",)),
    ("abuse or violence", r"\bbruises? (?:on|all over)\b", ("bruise",)),
    ("abuse or violence", r"\b(?:won'?t|doesn'?t|does not) let (?:me|her|him) (?:leave|go out|see)\b", ("let ",)),
    ("abuse or violence", r"\block(?:s|ed)? (?:me|her|him|them) (?:in|up)\b", ("lock",)),
    ("abuse or violence", r"\bcontrols? (?:everything|my money|her money|his money|my phone)\b", ("control",)),
    ("exploitation", r"\bcounty lines\b", ("county lines",)),
    ("exploitation", r"\bcuckoo(?:ing|ed)?\b", ("cuckoo",)),
    ("exploitation", r"\btraffick(?:ed|ing)\b", ("traffick",)),
    ("exploitation", r"\bgroom(?:ed|ing)\b", ("groom",)),
    ("exploitation", r"\bexploit(?:ed|ing|ation)\b", ("exploit",)),
    (
        "exploitation",
        r"\b(?:taking|takes|took|using|uses|stole|steals|stealing) (?:his|her|my)"
        r" (?:pension|money|bank cards?|benefits|savings|wages)\b",
        ("pension", "money", "bank card", "benefits", "savings", "wages"),
    ),
    (
        "left without care",
        r"\b(?:carers?|nobody|no one|no-one) (?:haven'?t|hasn'?t|have not|has not) (?:come|been|started|turned up)\b",
        ("carer", "nobody", "no one", "no-one"),
    ),
    (
        "left without care",
        r"\bleft (?:in bed|alone|on (?:his|her) own) (?:all day|for (?:days|hours))\b",
        ("all day", "for days", "for hours"),
    ),
    (
        "left without care",
        r"\b(?:left|lying|lie|leaves?) (?:\w+ )?in (?:a |the |his |her )?(?:wet|soiled|dirty) (?:bed|pad|sheets)\b",
        ("wet", "soiled", "dirty"),
    ),
    ("left without care", r"\b(?:hasn'?t|has not|haven'?t|have not) eaten\b", ("eaten",)),
    ("left without care", r"\bno food in the (?:house|flat|fridge)\b", ("no food",)),
    (
        "left without care",
        r"\b(?:sleeping|slept) (?:rough|on a night bus|in (?:a|the|my) (?:car|street|park))\b",
        ("sleeping", "slept"),
    ),
    ("left without care", r"\bnowhere (?:to go|to sleep|to stay) tonight\b", ("nowhere",)),
)

_COMPILED = [(kind, re.compile(pattern, re.IGNORECASE), frozenset(words)) for kind, pattern, words in PATTERNS]
_ALL_WORDS = tuple(sorted({word for _, _, words in PATTERNS for word in words}))


class RiskPhrase(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    start: int
    end: int
    text: str


def risk_phrases(text: str) -> list[RiskPhrase]:
    # Curly apostrophes from phones would otherwise hide "don’t want to live".
    plain = text.replace("\u2019", "'")
    lower = plain.lower()
    present = {word for word in _ALL_WORDS if word in lower}
    if not present:
        return []
    found = [
        RiskPhrase(kind=kind, start=match.start(), end=match.end(), text=text[match.start() : match.end()])
        for kind, pattern, words in _COMPILED
        if not words.isdisjoint(present)
        for match in pattern.finditer(plain)
    ]
    return sorted(found, key=lambda phrase: phrase.start)
