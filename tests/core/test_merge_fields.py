"""Template merge tokens filled from the contact."""

from __future__ import annotations

from datetime import UTC, datetime

from inbox_tui.merge_fields import fill
from inbox_tui.models import Conversation


def conversation(name: str | None) -> Conversation:
    return Conversation(
        key="+14155550100",
        contact="+14155550100",
        name=name,
        last_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_tokens_are_filled_from_the_contact() -> None:
    text = "Hi {{first_name}} {{ last_name }}! ({{name}}, {{phone}})"
    assert fill(text, conversation("Ada Li")) == "Hi Ada Li! (Ada Li, +1 (415) 555-0100)"


def test_unknown_tokens_stay_and_missing_names_become_empty() -> None:
    assert fill("Hi {{first_name}}, {{coupon}}", conversation(None)) == "Hi , {{coupon}}"


def test_names_are_one_line_and_never_markup() -> None:
    filled = fill("{{name}}", conversation("[red]Bob\nEvil\x1b[31m"))
    assert "\n" not in filled and "\x1b" not in filled
