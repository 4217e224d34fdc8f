"""Labelled redaction data and how a redactor is scored against it (see nlp/data/redaction/README.md).

A labelled text has identifier spans (character offsets and a kind: the personal details that must go) and keep
spans (the words that must stay: places, services, conditions, days and months, ordinary capitalised words).
An identifier counts as removed only when every letter and digit in it is inside a redacted span, so catching
"Kwame" but leaving "Mensah" is a miss. A keep span counts as kept when no character of it was redacted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import msgspec

DATA_DIR = Path(__file__).parent / "data" / "redaction"
IDENTIFIER_KINDS = ("name", "email", "phone", "nhs", "postcode", "address", "dob")
KEEP_KINDS = ("term", "word")

_SHORT_KINDS = {"n": "name", "e": "email", "p": "phone", "pc": "postcode", "a": "address"}
_MARKUP = re.compile(r"\[\[(?P<id>[^\]|]+)(?:\|(?P<kind>\w+))?\]\]|\{\{(?P<keep>[^}]+)\}\}")
_CAPITALISED = re.compile(r"(?<![\w'’-])[A-Z][\w'’.&-]*")
_NOT_KEEP_WORDS = {"I", "I'm", "I've", "I'd", "I'll", "I’m", "I’ve", "I’d", "I’ll"}


class Span(msgspec.Struct, frozen=True, kw_only=True):
    start: int
    end: int
    kind: str
    value: str


class Labelled(msgspec.Struct, kw_only=True):
    id: str
    voice: str
    text: str
    identifiers: list[Span]
    keep: list[Span]


def from_markup(text_id: str, voice: str, marked: str) -> Labelled:
    """Turn readable markup into a labelled text with offsets.

    `[[Kwame Mensah]]` is a name; `[[07700 900123|phone]]` (or a short kind: n, e, p, pc, a) another identifier;
    `{{Brixton}}` a term to keep. Every other capitalised word outside those spans (except "I" and its
    contractions) becomes a keep span of kind "word": sentence starts, "Mum", "Dr" before a name.
    """
    text_parts: list[str] = []
    identifiers: list[Span] = []
    terms: list[Span] = []
    position = 0
    last = 0
    for match in _MARKUP.finditer(marked):
        plain = marked[last : match.start()]
        text_parts.append(plain)
        position += len(plain)
        if match.group("id") is not None:
            value = match.group("id")
            kind = match.group("kind") or "name"
            kind = _SHORT_KINDS.get(kind, kind)
            if kind not in IDENTIFIER_KINDS:
                raise ValueError(f"{text_id}: unknown identifier kind {kind!r}")
            identifiers.append(Span(start=position, end=position + len(value), kind=kind, value=value))
        else:
            value = match.group("keep")
            terms.append(Span(start=position, end=position + len(value), kind="term", value=value))
        text_parts.append(value)
        position += len(value)
        last = match.end()
    text_parts.append(marked[last:])
    text = "".join(text_parts)
    if "[[" in text or "{{" in text:
        raise ValueError(f"{text_id}: unbalanced markup")
    labelled_spans = identifiers + terms
    words = [
        Span(start=m.start(), end=m.end(), kind="word", value=m.group(0).rstrip(".-"))
        for m in _CAPITALISED.finditer(text)
        if m.group(0).rstrip(".") not in _NOT_KEEP_WORDS
        and not any(s.start < m.end() and m.start() < s.end for s in labelled_spans)
    ]
    words = [Span(start=w.start, end=w.start + len(w.value), kind="word", value=w.value) for w in words]
    keep = sorted(terms + words, key=lambda s: s.start)
    return Labelled(id=text_id, voice=voice, text=text, identifiers=identifiers, keep=keep)


def check(labelled: Labelled) -> None:
    """A labelled text whose offsets do not match its words is a mistake in the data, not a miss."""
    for span in [*labelled.identifiers, *labelled.keep]:
        if labelled.text[span.start : span.end] != span.value:
            raise ValueError(f"{labelled.id}: span {span.start}-{span.end} is not {span.value!r}")


def load(name: str) -> list[Labelled]:
    """`load("test")` or `load("tune")`: the labelled texts in nlp/data/redaction/NAME.jsonl, checked."""
    decoder = msgspec.json.Decoder(Labelled)
    texts = [decoder.decode(line) for line in (DATA_DIR / f"{name}.jsonl").read_bytes().splitlines() if line.strip()]
    for labelled in texts:
        check(labelled)
    return texts


class Miss(msgspec.Struct, kw_only=True):
    id: str
    kind: str
    value: str
    context: str


class Scores(msgspec.Struct, kw_only=True):
    texts: int
    identifiers: dict[str, tuple[int, int]]  # kind -> (removed, total)
    keep: dict[str, tuple[int, int]]  # kind -> (kept, total)
    false_redactions: int  # redacted spans that touch no identifier
    missed: list[Miss]
    lost: list[Miss]  # keep spans that were redacted
    false: list[Miss]

    @property
    def removed_share(self) -> float:
        removed = sum(r for r, _ in self.identifiers.values())
        total = sum(t for _, t in self.identifiers.values())
        return removed / total if total else 1.0

    @property
    def kept_share(self) -> float:
        kept = sum(k for k, _ in self.keep.values())
        total = sum(t for _, t in self.keep.values())
        return kept / total if total else 1.0


Finder = Callable[[str], Sequence[tuple[int, int, str]]]


def _miss(labelled: Labelled, start: int, end: int, kind: str) -> Miss:
    text = labelled.text
    context = text[max(0, start - 30) : start] + "«" + text[start:end] + "»" + text[end : end + 30]
    return Miss(id=labelled.id, kind=kind, value=text[start:end], context=context.replace("\n", " "))


def evaluate(texts: Iterable[Labelled], find: Finder) -> Scores:
    """Score a redactor given as `find(text) -> [(start, end, kind), ...]`, the spans it would replace."""
    identifiers = {kind: [0, 0] for kind in IDENTIFIER_KINDS}
    keep = {kind: [0, 0] for kind in KEEP_KINDS}
    missed: list[Miss] = []
    lost: list[Miss] = []
    false: list[Miss] = []
    count = 0
    for labelled in texts:
        count += 1
        text = labelled.text
        covered = bytearray(len(text))
        found = find(text)
        for start, end, _ in found:
            covered[start:end] = b"\x01" * (end - start)
        for span in labelled.identifiers:
            identifiers[span.kind][1] += 1
            if all(covered[i] for i in range(span.start, span.end) if text[i].isalnum()):
                identifiers[span.kind][0] += 1
            else:
                missed.append(_miss(labelled, span.start, span.end, span.kind))
        for span in labelled.keep:
            keep[span.kind][1] += 1
            if any(covered[span.start : span.end]):
                lost.append(_miss(labelled, span.start, span.end, span.kind))
            else:
                keep[span.kind][0] += 1
        for start, end, kind in found:
            if not any(s.start < end and start < s.end for s in labelled.identifiers):
                false.append(_miss(labelled, start, end, kind))
    return Scores(
        texts=count,
        identifiers={kind: (r, t) for kind, (r, t) in identifiers.items()},
        keep={kind: (k, t) for kind, (k, t) in keep.items()},
        false_redactions=len(false),
        missed=missed,
        lost=lost,
        false=false,
    )
