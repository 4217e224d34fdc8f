"""Evidence highlighting for the staff pages that show a contribution beside its themes."""

from __future__ import annotations

import itertools
from typing import Any

from engage.tags.models import EvidenceSpan, FrameworkInfo, Tag


def highlight(text: str, tags_given: list[Tag], framework: FrameworkInfo) -> list[dict[str, Any]]:
    """Split the text at evidence boundaries so a template can mark each piece with the themes it supports."""
    spans: list[tuple[EvidenceSpan, str]] = [
        (span, tag.theme_id) for tag in tags_given if tag.given for span in tag.evidence if span.end <= len(text)
    ]
    cuts = sorted({0, len(text), *(s.start for s, _ in spans), *(s.end for s, _ in spans)})
    segments = []
    for start, end in itertools.pairwise(cuts):
        themes = sorted({theme for span, theme in spans if span.start <= start and end <= span.end})
        segments.append(
            {"text": text[start:end], "themes": [framework.theme_name(theme) for theme in themes], "ids": themes}
        )
    return segments
