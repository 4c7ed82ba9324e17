"""Hostile-text strategies and the "nothing reaches the terminal" check shared by the
fuzz tests (``ui/test_fuzz_hostile_render.py``, ``ui/test_fuzz_hostile_records_in_app.py``);
the check and the strategies are tested in ``ui/test_fuzz_tools.py``.

Examples per test scale with the Hypothesis profile: the default (CI) profile runs the
bounded numbers written at each test, ``HYPOTHESIS_PROFILE=nightly`` runs 10,000.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from hypothesis import HealthCheck
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from rich.segment import Segment

# --- what a terminal would act on --------------------------------------------------------

# C0 controls (newline and tab too: inside a rendered line they move the cursor), DEL, C1,
# bidi embeddings/overrides/isolates, and lone surrogates (unencodable, and a terminal
# would see garbage bytes).
FORBIDDEN_ON_SCREEN = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
# In export files newlines and tabs are data; everything else above is still forbidden.
FORBIDDEN_IN_FILE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def budget(ci: int) -> int:
    """``ci`` examples in the default/CI profiles; the profile's own (10,000) at night."""
    profile = hsettings.default.max_examples
    return max(ci, profile) if profile >= 10_000 else ci


def fuzz(ci: int) -> hsettings:
    """Settings for a fuzz test: ``budget(ci)`` examples, no deadline (100 KB bodies)."""
    return hsettings(
        max_examples=budget(ci),
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )


def bad_chars(text: str, pattern: re.Pattern[str] = FORBIDDEN_ON_SCREEN) -> list[str]:
    return sorted({repr(c) for c in pattern.findall(text)})


def assert_clean_segments(segments: Iterable[Segment], where: str) -> str:
    """Every text segment is free of control/bidi characters; returns the joined text."""
    parts: list[str] = []
    for segment in segments:
        if segment.control:  # cursor moves emitted by Textual itself, not content
            continue
        found = bad_chars(segment.text)
        assert not found, f"{where}: {found} reached the terminal in {segment.text[:80]!r}"
        parts.append(segment.text)
    return "".join(parts)


# --- hostile fragments ---------------------------------------------------------------------

CSI = [
    "\x1b[31m",
    "\x1b[0m",
    "\x1b[2J",
    "\x1b[H",
    "\x1b[?1049h",
    "\x1b[?25l",
    "\x1b[6n",
    "\x1b[1;31;42;5m",
    "\x9b31m",
    "\x1b[",
    "\x1b[999;999H",
]
OSC = [
    "\x1b]0;pwned title\x07",
    "\x1b]52;c;ZWNobyBwd25lZA==\x07",  # clipboard write
    "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\",  # hyperlink
    "\x9d0;c1 title\x9c",
    "\x1b]1337;File=name=eA==:AA==\x07",
    "\x1b]",
]
DCS = ["\x1bP+q544e\x1b\\", "\x90q#0;2;0;0;0\x9c", "\x1b_apc\x1b\\", "\x1b^pm\x1b\\", "\x1bX"]
OTHER_ESC = ["\x1bc", "\x1b7", "\x1b8", "\x1b(0", "\x1b#8", "\x1b", "\x1bN", "\x1bD"]
C0 = [chr(c) for c in range(0x20)] + ["\x7f"]
C1 = [chr(c) for c in range(0x80, 0xA0)]
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2060", "\ufeff", "\u00ad"]
COMBINING = ["e\u0301", "a" + "\u0336" * 30, "Z\u0351\u0352\u0357\u035b" * 3, "\u0301", "\u20dd"]
ZWJ_EMOJI = ["👩‍👩‍👧‍👦", "🏳️‍🌈", "🇺🇸", "👍🏽", "🧑‍💻", "‍‍"]
MARKUP = [
    "[bold]bold[/bold]",
    "[red]red[/]",
    "[/]",
    "[link=https://evil.example]x[/link]",
    "[@click=app.quit]quit[/]",
    "[on red blink]x",
    "\\[escaped]",
    ":warning: :smile:",
    "[b",
    "]",
    "$(rm -rf /) `id`",
    "%s %d {0} {name}",
]
SURROGATES = ["\ud800", "\udfff", "\udc00x\ud83d"]
WIDE = ["漢字", "한국어", "ｆｕｌｌ", "عربى", "שלום", "𝕳𝖊𝖑𝖑𝖔"]

FRAGMENTS = [
    *CSI,
    *OSC,
    *DCS,
    *OTHER_ESC,
    *C0,
    *C1,
    *BIDI,
    *INVISIBLE,
    *COMBINING,
    *ZWJ_EMOJI,
    *MARKUP,
    *SURROGATES,
    *WIDE,
]

fragments = st.sampled_from(FRAGMENTS)
plain = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), max_codepoint=0x2FFFF), max_size=12
)
hostile_text = st.lists(st.one_of(fragments, plain), max_size=12).map("".join)
hostile_line = hostile_text  # names, statuses, urls: same alphabet, short
statuses = st.one_of(
    st.sampled_from(["delivered", "failed", "sent", "received", "queued", ""]), hostile_line
)
media_urls = st.one_of(
    st.none(),
    hostile_line.map(lambda s: "https://m.example/" + s),
    hostile_line,
)
big_bodies = st.tuples(st.integers(min_value=90_000, max_value=110_000), hostile_text).map(
    lambda t: ("x" * 79 + "\n") * (t[0] // 80) + t[1]
)
bodies = st.one_of(hostile_text, hostile_text, big_bodies)
