"""One meaning per filter field (inbox_tui/filters.py), the same in the list, the thread's
marks, the filter pane and the CLI."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from inbox_tui.core.export import build_filters
from inbox_tui.filters import (
    FilterError,
    Filters,
    complete_number,
    contact_matches,
    date_range,
    parse_date,
    since_text,
    until_text,
)
from inbox_tui.models import Conversation, Direction, Message

NUMBER = "+14155550100"


def message(contact: str = NUMBER, name: str | None = "Declan Byrne", **kw: object) -> Message:
    fields: dict[str, object] = {
        "id": "m1",
        "source": "heymarket",
        "conversation_key": f"413:{contact}",
        "contact": contact,
        "contact_name": name,
        "direction": Direction.INBOUND,
        "body": "hello",
        "created_at": datetime(2024, 1, 15, 10, 0, tzinfo=UTC),
    }
    fields.update(kw)
    return Message(**fields)  # type: ignore[arg-type]


def conversation(contact: str = NUMBER, name: str | None = "Declan Byrne") -> Conversation:
    last = message(contact, name)
    return Conversation(
        key=last.conversation_key,
        contact=contact,
        name=name,
        last_at=last.created_at,
        last_message=last,
    )


@pytest.mark.parametrize(
    ("query", "whole"),
    [
        ("+14155550100", NUMBER),
        ("(415) 555-0100", NUMBER),
        ("1 415 555 0100", NUMBER),
        ("+44 20 8366 1177", "+442083661177"),
        ("0100", None),
        ("555-0100", None),
        ("Declan", None),
        ("", None),
    ],
)
def test_complete_number(query: str, whole: str | None) -> None:
    assert complete_number(query) == whole


@pytest.mark.parametrize(
    ("query", "number", "name", "expected"),
    [
        ("+14155550100", NUMBER, None, True),
        ("(415) 555-0100", NUMBER, None, True),
        ("+14155550101", NUMBER, None, False),
        ("0100", NUMBER, None, True),  # a partial number: the digits it ends with
        ("0199", NUMBER, None, False),
        ("declan", NUMBER, "Declan Byrne", True),  # a name: anywhere in it, any case
        ("BYRNE", NUMBER, "Declan Byrne", True),
        ("Morgan", NUMBER, "Declan Byrne", False),
        ("Declan", NUMBER, None, False),
    ],
)
def test_contact_rule(query: str, number: str, name: str | None, expected: bool) -> None:
    assert contact_matches(query, number, name) is expected


@pytest.mark.parametrize("query", ["Declan", "0100", "(415) 555-0100", "Morgan", "0199"])
def test_the_list_and_the_thread_agree_on_a_contact(query: str) -> None:
    filters = Filters(contact=query)
    assert filters.matches_conversation(conversation()) == filters.matches(message())


def test_only_a_whole_number_is_a_server_contact() -> None:
    assert Filters(contact="(415) 555-0100").contact_number == NUMBER
    assert Filters(contact="(415) 555-0100").contact == NUMBER  # stored as E.164
    assert Filters(contact="Declan").contact_number is None
    assert Filters(contact=" 0100 ").contact == "0100"
    assert Filters(contact="  ").contact is None


@pytest.mark.parametrize(
    ("text", "end", "expected"),
    [
        ("2024-01-15", False, datetime(2024, 1, 15, tzinfo=UTC)),
        ("2024-01-15", True, datetime(2024, 1, 16, tzinfo=UTC)),
        ("2024-01-15T10:30:00Z", False, datetime(2024, 1, 15, 10, 30, tzinfo=UTC)),
        ("2024-01-15T12:30+02:00", True, datetime(2024, 1, 15, 10, 30, tzinfo=UTC)),
        ("2024-01-15T10:30", False, datetime(2024, 1, 15, 10, 30, tzinfo=UTC)),
        ("", False, None),
    ],
)
def test_parse_date(text: str, end: bool, expected: datetime | None) -> None:
    assert parse_date(text, "since", end_of_day=end) == expected


def test_a_bare_date_is_a_whole_day_at_both_ends() -> None:
    after, before = date_range("2024-01-15", "2024-01-15")
    day = Filters(after=after, before=before)
    assert day.matches(message(created_at=datetime(2024, 1, 15, 0, 0, tzinfo=UTC)))
    assert day.matches(message(created_at=datetime(2024, 1, 15, 23, 59, 59, tzinfo=UTC)))
    assert not day.matches(message(created_at=datetime(2024, 1, 16, tzinfo=UTC)))
    assert not day.matches(message(created_at=datetime(2024, 1, 14, 23, 59, tzinfo=UTC)))
    assert (since_text(after), until_text(before)) == ("2024-01-15", "2024-01-15")


def test_the_cli_and_the_pane_read_dates_alike() -> None:
    cli = build_filters(since="2024-01-15", until="2024-01-20")
    assert (cli.after, cli.before) == date_range("2024-01-15", "2024-01-20")


def test_bad_dates_name_the_field() -> None:
    with pytest.raises(FilterError, match="not a date") as caught:
        date_range("2024-13-45", None, fields=("after", "before"))
    assert caught.value.field == "after"
    with pytest.raises(FilterError, match="later than") as caught:
        date_range("2024-01-20", "2024-01-10", fields=("after", "before"))
    assert caught.value.field == "before"


def test_dates_match_a_row_without_a_last_message_by_its_last_activity() -> None:
    """A row of heymarket's conversations API carries no message: the dates apply to its
    ``updated`` time (last_at), not "no last message, no match"."""
    bare = conversation().model_copy(update={"last_message": None})
    after, before = date_range("2024-01-15", "2024-01-15")
    assert Filters(after=after, before=before).matches_conversation(bare)
    later, _ = date_range("2024-01-16", None)
    assert not Filters(after=later).matches_conversation(bare)
    _, earlier = date_range(None, "2024-01-14")
    assert not Filters(before=earlier).matches_conversation(bare)
