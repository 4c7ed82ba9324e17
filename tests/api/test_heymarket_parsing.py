"""Heymarket JSON → models, tolerance of odd records, and request shapes (MockTransport)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import httpx
import pytest

from inbox_tui.api.auth import BearerToken
from inbox_tui.api.heymarket import (
    HeymarketBackend,
    parse_count,
    parse_inboxes,
    parse_message,
    parse_messages,
    parse_team,
)
from inbox_tui.api.parse import Unusable, parse_time
from inbox_tui.dates import rfc3339
from inbox_tui.errors import BadResponse
from inbox_tui.filters import Filters
from inbox_tui.models import Conversation, Direction

BASE = {
    "id": 4200001,
    "text": "Hi there",
    "media": None,
    "phone": "14155551234",
    "direction": "inbound",
    "type": "sms",
    "status": "Received",
    "date": "2024-03-01T12:00:05.123Z",
    "updated": "2024-03-01T12:00:06Z",
    "user": None,
    "author": "",
    "conversation": {"id": 9, "inbox": 413, "name": "Ada", "target": "14155551234"},
    "broadcast_id": None,
    "flagged": False,
    "local_id": None,
    "brand_new_field": {"x": 1},
}


def test_full_message_maps_every_field() -> None:
    m = parse_message(BASE, inbox_phones={"413": "+14155550100"})
    assert m.id == "4200001" and m.source == "heymarket"
    assert m.contact == "+14155551234" and m.inbox_id == "413"
    assert m.conversation_key == "413:+14155551234"
    assert m.own_number == "+14155550100"
    assert m.direction is Direction.INBOUND and m.status == "received"
    assert m.created_at == datetime(2024, 3, 1, 12, 0, 5, 123000, tzinfo=UTC)
    assert m.updated_at == datetime(2024, 3, 1, 12, 0, 6, tzinfo=UTC)
    assert m.contact_name == "Ada" and m.raw["brand_new_field"] == {"x": 1}


def test_author_from_team_and_direction_inferred() -> None:
    raw = {**BASE, "direction": None, "user": 5, "author": None}
    m = parse_message(raw, members={"5": "Grace Hopper"})
    assert m.direction is Direction.OUTBOUND and m.author == "Grace Hopper" and m.user_id == "5"
    assert parse_message({**raw, "author": "Bot"}).author == "Bot"
    assert parse_message({**BASE, "direction": None}).direction is Direction.INBOUND


def test_private_note_kept_as_note() -> None:
    m = parse_message({**BASE, "type": "private comment", "direction": None, "user": 2})
    assert m.kind == "private" and m.is_note and m.direction is Direction.OUTBOUND


def test_minimal_record_and_mms_kind() -> None:
    m = parse_message({"id": "7", "phone": "4155551234", "date": "2024-03-01T12:00:05Z",
                       "media": "https://x/y.jpg"}, inbox_id="414")  # fmt: skip
    assert m.contact == "+14155551234" and m.inbox_id == "414" and m.kind == "mms"
    assert m.media_url == "https://x/y.jpg" and m.body == ""


@pytest.mark.parametrize(
    "raw",
    [None, [], "x", {"phone": "1415", "date": "2024-01-01T00:00:00Z"},
     {**BASE, "date": "yesterday"}, {**BASE, "phone": None, "conversation": None}],
)  # fmt: skip
def test_unusable_records_raise(raw: object) -> None:
    with pytest.raises(Unusable):
        parse_message(raw)


def test_bad_records_are_logged_and_skipped(caplog: pytest.LogCaptureFixture) -> None:
    rows = [BASE, {**BASE, "id": 99, "date": None}, "junk", {**BASE, "id": 3}]
    with caplog.at_level(logging.WARNING, logger="inbox_tui.api"):
        messages, count = parse_messages(rows)
    assert [m.id for m in messages] == ["4200001", "3"] and count == 4
    assert "id 99" in caplog.text
    with pytest.raises(BadResponse):
        parse_messages({"unexpected": True})


def test_inboxes_team_and_count() -> None:
    inboxes = parse_inboxes(
        [{"id": 413, "name": "Support", "phone": "14155550100", "phones": ["14155550100"]},
         {"name": "no id"}, {"id": "414", "phones": ["4155550101"]}]
    )  # fmt: skip
    assert [(i.id, i.name, i.phones) for i in inboxes] == [
        ("413", "Support", ("+14155550100",)),
        ("414", "Inbox 414", ("+14155550101",)),
    ]
    team = parse_team({"id": 7, "members": [{"id": 1, "name": "Ada Li"}, {"x": 1}]})
    assert [(m.id, m.name) for m in team] == [("1", "Ada Li")]
    assert parse_count("1042") == 1042 and parse_count(7) == 7
    for bad in ("many", None, True, [1]):
        with pytest.raises(BadResponse):
            parse_count(bad)


@pytest.mark.parametrize(
    ("text", "micro"),
    [("2024-03-01T12:00:05Z", 0), ("2024-03-01T12:00:05.5Z", 500_000),
     ("2024-03-01T12:00:05.123456789Z", 123_456), ("2024-03-01T14:00:05.25+02:00", 250_000)],
)  # fmt: skip
def test_rfc3339_with_and_without_fractions(text: str, micro: int) -> None:
    parsed = parse_time(text)
    assert parsed == datetime(2024, 3, 1, 12, 0, 5, micro, tzinfo=UTC)
    assert parse_time(rfc3339(parsed)) == parsed


async def test_request_shapes() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/v1/team":
            return httpx.Response(404, json={"error": "no team here"})
        if request.url.path == "/v1/messages/all/count":
            return httpx.Response(200, json="12")
        return httpx.Response(200, json=[])

    hm = HeymarketBackend(
        "https://hm.test", BearerToken("tok-123456"), transport=httpx.MockTransport(handler)
    )
    conv = Conversation(
        key="413:+14155551234", contact="+14155551234", inbox_id="413", last_at=datetime.now(UTC)
    )
    pager = hm.thread(conv, Filters(before=datetime(2024, 3, 1, 12, 0, 5, 500_000, tzinfo=UTC)))
    assert await pager.older() == [] and pager.exhausted
    cut = datetime(2024, 1, 1, tzinfo=UTC)
    assert await hm.count(Filters(before=cut)) == 12
    await hm.latest()
    await hm.aclose()
    thread = next(r for r in seen if r.url.path == "/v1/messages")
    assert dict(thread.url.params) == {
        "phoneNumber": "14155551234",
        "inboxID": "413",
        "timestamp": str(int(datetime(2024, 3, 1, 12, 0, 6, tzinfo=UTC).timestamp())),
    }
    count = next(r for r in seen if r.url.path == "/v1/messages/all/count")
    assert json.loads(count.content) == {"created_at": "2024-01-01T00:00:00Z"}
    walk = next(r for r in seen if r.url.path == "/v1/messages/all")
    body = json.loads(walk.content)
    assert body["limit"] == 50 and body["ascending"] is False and body["order"] == "created_at"
    assert parse_time(body["created_at"]) > datetime.now(UTC)


async def test_wrong_shape_is_a_bad_response_with_request_id_and_path() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"surprise": 1}, headers={"X-Request-Id": "rq-shape"})

    hm = HeymarketBackend(
        "https://hm.test", BearerToken("tok-123456"), transport=httpx.MockTransport(handler)
    )
    with pytest.raises(BadResponse) as caught:
        await hm.inboxes()
    await hm.aclose()
    assert caught.value.request_id == "rq-shape" and caught.value.url == "/v1/inboxes"
    assert caught.value.status == 200 and hm.stats.requests == 1
