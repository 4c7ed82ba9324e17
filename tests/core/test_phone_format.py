"""phone.pretty: NANP numbers formatted, others grouped by country, anything else sanitised."""

from __future__ import annotations

import pytest

from inbox_tui.phone import pretty, valid_e164


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("+14155550100", "+1 (415) 555-0100"),
        ("14155550100", "+1 (415) 555-0100"),
        ("+442071838750", "+44 20 7183 8750"),
        ("+4", "+4"),
    ],
)
def test_numbers_are_formatted_or_kept(raw: str, shown: str) -> None:
    assert pretty(raw) == shown


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[31mred\x1b[0m", "red"),
        ("+\x1b]8;;http://evil\x07click\x1b]8;;\x07", "+click"),
        ("line one\nline two\r\n", "line one line two"),
        ("+1\u202e4155550100", "+14155550100"),
        ("+١٢٣", "+١٢٣"),
        ("", ""),
        ("Front desk", "Front desk"),
    ],
)
def test_anything_else_is_a_sanitised_one_liner(raw: str, shown: str) -> None:
    assert pretty(raw) == shown


def test_huge_garbage_is_cut_to_a_preview() -> None:
    shown = pretty("x" * 10_000)
    assert len(shown) <= 200
    assert shown.endswith("…")


def test_non_string_input_does_not_crash() -> None:
    assert pretty(None) == ""  # type: ignore[arg-type]
    assert pretty(14155550100) == "14155550100"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("(415) 555-0100", "+14155550100"),
        (14155550100, "+14155550100"),
        ("+442071838750", "+442071838750"),
        (None, None),
        ("", None),
        ("+", None),
        ("no digits", None),
    ],
)
def test_valid_e164_or_none(raw: object, number: str | None) -> None:
    assert valid_e164(raw) == number
