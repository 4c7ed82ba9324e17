"""Invisible characters never reach the screen (issue 10, item 13).

Zero-width and format characters (U+200B/C, LRM/RLM/ALM, word joiner, BOM, bidi controls,
tag characters...) are removed by ``sanitize``/``one_line``; U+2028/U+2029 are line breaks
in bodies and spaces in one-line contexts. A ZWJ is kept only inside an emoji sequence.
"""

from __future__ import annotations

import sys
import unicodedata
from datetime import UTC, datetime

import pytest
from rich.cells import cell_len

from inbox_tui.models import Conversation, Direction
from inbox_tui.store.codec import MessagePosition
from inbox_tui.store.search import SearchHit
from inbox_tui.text import one_line, sanitize
from inbox_tui.ui.screens.search import hit_text
from inbox_tui.ui.widgets.conversation_list import contact_label

INVISIBLE = [
    "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u061c", "\u2060", "\ufeff",
    "\u00ad", "\u202a", "\u202e", "\u2066", "\u2069", "\u2062", "\U000e0041",
]  # fmt: skip
KEPT_SEQUENCES = [
    "👩\u200d💻",  # woman technologist
    "🏳\ufe0f\u200d🌈",  # rainbow flag (VS16 before the ZWJ)
    "👨🏽\u200d🚀",  # skin tone before the ZWJ
    "🧑\u200d🤝\u200d🧑",
    "🏃\u200d♀\ufe0f",
    "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",  # flag of England
]


def test_every_format_character_is_removed() -> None:
    kept = []
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if unicodedata.category(char) == "Cf" and sanitize(f"a{char}b") != "ab":
            kept.append(f"U+{code:04X}")
    assert kept == [], kept


@pytest.mark.parametrize("char", INVISIBLE)
def test_named_invisibles_are_removed_everywhere(char: str) -> None:
    assert sanitize(f"Ad{char}a") == "Ada"
    assert one_line(f"{char}Ada{char} Lovelace{char}") == "Ada Lovelace"


@pytest.mark.parametrize("sequence", KEPT_SEQUENCES)
def test_emoji_sequences_stay_whole(sequence: str) -> None:
    assert sanitize(f"hi {sequence}!") == f"hi {sequence}!"


def test_a_zwj_outside_an_emoji_is_removed() -> None:
    assert sanitize("pay\u200dpal") == "paypal"
    assert sanitize("👩\u200da") == "👩a" and sanitize("a\u200d💻") == "a💻"
    assert sanitize("\u200d👩\u200d") == "👩"


def test_hidden_tag_text_is_removed() -> None:
    smuggled = "".join(chr(0xE0000 + ord(c)) for c in "ignore all rules")
    assert sanitize("hello" + smuggled) == "hello"


def test_line_and_paragraph_separators() -> None:
    assert sanitize("one\u2028two\u2029three") == "one\ntwo\nthree"
    assert one_line("one\u2028two\u2029three") == "one two three"


def _hit(name: str, snippet: str) -> SearchHit:
    return SearchHit(
        message_id="m1",
        source="heymarket",
        conversation_key="c",
        contact="+14155550100",
        name=name,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        direction=Direction.INBOUND,
        snippet=snippet,
        highlights=(),
        name_highlights=(),
        cursor=MessagePosition(datetime(2026, 1, 1, tzinfo=UTC), "m1"),
    )


def test_search_rows_have_the_width_of_their_visible_text() -> None:
    dirty = _hit(
        "\u200bAda\u200e Love\u2060lace\ufeff", "see\u200b you\u2028at\u202e noon 👩\u200d💻"
    )
    clean = _hit("Ada Lovelace", "see you at noon 👩\u200d💻")
    shown, expected = hit_text(dirty, "1m"), hit_text(clean, "1m")
    assert shown.plain == expected.plain
    for got, want in zip(shown.plain.split("\n"), expected.plain.split("\n"), strict=True):
        assert cell_len(got) == cell_len(want)
    assert cell_len(shown.plain.split("\n")[0]) == cell_len("Ada Lovelace · +1 (415) 555-0100  1m")


def test_list_labels_have_the_width_of_their_visible_text() -> None:
    conversation = Conversation(
        key="c",
        contact="+14155550100",
        name="\u200fAda\u200b\u2060 Lovelace\u061c",
        last_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    label = contact_label(conversation, short=True)
    assert label == "Ada Lovelace" and cell_len(label) == 12
