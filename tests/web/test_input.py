"""The one door's character check, against Unicode's own categories, for every code point, and its shortcut for JSON
bodies against decoding them."""

from __future__ import annotations

import sys
import unicodedata

import msgspec

from engage.web.input import _JSON_MAY_HIDE, _strings, control_character, problems_in


def test_control_character_refuses_exactly_the_control_characters_but_newline_return_and_tab() -> None:
    wrong = [
        f"U+{point:04X}"
        for point in range(sys.maxunicode + 1)
        if (control_character(f"ok{chr(point)}ok") is not None)
        != (chr(point) not in "\n\r\t" and unicodedata.category(chr(point)) in ("Cc", "Cs"))
    ]
    assert not wrong, wrong[:20]
    assert control_character("a\tb\x00c\x1f") == "U+0000", "the first one found is named"


def test_a_json_body_skipped_unread_never_hides_a_character_the_check_refuses() -> None:
    """The shortcut for JSON bodies (`_JSON_MAY_HIDE`) against decoding: every code point, as msgspec writes it and
    escaped as \\uXXXX, inside a string and as a key."""
    missed = []
    for point in range(sys.maxunicode + 1):
        if 0xD800 <= point <= 0xDFFF:
            continue  # no JSON decoder here accepts a lone surrogate (tested by the check above as text)
        character = chr(point)
        bodies = [msgspec.json.encode({"text": f"a{character}b"}), msgspec.json.encode({character: "b"})]
        if point <= 0xFFFF:
            bodies.append(b'{"text": "a\\u%04x"}' % point)
        for body in bodies:
            refused = problems_in(iter([("text", s) for _, s in _strings(msgspec.json.decode(body), "")]))
            if refused and not _JSON_MAY_HIDE.search(body):
                missed.append(body)
    assert not missed, missed[:10]
    assert _JSON_MAY_HIDE.search(b'{"text": "a\\u00e9"}'), "any \\u escape is decoded and checked"
    assert not _JSON_MAY_HIDE.search('{"text": "Café, line one\\nline two\\t€"}'.encode())
