"""Vendor shapes of the conversation rows, templates, contact status and send answers:
the documented ones, and the variants the vendor's reference shows, are all read."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from inbox_tui.api.heymarket_conversations import parse_conversation_page, parse_conversation_row
from inbox_tui.api.heymarket_writes import parse_opt_out, parse_sent, parse_templates
from inbox_tui.errors import BadResponse


def test_conversation_row_documented_shape() -> None:
    row = {
        "id": 9, "inbox": 413, "target": "14155550111", "name": "Ana", "status": "closed",
        "assigned": 5, "read": False, "last_inbound": "2026-03-01T10:00:00Z",
        "replied": "2026-03-01T11:00:00.250Z", "snooze_till": None,
        "updated": "2026-03-01T11:00:00.250Z", "members": [1, 5],
    }  # fmt: skip
    conv = parse_conversation_row(row)
    assert conv is not None
    assert (conv.key, conv.contact, conv.inbox_id) == ("413:+14155550111", "+14155550111", "413")
    assert conv.closed is True and conv.status == "closed" and conv.is_closed
    assert conv.assigned_to == "5" and conv.unread is True
    assert conv.last_inbound_at == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert conv.last_at == conv.replied_at


def test_conversation_row_reference_variants() -> None:
    """The vendor's reference types `read`/`last_inbound` as integers, `replied` as a
    boolean, and an unassigned conversation may say 0."""
    row = {
        "inbox": 413, "target": "14155550111", "status": "open", "assigned": 0, "read": 1,
        "last_inbound": 1772359200, "replied": True, "updated": "2026-03-01T11:00:00Z",
    }  # fmt: skip
    conv = parse_conversation_row(row)
    assert conv is not None and conv.assigned_to is None and conv.unread is False
    assert conv.last_inbound_at == datetime.fromtimestamp(1772359200, UTC)
    assert conv.replied_at is None and conv.closed is False


def test_conversation_page_cursor_is_the_last_updated_as_sent() -> None:
    rows = [
        {"inbox": 1, "target": "14155550111", "updated": "2026-03-01T11:00:00.250Z"},
        {"inbox": 1, "target": "not a number", "updated": "2026-03-01T10:00:00.125Z"},
    ]
    convs, cursor, count = parse_conversation_page(rows)
    assert len(convs) == 1 and count == 2 and cursor == "2026-03-01T10:00:00.125Z"
    with pytest.raises(BadResponse):
        parse_conversation_page({"oops": 1})


def test_templates_content_object_and_flat_text() -> None:
    parsed = parse_templates(
        [
            {"id": 1, "name": "A", "content": {"text": "Hi {{first_name}}", "gallery": []},
             "updated": "2026-03-01T00:00:00Z"},
            {"id": 2, "title": "B", "text": "flat"},
            {"name": "no id"},
        ]
    )  # fmt: skip
    assert [(t.id, t.name, t.text, c) for t, c in parsed] == [
        ("1", "A", "Hi {{first_name}}", "2026-03-01T00:00:00Z"),
        ("2", "B", "flat", None),
    ]


@pytest.mark.parametrize(
    ("answer", "out"),
    [
        ({"id": 1, "phone": "1415", "unsubscribed": True, "blocked": False}, True),
        ({"id": 1, "phone": "1415", "unsubscribed": False, "blocked": True}, True),
        ({"id": 1, "phone": "1415", "unsubscribed": False, "blocked": False}, False),
        ({"status": "opted_out"}, True),
        ("active", False),
        ("unsubscribed", True),
    ],
)
def test_contact_status_shapes(answer: object, out: bool) -> None:
    assert parse_opt_out(answer) is out


def test_send_answer() -> None:
    assert parse_sent({"id": 42, "date": "2026-03-01T00:00:00Z", "gallery_url": None})[0] == "42"
    with pytest.raises(BadResponse):
        parse_sent({"date": "x"})
