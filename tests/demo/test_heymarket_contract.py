"""Contract conformance of the demo server's heymarket style, over real loopback HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from inbox_tui.demo.auth import make_jwt
from inbox_tui.demo.dataset import Dataset, build_dataset
from inbox_tui.demo.server import DemoServer

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
MESSAGE_FIELDS = {
    "id", "text", "media", "phone", "direction", "type", "status", "date", "updated", "user",
    "author", "conversation", "broadcast_id", "flagged", "local_id",
}  # fmt: skip
CONVERSATION_FIELDS = {"id", "inbox", "name", "target", "status", "read", "assigned"}


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    dataset = build_dataset(3, conversations=40, big_threads=(400,), now=NOW)
    with DemoServer(dataset=dataset) as srv:
        yield srv


@pytest.fixture
def client(server: DemoServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {server.heymarket_token}"}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=5) as c:
        yield c


def parse_date(value: str) -> datetime:
    return datetime.fromisoformat(value)


def assert_message(m: dict[str, object]) -> None:
    assert set(m) == MESSAGE_FIELDS
    assert isinstance(m["id"], int)
    assert isinstance(m["phone"], str) and m["phone"].isdigit()
    assert m["direction"] in ("inbound", "outbound")
    assert isinstance(m["date"], str) and m["date"].endswith("Z")
    assert len(m["date"]) == len("2026-11-27T10:30:00.123Z")
    assert isinstance(m["flagged"], bool)
    conv = m["conversation"]
    assert isinstance(conv, dict) and set(conv) == CONVERSATION_FIELDS
    assert conv["target"] == m["phone"]


def test_inboxes_and_team(client: httpx.Client, server: DemoServer) -> None:
    r = client.get("/v1/inboxes")
    assert r.status_code == 200 and r.headers["x-request-id"]
    inboxes = r.json()
    assert [i["id"] for i in inboxes] == [413, 414, 415]
    for inbox in inboxes:
        assert inbox["phone"].isdigit() and inbox["phones"] == [inbox["phone"]]
        assert inbox["team"] == 7 and inbox["members"]
    team = client.get("/v1/team").json()
    assert team["id"] == 7
    assert {m["id"] for m in team["members"]} >= {u for i in inboxes for u in i["members"]}
    assert all(isinstance(m["name"], str) and m["name"] for m in team["members"])


def test_thread_page_is_the_50_newest_and_strictly_before(
    client: httpx.Client, server: DemoServer
) -> None:
    conv = server.dataset.biggest_threads(1)[0]
    expected = server.dataset.thread(conv.inbox_id, conv.contact)
    assert len(expected) == 400
    params = {"phoneNumber": conv.contact, "inboxID": conv.inbox_id}
    page = client.get("/v1/messages", params=params).json()
    assert len(page) == 50
    for m in page:
        assert_message(m)
        assert m["conversation"]["inbox"] == conv.inbox_id
    assert {m["id"] for m in page} == {m.id for m in expected[-50:]}
    # the response order is deliberately not chronological
    dates = [m["date"] for m in page]
    assert dates != sorted(dates) and dates != sorted(dates, reverse=True)
    # strictly before a Unix-seconds timestamp, even with many messages in that second
    ts = expected[-80].created_ms // 1000
    older = client.get("/v1/messages", params={**params, "timestamp": ts}).json()
    want = [m for m in expected if m.created_ms < ts * 1000][-50:]
    assert {m["id"] for m in older} == {m.id for m in want}
    assert all(parse_date(m["date"]).timestamp() < ts for m in older)


def test_thread_burst_straddles_the_page_boundary(server: DemoServer) -> None:
    thread = server.dataset.thread(*_big(server))
    newest_first = thread[::-1]
    boundary_second = newest_first[49].created_ms // 1000
    same = [m for m in thread if m.created_ms // 1000 == boundary_second]
    assert len(same) >= 10, "the first page ends inside a same-second burst"
    assert len({m.created_ms for m in same}) == len(same), "distinct milliseconds"


def _big(server: DemoServer) -> tuple[int, str]:
    conv = server.dataset.biggest_threads(1)[0]
    return conv.inbox_id, conv.contact


def test_thread_errors(client: httpx.Client, server: DemoServer) -> None:
    inbox, contact = _big(server)
    cases = [
        ({"inboxID": inbox}, 400),
        ({"phoneNumber": "+" + contact, "inboxID": inbox}, 400),
        ({"phoneNumber": contact, "inboxID": "abc"}, 400),
        ({"phoneNumber": contact, "inboxID": inbox, "timestamp": "yesterday"}, 400),
        ({"phoneNumber": contact, "inboxID": 999}, 403),
        ({"phoneNumber": contact, "inboxID": 12345}, 404),
        ({"phoneNumber": "19995550000", "inboxID": inbox}, 404),
    ]
    for params, status in cases:
        r = client.get("/v1/messages", params=params)
        assert r.status_code == status, (params, r.text)
        body = r.json()
        assert body["status"] == status and body["message"] and body["error"]
        assert body["request_id"] == r.headers["x-request-id"]


def test_all_messages_pages_strictly_before_with_ms_dates(
    client: httpx.Client, server: DemoServer
) -> None:
    ds = server.dataset
    cursor = "2100-01-01T00:00:00Z"
    seen: list[int] = []
    for _ in range(1000):
        page = client.post("/v1/messages/all", json={"created_at": cursor, "limit": 100}).json()
        if not page:
            break
        for m in page:
            assert_message(m)
        dates = [parse_date(m["date"]) for m in page]
        assert dates == sorted(dates, reverse=True)
        assert dates[0] < parse_date(cursor)
        seen += [m["id"] for m in page]
        cursor = page[-1]["date"]
    assert seen == [m.id for m in ds.messages]  # nothing lost: dates carry milliseconds
    assert len(seen) == len(set(seen))


def test_all_messages_options(client: httpx.Client, server: DemoServer) -> None:
    ds = server.dataset
    default = client.post("/v1/messages/all", json={"created_at": "2100-01-01T00:00:00Z"}).json()
    assert len(default) == 30
    capped = client.post("/v1/messages/all", json={"created_at": "2100-01-01", "limit": 500}).json()
    assert len(capped) == 100
    # sub-second cursor: strictly before, to the millisecond
    pivot = ds.messages[10]
    cursor = pivot.created_at.isoformat()
    page = client.post("/v1/messages/all", json={"created_at": cursor, "limit": 5}).json()
    assert all(
        m["date"] < pivot.created_at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z" for m in page
    )
    assert page[0]["id"] == next(m.id for m in ds.messages if m.created_ms < pivot.created_ms)
    # ascending: strictly after the cursor, oldest first
    oldest = ds.messages[-1]
    up = client.post(
        "/v1/messages/all",
        json={"created_at": oldest.created_at.isoformat(), "ascending": True, "limit": 3},
    ).json()
    assert [m["id"] for m in up] == [m.id for m in ds.messages[-4:-1][::-1]]
    by_updated = client.post(
        "/v1/messages/all", json={"created_at": "2100-01-01T00:00:00Z", "order": "updated_at"}
    ).json()
    updated = [m["updated"] for m in by_updated]
    assert updated == sorted(updated, reverse=True)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"created_at": "not a date"},
        {"created_at": 1700000000},
        {"created_at": "2026-01-01T00:00:00Z", "order": "id"},
        {"created_at": "2026-01-01T00:00:00Z", "limit": 0},
        {"created_at": "2026-01-01T00:00:00Z", "ascending": "yes"},
    ],
)
def test_all_messages_rejects_bad_bodies(client: httpx.Client, body: dict[str, object]) -> None:
    r = client.post("/v1/messages/all", json=body)
    assert r.status_code == 400
    assert r.json()["error"] == "bad_request" and r.headers["x-request-id"]


def test_all_messages_rejects_non_json(client: httpx.Client) -> None:
    r = client.post("/v1/messages/all", content=b"{not json")
    assert r.status_code == 400 and "JSON" in r.json()["message"]


def test_count_is_a_json_string(client: httpx.Client, server: DemoServer) -> None:
    ds = server.dataset
    r = client.post("/v1/messages/all/count")
    assert r.status_code == 200
    assert r.text == json.dumps(str(len(ds.messages)))
    assert isinstance(r.json(), str)
    pivot = ds.messages[100]
    before = client.post(
        "/v1/messages/all/count", json={"created_at": pivot.created_at.isoformat()}
    )
    assert int(before.json()) == sum(1 for m in ds.messages if m.created_ms < pivot.created_ms)
    bad = client.post("/v1/messages/all/count", json={"created_at": "soon"})
    assert bad.status_code == 400


def test_conversations_list(client: httpx.Client, server: DemoServer) -> None:
    ds = server.dataset
    r = client.post("/v1/conversations", json={"id": 1, "filters": {"inboxes": [413]}})
    assert r.status_code == 200
    convs = r.json()
    assert convs and all(c["inbox"] == 413 for c in convs)
    row_fields = {"last_inbound", "replied", "snooze_till", "updated", "members"}
    assert all(set(c) >= CONVERSATION_FIELDS | row_fields for c in convs)
    updated = [c["updated"] for c in convs]
    assert updated == sorted(updated, reverse=True)
    # paging by the `updated` cursor walks every conversation of the inbox exactly once
    seen = [c["id"] for c in convs]
    cursor = convs[-1]["updated"]
    while True:
        page = client.post(
            "/v1/conversations",
            json={"id": 1, "filters": {"inboxes": [413]}, "date": cursor, "limit": 7},
        ).json()
        if not page:
            break
        seen += [c["id"] for c in page]
        cursor = page[-1]["updated"]
    assert sorted(seen) == sorted(c.id for c in ds.conversations if c.inbox_id == 413)
    unread = client.post("/v1/conversations", json={"id": 1, "filters": {"unread": True}}).json()
    assert unread and all(c["read"] is False for c in unread)
    closed = client.post("/v1/conversations", json={"id": 1, "filters": {"closed": True}}).json()
    assert all(c["status"] == "closed" for c in closed)
    hidden = client.post("/v1/conversations", json={"id": 1, "filters": {"inboxes": [999]}})
    assert hidden.status_code == 403
    # `id` (a member id) and `filters` (an object) are required, as documented
    for body in ({"filters": {"inboxes": [413]}}, {"id": 1}, {}):
        refused = client.post("/v1/conversations", json=body)
        assert refused.status_code == 400, body
        assert ("id" if "id" not in body else "filters") in refused.json()["message"]


def test_auth_rejections(server: DemoServer) -> None:
    url = server.base_url + "/v1/inboxes"
    for headers in (
        {},
        {"Authorization": "Bearer wrong-key"},
        {"Authorization": f"Token {server.heymarket_token}"},
        {"Authorization": "Bearer " + make_jwt(server.heymarket_secret_id, "wrong-secret")},
        {"Authorization": "Bearer " + make_jwt("someone-else", server.heymarket_secret_key)},
        {"Authorization": "Bearer " + server.heymarket_jwt(iat=int(time.time()) - 301)},
        {"Authorization": "Bearer a.b.c"},
    ):
        r = httpx.get(url, headers=headers)
        assert r.status_code == 401, headers
        body = r.json()
        assert body["error"] == "unauthorized" and r.headers["x-request-id"]
        assert server.heymarket_secret_key not in r.text and server.heymarket_token not in r.text


def test_auth_accepts_key_jwt_and_basic(server: DemoServer) -> None:
    url = server.base_url + "/v1/inboxes"
    fresh = server.heymarket_jwt()
    four_minutes_old = server.heymarket_jwt(iat=int(time.time()) - 240)
    for headers in (
        {"Authorization": f"Bearer {server.heymarket_token}"},
        {"Authorization": f"Bearer {fresh}"},
        {"Authorization": f"Bearer {four_minutes_old}"},
    ):
        assert httpx.get(url, headers=headers).status_code == 200
    assert httpx.get(url, auth=(server.heymarket_token, "")).status_code == 200


def test_unknown_paths_and_methods(client: httpx.Client) -> None:
    assert client.get("/v1/nothing").status_code == 404
    r = client.get("/v1/messages/all")
    assert r.status_code == 405 and r.headers["x-request-id"]


def test_media_urls_are_served_by_the_demo(client: httpx.Client, server: DemoServer) -> None:
    with_media = next(m for m in server.dataset.messages if m.media)
    conv = with_media.conversation
    ts = with_media.created_ms / 1000 + 0.001
    page = client.get(
        "/v1/messages",
        params={"phoneNumber": conv.contact, "inboxID": conv.inbox_id, "timestamp": ts},
    ).json()
    found = next(m for m in page if m["id"] == with_media.id)
    assert found["media"].startswith(server.base_url + "/_demo/media/")
    assert found["type"] == "mms"
    r = httpx.get(found["media"])
    assert r.status_code == 200 and r.content.startswith(b"\x89PNG")


def test_tricky_bodies_are_served_raw(server: DemoServer, client: httpx.Client) -> None:
    ds: Dataset = server.dataset
    texts = {m.text for m in ds.messages}
    assert any("\x1b[" in t for t in texts) and any("[red]" in t for t in texts)
    raw = next(m for m in ds.messages if "\x1b]" in m.text)
    conv = raw.conversation
    page = client.get(
        "/v1/messages",
        params={
            "phoneNumber": conv.contact,
            "inboxID": conv.inbox_id,
            "timestamp": raw.created_ms / 1000 + 0.001,
        },
    ).json()
    assert next(m for m in page if m["id"] == raw.id)["text"] == raw.text
