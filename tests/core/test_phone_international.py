"""Numbers people can read: international grouping across countries, and what a user types
read with the profile's region (a French national number is not taken for a US one)."""

from __future__ import annotations

import pytest

from inbox_tui.config import Profile
from inbox_tui.phone import parse_contact, pretty


@pytest.mark.parametrize(
    ("e164", "shown"),
    [
        ("+442083661177", "+44 20 8366 1177"),  # United Kingdom
        ("+33612345678", "+33 6 12 34 56 78"),  # France
        ("+4915123456789", "+49 1512 3456789"),  # Germany
        ("+81312345678", "+81 3-1234-5678"),  # Japan
        ("+61212345678", "+61 2 1234 5678"),  # Australia
        ("+5511912345678", "+55 11 91234-5678"),  # Brazil
        ("+919876543210", "+91 98765 43210"),  # India
        ("+34912345678", "+34 912 34 56 78"),  # Spain
        ("+390612345678", "+39 06 1234 5678"),  # Italy (the leading 0 is kept)
        ("+8613812345678", "+86 138 1234 5678"),  # China
        ("+27211234567", "+27 21 123 4567"),  # South Africa
        ("+525512345678", "+52 55 1234 5678"),  # Mexico
        ("+14155550100", "+1 (415) 555-0100"),  # North America keeps its usual form
        ("+999123", "+999123"),  # no such country code: left as it is
    ],
)
def test_international_grouping(e164: str, shown: str) -> None:
    assert pretty(e164) == shown


@pytest.mark.parametrize(
    ("typed", "region", "e164"),
    [
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("020 8366 1177", "GB", "+442083661177"),
        ("(415) 555-0123", "US", "+14155550123"),
        ("030 1234567", "DE", "+49301234567"),
        ("+44 20 8366 1177", "US", "+442083661177"),  # a country code beats the region
        ("0044 20 8366 1177", "US", "+442083661177"),
        ("03-1234-5678", "JP", "+81312345678"),
    ],
)
def test_typed_numbers_read_with_the_region(typed: str, region: str, e164: str) -> None:
    assert parse_contact(typed, region) == e164


@pytest.mark.parametrize(
    ("typed", "region"),
    [
        ("06 12 34 56 78", "US"),  # ten digits, but not a US number
        ("Ana", "US"),
        ("12", "US"),
        ("\x1b]52;c;aGk=\x07", "US"),
        ("", "GB"),
    ],
)
def test_not_a_number_in_that_region(typed: str, region: str) -> None:
    assert parse_contact(typed, region) is None


def test_region_is_a_profile_setting() -> None:
    assert Profile().region == "US"
    assert Profile(region="fr").region == "FR"
    with pytest.raises(ValueError, match="two-letter"):
        Profile(region="France")
