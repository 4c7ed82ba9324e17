"""Workspace JSON → models, tolerance of odd records, and request shapes (MockTransport)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import httpx
import pytest

from inbox_tui.api.auth import BearerToken
from inbox_tui.api.parse import Unusable
from inbox_tui.api.workspace import WorkspaceBackend, parse_message, parse_page
from inbox_tui.errors import BadResponse
from inbox_tui.filters import Filters
from inbox_tui.models import Conversation, Direction

RAW = {
    "id": "msg_abc123",
    "direction": "outbound",
    "to": "+15551234567",
    "from": "+15559876543",
    "body": "Hello",
    "status": "Delivered",
    "provider_sid": "SM1",
    "created_at": "2024-01-15T10:30:00Z",
    "something_new": 1,
}


def test_outbound_counterpart_is_to() -> None:
    m = parse_message(RAW)
    assert m.contact == "+15551234567" and m.own_number == "+15559876543"
    assert m.conversation_key == "+15551234567" and m.inbox_id is None
    assert m.direction is Direction.OUTBOUND and m.status == "delivered"
    assert m.provider_sid == "SM1" and m.source == "workspace"
    assert m.created_at == datetime(2024, 1, 15, 10, 30, tzinfo=UTC)


def test_inbound_counterpart_is_from() -> None:
    m = parse_message({**RAW, "direction": "inbound"})
    assert m.contact == "+15559876543" and m.own_number == "+15551234567"


@pytest.mark.parametrize(
    "raw",
    [{**RAW, "id": None}, {**RAW, "direction": "sideways"}, {**RAW, "created_at": "x"},
     {**RAW, "to": None}, 42],
)  # fmt: skip
def test_unusable(raw: object) -> None:
    with pytest.raises(Unusable):
        parse_message(raw)


def test_page_skips_bad_rows_and_reads_pagination(caplog: pytest.LogCaptureFixture) -> None:
    data = {
        "messages": [RAW, {**RAW, "id": "msg_bad", "direction": None}],
        "pagination": {"currentPage": 1, "totalPages": 1, "totalMessages": 2, "hasNext": False},
    }
    with caplog.at_level(logging.WARNING, logger="inbox_tui.api"):
        page = parse_page(data)
    assert [m.id for m in page.messages] == ["msg_abc123"] and page.rows == 2
    assert page.total == 2 and page.has_next is False
    assert "msg_bad" in caplog.text
    assert parse_page({"messages": []}).total is None
    for bad in ([], {"messages": "no"}, None):
        with pytest.raises(BadResponse):
            parse_page(bad)


async def test_request_shapes_and_pseudo_inbox() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200,
            json={"messages": [RAW], "pagination": {"totalMessages": 1, "hasNext": False}},
        )

    ws = WorkspaceBackend(
        "https://ws.test",
        BearerToken("tok-abcdef"),
        "ws 1/x",
        page_size=500,
        transport=httpx.MockTransport(handler),
    )
    assert ws.page_size == 100  # the API's maximum
    inboxes = await ws.inboxes()
    assert inboxes[0].id == "ws 1/x" and inboxes[0].phones == ("+15559876543",)
    conv = Conversation(key="+15551234567", contact="+15551234567", last_at=datetime.now(UTC))
    f = Filters(
        statuses=frozenset({"failed"}),
        after=datetime(2024, 1, 1, 0, 0, 0, 700_000, tzinfo=UTC),
        before=datetime(2024, 2, 1, 0, 0, 0, 200_000, tzinfo=UTC),
    )
    pager = ws.thread(conv, f)
    await pager.older()
    await ws.aclose()
    assert seen[0].url.raw_path.startswith(b"/api/ui/workspaces/ws%201%2Fx/messages?")
    params = [dict(r.url.params) for r in seen[1:]]
    assert {p.get("from") for p in params} | {p.get("to") for p in params} >= {"+15551234567"}
    for p in params:
        assert p["status"] == "failed" and p["limit"] == "100" and p["page"] == "1"
        assert p["startDate"] == "2024-01-01T00:00:00Z"
        assert p["endDate"] == "2024-02-01T00:00:01Z"  # rounded up; later ones dropped locally
    assert "%2B1555" in str(seen[1].url) or "%2B1555" in str(seen[2].url)
