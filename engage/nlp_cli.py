"""Command-line edge to `nlp/` (like web/ and workers/, an adapter): JSON Lines in, JSON Lines out, errors by line."""

from __future__ import annotations

from typing import IO, Any

import msgspec

from nlp.redact import redact


class TextLine(msgspec.Struct, forbid_unknown_fields=False):
    id: str | int
    text: str


def redact_lines(source: IO[bytes], out: IO[str], err: IO[str]) -> int:
    """Redact each line's text. A bad line is reported on stderr with its number; the rest still go through.
    Returns 0, or 2 when any line was bad."""
    decoder = msgspec.json.Decoder(TextLine)
    encoder = msgspec.json.Encoder()
    bad = 0
    for number, raw in enumerate(source, start=1):
        if not raw.strip():
            continue
        try:
            line = decoder.decode(raw)
        except (msgspec.DecodeError, UnicodeDecodeError) as exc:
            bad += 1
            err.write(f"line {number}: {exc}\n")
            continue
        result = redact(line.text)
        record: dict[str, Any] = {"id": line.id, "text": result.text, "replaced": result.replaced}
        out.write(encoder.encode(record).decode() + "\n")
    return 2 if bad else 0
