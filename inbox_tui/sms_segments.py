"""How many SMS segments a text costs (GSM 03.38 / 3GPP TS 23.038).

A text that fits the GSM 7-bit alphabet travels as septets: 160 in one segment, 153 per
segment once it is split (the rest is the concatenation header). Characters of the
extension table (``€ [ ] { } \\ ^ ~ |`` and form feed) are an escape plus a septet: 2 each.
Any other character sends the whole text as UCS-2: 70 UTF-16 code units in one segment,
67 per segment when split; characters outside the BMP (most emoji) are surrogate pairs,
2 units each. A split never cuts an escape sequence or a surrogate pair in two, so the
segments are counted by packing, not by dividing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Encoding = Literal["GSM-7", "UCS-2"]

# 0x1B (the escape to the extension table) is left out: typed, it is not a character.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

SINGLE = {"GSM-7": 160, "UCS-2": 70}
MULTI = {"GSM-7": 153, "UCS-2": 67}


@dataclass(frozen=True)
class SegmentCount:
    encoding: Encoding
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int  # 0 for an empty text
    capacity: int  # units that fit in ``segments`` (at least one segment's worth)

    def label(self) -> str:
        """``2 segments · 214/306``."""
        plural = "" if self.segments == 1 else "s"
        return f"{self.segments} segment{plural} · {self.units}/{self.capacity}"


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def _sizes(text: str, encoding: Encoding) -> list[int]:
    if encoding == "GSM-7":
        return [2 if char in GSM7_EXTENSION else 1 for char in text]
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def _pack(sizes: list[int], limit: int) -> int:
    """Segments needed when no character may straddle two of them."""
    segments, used = 1, 0
    for size in sizes:
        if used + size > limit:
            segments += 1
            used = 0
        used += size
    return segments


def count_segments(text: str) -> SegmentCount:
    encoding: Encoding = "GSM-7" if is_gsm7(text) else "UCS-2"
    sizes = _sizes(text, encoding)
    units = sum(sizes)
    if units == 0:
        return SegmentCount(encoding, 0, 0, SINGLE[encoding])
    if units <= SINGLE[encoding]:
        return SegmentCount(encoding, units, 1, SINGLE[encoding])
    segments = _pack(sizes, MULTI[encoding])
    return SegmentCount(encoding, units, segments, segments * MULTI[encoding])
