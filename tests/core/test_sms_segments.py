"""Segment counting against known GSM-7 / UCS-2 cases (3GPP TS 23.038)."""

from __future__ import annotations

import pytest

from inbox_tui.sms_segments import GSM7_BASIC, GSM7_EXTENSION, count_segments

CASES = [
    # text, encoding, units, segments, capacity
    ("", "GSM-7", 0, 0, 160),
    ("Hello world", "GSM-7", 11, 1, 160),
    ("a" * 160, "GSM-7", 160, 1, 160),
    ("a" * 161, "GSM-7", 161, 2, 306),
    ("a" * 306, "GSM-7", 306, 2, 306),
    ("a" * 307, "GSM-7", 307, 3, 459),
    ("€" * 80, "GSM-7", 160, 1, 160),  # extension characters are 2 septets each
    ("a" * 159 + "€", "GSM-7", 161, 2, 306),
    ("{[~]}|^\\\f", "GSM-7", 18, 1, 160),
    ("Ça coûte 5€", "UCS-2", 11, 1, 70),  # û is not GSM-7: the whole text is UCS-2
    ("é à ñ ü Ø Δ £ ¥ § ¿ ¡", "GSM-7", 21, 1, 160),
    ("ç", "UCS-2", 1, 1, 70),  # only the capital Ç is in the basic table
    ("a" * 70, "GSM-7", 70, 1, 160),
    ("ê" * 70, "UCS-2", 70, 1, 70),
    ("ê" * 71, "UCS-2", 71, 2, 134),
    ("😀", "UCS-2", 2, 1, 70),  # outside the BMP: a surrogate pair
    ("😀" * 35, "UCS-2", 70, 1, 70),
    ("😀" * 36, "UCS-2", 72, 2, 134),
    ("👨\u200d👩\u200d👧", "UCS-2", 8, 1, 70),  # ZWJ family: 3 pairs + 2 joiners
    ("a\r\nb", "GSM-7", 4, 1, 160),
    ("你好", "UCS-2", 2, 1, 70),
]


@pytest.mark.parametrize(("text", "encoding", "units", "segments", "capacity"), CASES)
def test_known_cases(text: str, encoding: str, units: int, segments: int, capacity: int) -> None:
    count = count_segments(text)
    assert (count.encoding, count.units, count.segments, count.capacity) == (
        encoding,
        units,
        segments,
        capacity,
    )


def test_an_escape_sequence_is_never_split_across_segments() -> None:
    # 306 septets would fill two segments, but the € cannot straddle the first boundary.
    assert count_segments("a" * 152 + "€" + "a" * 152).segments == 3


def test_a_surrogate_pair_is_never_split_across_segments() -> None:
    assert count_segments("a" * 66 + "😀" + "a" * 66).segments == 3


def test_the_tables_have_the_standard_sizes() -> None:
    assert len(GSM7_BASIC) == 127  # 128 code points minus the escape
    assert len(GSM7_EXTENSION) == 10


def test_label() -> None:
    assert count_segments("a" * 214).label() == "2 segments · 214/306"
    assert count_segments("hi").label() == "1 segment · 2/160"
    assert count_segments("").label() == "0 segments · 0/160"
