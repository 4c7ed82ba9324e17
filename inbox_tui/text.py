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


def sanitize(text: object, *, keep_newlines: bool = True) -> str:
    """Return ``text`` with escape sequences and control characters removed.

    ``\\r\\n`` and lone ``\\r`` become ``\\n``; tabs are kept. With ``keep_newlines=False``
    (one-line previews) newlines and tabs collapse into single spaces.
    """
    if text is None:
        return ""
    value = text if isinstance(text, str) else str(text)
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _ESCAPE_SEQUENCES.sub("", value)
    value = _CONTROL_CHARS.sub("", value)
    if not keep_newlines:
        value = " ".join(value.split())
    return value


def one_line(text: object, limit: int = 200) -> str:
    """A sanitised single-line preview, cut to ``limit`` characters."""
    value = sanitize(text, keep_newlines=False)
    return value if len(value) <= limit else value[: limit - 1] + "…"
