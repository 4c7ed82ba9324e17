"""Message text is data, never markup: strip what a terminal would act on.

Everything shown on screen or written to an export goes through :func:`sanitize` first.
"""

from __future__ import annotations

import re

# ESC-introduced sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL/ST), DCS/SOS/PM/APC
# (ESC P/X/^/_ ... ST), and two-character escapes. Their 8-bit C1 forms are handled too.
_ESCAPE_SEQUENCES = re.compile(
    r"""
    (?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?             # CSI
  | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])        # OSC, DCS, SOS, PM, APC ...
        .*?(?:\x07|\x1b\\|\x9c|$)                 # ... up to BEL or ST (or the end)
  | \x1b[ -/]*[0-~]?                              # other ESC sequences
    """,
    re.VERBOSE | re.DOTALL,
)
# C0 controls except \t and \n, DEL, C1 controls, and bidi embedding/override/isolate
# characters (they can visually reorder the rest of a line: "Trojan Source").
_CONTROL_CHARS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufff9-\ufffb\ud800-\udfff]"
)
# Invisible format characters (Unicode category Cf): zero-width space/non-joiner, LRM/RLM/ALM,
# word joiner and invisible operators, BOM, soft hyphen, Arabic/Syriac format marks, tag
# characters (hidden "ASCII smuggling" text). They misalign columns (a terminal and rich
# disagree on their width) and make look-alike names. Removed, with two exceptions:
# ZWJ (U+200D) between two pictographs (👩‍💻, 🏳️‍🌈: one emoji, not two) and the tag
# characters of a subdivision flag (🏴 + tags + U+E007F, e.g. the flag of England).
_FORMAT_CHARS = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b\u200c"
    "\u200e\u200f\u2060-\u2064\u206a-\u206f\ufeff\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001]"
)
_PICTOGRAPHS = (
    "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u21aa\u231a-\u23ff\u24c2\u25aa-\u27bf"
    "\u2934\u2935\u2b05-\u2b55\u3030\u303d\u3297\u3299\U0001f000-\U0001faff"
)
# A ZWJ not preceded by a pictograph (or its VS16 / skin tone) or not followed by one.
_LONE_ZWJ = re.compile(f"(?<![{_PICTOGRAPHS}\ufe0f])\u200d|\u200d(?![{_PICTOGRAPHS}])")
# Tag characters, unless they spell a subdivision flag's tag sequence.
_TAGS = re.compile("(\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f)|[\U000e0020-\U000e007f]")
_LINE_SEPARATORS = str.maketrans({"\u2028": "\n", "\u2029": "\n"})


def sanitize(text: object, *, keep_newlines: bool = True) -> str:
    """Return ``text`` with escape sequences and control characters removed.

    ``\\r\\n``, lone ``\\r`` and U+2028/U+2029 become ``\\n``; tabs are kept. Invisible
    format characters are removed (see ``_FORMAT_CHARS``). With ``keep_newlines=False``
    (one-line previews) newlines and tabs collapse into single spaces.
    """
    if text is None:
        return ""
    value = text if isinstance(text, str) else str(text)
    if value.isascii() and value.isprintable():  # most text: nothing to remove (fast path)
        return value if keep_newlines else " ".join(value.split())
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = value.translate(_LINE_SEPARATORS)
    value = _ESCAPE_SEQUENCES.sub("", value)
    value = _CONTROL_CHARS.sub("", value)
    value = _strip_invisible(value)
    if not keep_newlines:
        value = " ".join(value.split())
    return value


def _strip_invisible(value: str) -> str:
    if value.isascii():
        return value
    value = _FORMAT_CHARS.sub("", value)
    if "\u200d" in value:
        value = _LONE_ZWJ.sub("", value)
    return _TAGS.sub(lambda match: match.group(1) or "", value)


def one_line(text: object, limit: int = 200) -> str:
    """A sanitised single-line preview, cut to ``limit`` characters."""
    value = sanitize(text, keep_newlines=False)
    return value if len(value) <= limit else value[: limit - 1] + "…"
