"""The contact filter reads a number typed in the user's national format with the
profile's ``region``, so it matches the stored E.164 number; without a region the rule is
what it was (ten digits are North American, fewer are the end of a number)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from inbox_tui.filters import Filters, user_contact
from inbox_tui.models import Conversation

LONDON = "+442083661177"
PARIS = "+33123456789"
SF = "+14155550100"


def conv(number: str) -> Conversation:
    return Conversation(key=number, contact=number, last_at=datetime(2025, 1, 1, tzinfo=UTC))


def lists(typed: str, region: str | None, number: str) -> bool:
    return Filters(contact=user_contact(typed, region)).matches_conversation(conv(number))


@pytest.mark.parametrize(
    ("typed", "region", "number"),
    [
        ("020 8366 1177", "GB", LONDON),
        ("020-8366-1177", "GB", LONDON),
        ("01 23 45 67 89", "FR", PARIS),
        ("0123456789", "FR", PARIS),
        ("(415) 555-0100", "US", SF),
        ("+44 20 8366 1177", "FR", LONDON),  # with its country code, any region
        ("0044 20 8366 1177", "US", LONDON),
    ],
)
def test_a_national_number_matches_the_stored_international_one(
    typed: str, region: str, number: str
) -> None:
    assert lists(typed, region, number)
    assert Filters(contact=user_contact(typed, region)).contact == number


def test_the_region_decides_whose_number_it_is() -> None:
    assert not lists("01 23 45 67 89", "FR", "+10123456789")
    assert not lists("020 8366 1177", "GB", "+12083661177")


def test_without_a_region_the_rule_is_unchanged() -> None:
    assert not lists("020 8366 1177", None, LONDON)  # 11 digits, no country: a suffix
    assert lists("(415) 555-0100", None, SF)
    assert user_contact("0123456789", None) == "0123456789"
    assert Filters(contact=user_contact("0123456789", None)).contact == "+10123456789"


@pytest.mark.parametrize("region", [None, "GB", "FR", "US"])
def test_names_and_partial_numbers_stay_as_typed(region: str | None) -> None:
    assert user_contact("Ana", region) == "Ana"
    assert user_contact(" 1177 ", region) == "1177"
    assert lists("1177", region, LONDON)
    assert user_contact("   ", region) is None
