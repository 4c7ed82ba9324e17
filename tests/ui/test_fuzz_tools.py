"""The fuzz tests' own tools can fail: the "nothing reaches the terminal" checker rejects
what a terminal acts on, and the hostile-text strategy reaches every kind of fragment."""

from __future__ import annotations

import pytest
from hypothesis import find
from hypothesis import settings as hsettings
from rich.segment import Segment
from support.hostile_text import (
    BIDI,
    C1,
    CSI,
    DCS,
    MARKUP,
    OSC,
    SURROGATES,
    WIDE,
    assert_clean_segments,
    bad_chars,
    hostile_text,
)

# --- the check itself can fail ----------------------------------------------------------------


@pytest.mark.parametrize("fragment", [*CSI[:3], OSC[0], DCS[1], "\x07", "\x9b", "\u202e", "\t"])
def test_checker_catches_what_a_terminal_acts_on(fragment: str) -> None:
    with pytest.raises(AssertionError):
        assert_clean_segments([Segment("ok " + fragment + " ok")], "self-test")


def test_checker_lets_text_and_emoji_through() -> None:
    text = "[bold]x[/bold] 👩‍👩‍👧‍👦 e\u0301 漢字"
    assert assert_clean_segments([Segment(text)], "self-test") == text


@pytest.mark.parametrize(
    "kind",
    [CSI, OSC, DCS, C1, BIDI, MARKUP, SURROGATES, WIDE],
    ids=["csi", "osc", "dcs", "c1", "bidi", "markup", "surrogates", "wide"],
)
def test_strategy_produces_hostile_text(kind: list[str]) -> None:
    """The fuzz tests are only as strong as this strategy: it must reach every kind of
    hostile fragment (a strategy reduced to plain text would let them all pass)."""
    example = find(
        hostile_text,
        lambda text: any(fragment in text for fragment in kind),
        settings=hsettings(max_examples=2_000, database=None),
    )
    assert any(fragment in example for fragment in kind)


def test_strategy_produces_text_the_checker_rejects() -> None:
    example = find(
        hostile_text, lambda text: bool(bad_chars(text)), settings=hsettings(database=None)
    )
    with pytest.raises(AssertionError):
        assert_clean_segments([Segment(example)], "self-test")
