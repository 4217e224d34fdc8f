"""The one door's character check, against Unicode's own categories, for every code point."""

from __future__ import annotations

import sys
import unicodedata

from engage.web.input import control_character


def test_control_character_refuses_exactly_the_control_characters_but_newline_return_and_tab() -> None:
    wrong = [
        f"U+{point:04X}"
        for point in range(sys.maxunicode + 1)
        if (control_character(f"ok{chr(point)}ok") is not None)
        != (chr(point) not in "\n\r\t" and unicodedata.category(chr(point)) in ("Cc", "Cs"))
    ]
    assert not wrong, wrong[:20]
    assert control_character("a\tb\x00c\x1f") == "U+0000", "the first one found is named"
