"""Contract conformance of the demo server's workspace style, over real loopback HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest

from inbox_tui.demo.dataset import build_dataset
from inbox_tui.demo.server import DemoServer

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
FIELDS = {"id", "direction", "to", "from", "body", "status", "provider_sid", "created_at"}


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    dataset = build_dataset(5, conversations=40, big_threads=(400,), now=NOW)
    with DemoServer(dataset=dataset) as srv:
        yield srv


@pytest.fixture
def client(server: DemoServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {server.workspace_token}"}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=5) as c:
        yield c


def path(server: DemoServer, workspace: str | None = None) -> str:
    return f"/api/ui/workspaces/{workspace or server.workspace_id}/messages"


def test_default_page_shape(client: httpx.Client, server: DemoServer) -> None:
    r = client.get(path(server))
    assert r.status_code == 200 and r.headers["x-request-id"]
    data = r.json()
    assert set(data) == {"messages", "pagination"}
    records = server.dataset.workspace_messages
    assert data["pagination"] == {
        "currentPage": 1,
        "totalPages": -(-len(records) // 50),
        "totalMessages": len(records),
        "hasNext": True,
    }
    msgs = data["messages"]
    assert len(msgs) == 50
    for m in msgs:
        assert set(m) == FIELDS
        assert m["id"].startswith("msg_")
        assert m["to"].startswith("+") and m["from"].startswith("+")
        assert m["provider_sid"].startswith("SM") and len(m["provider_sid"]) == 34
        assert len(m["created_at"]) == len("2024-01-15T10:30:00Z") and m["created_at"][-1] == "Z"
    assert {m["id"] for m in msgs} == {m.workspace_id for m in records[-50:]}
    ids = [int(m["id"][4:]) for m in msgs]
    assert ids != sorted(ids, reverse=True), "order within a page is not promised"


def test_no_private_notes(server: DemoServer) -> None:
    assert server.dataset.workspace_messages
    assert not any(m.is_note for m in server.dataset.workspace_messages)
    assert any(m.is_note for m in server.dataset.messages)


def test_paging_and_limit_clamp(client: httpx.Client, server: DemoServer) -> None:
    total = len(server.dataset.workspace_messages)
    clamped = client.get(path(server), params={"limit": 1000}).json()
    assert len(clamped["messages"]) == 100
    assert clamped["pagination"]["totalPages"] == -(-total // 100)
    seen: list[str] = []
    page = 1
    while True:
        data = client.get(path(server), params={"page": page, "limit": 100}).json()
        seen += [m["id"] for m in data["messages"]]
        assert data["pagination"]["currentPage"] == page
        if not data["pagination"]["hasNext"]:
            break
        page += 1
    assert len(seen) == len(set(seen)) == total
    beyond = client.get(path(server), params={"page": page + 1, "limit": 100}).json()
    assert beyond["messages"] == [] and beyond["pagination"]["hasNext"] is False
    tiny = client.get(path(server), params={"limit": 0}).json()
    assert len(tiny["messages"]) == 1


def test_filters(client: httpx.Client, server: DemoServer) -> None:
    records = server.dataset.workspace_messages
    inbound = client.get(path(server), params={"direction": "inbound", "limit": 100}).json()
    assert all(m["direction"] == "inbound" for m in inbound["messages"])
    assert inbound["pagination"]["totalMessages"] == sum(
        1 for m in records if m.direction == "inbound"
    )
    failed = client.get(path(server), params={"status": "failed", "limit": 100}).json()
    assert failed["messages"] and all(m["status"] == "failed" for m in failed["messages"])
    contact = server.dataset.biggest_threads(1)[0].contact_e164
    sent_by = client.get(path(server), params={"from": contact, "limit": 100}).json()
    assert all(m["from"] == contact and m["direction"] == "inbound" for m in sent_by["messages"])
    sent_to = client.get(path(server), params={"to": contact, "limit": 100}).json()
    assert all(m["to"] == contact and m["direction"] == "outbound" for m in sent_to["messages"])
    both = sent_by["pagination"]["totalMessages"] + sent_to["pagination"]["totalMessages"]
    assert both == sum(1 for m in records if m.contact_e164 == contact)


def test_dates_are_strict_on_whole_seconds(client: httpx.Client, server: DemoServer) -> None:
    records = server.dataset.workspace_messages
    pivot = records[len(records) // 2]
    second = pivot.created_ms // 1000
    stamp = datetime.fromtimestamp(second, tz=UTC)
    same_instant = (
        stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        stamp.isoformat(),
        stamp.astimezone(timezone(timedelta(hours=2))).isoformat(),
        stamp.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    )
    for text in same_instant:
        data = client.get(path(server), params={"endDate": text, "limit": 100}).json()
        assert data["pagination"]["totalMessages"] == sum(
            1 for m in records if m.created_ms // 1000 < second
        )
        assert all(m["created_at"] < stamp.strftime("%Y-%m-%dT%H:%M:%SZ") for m in data["messages"])
        after = client.get(path(server), params={"startDate": text}).json()
        assert after["pagination"]["totalMessages"] == sum(
            1 for m in records if m.created_ms // 1000 > second
        )
    fraction = client.get(
        path(server), params={"endDate": stamp.strftime("%Y-%m-%dT%H:%M:%S.5Z")}
    ).json()
    assert fraction["pagination"]["totalMessages"] == sum(
        1 for m in records if m.created_ms // 1000 <= second
    )


def test_end_date_inclusive_knob(server: DemoServer) -> None:
    records = server.dataset.workspace_messages
    second = records[-60].created_ms // 1000
    stamp = datetime.fromtimestamp(second, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with DemoServer(dataset=server.dataset, workspace_end_date_inclusive=True) as inclusive:
        r = httpx.get(
            inclusive.base_url + path(inclusive),
            params={"endDate": stamp},
            headers={"Authorization": f"Bearer {inclusive.workspace_token}"},
        )
    assert r.json()["pagination"]["totalMessages"] == sum(
        1 for m in records if m.created_ms // 1000 <= second
    )


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"endDate": "last tuesday"}, 400),
        ({"startDate": "2026-13-01"}, 400),
        ({"page": "two"}, 400),
        ({"page": 0}, 400),
        ({"limit": "many"}, 400),
        ({"direction": "sideways"}, 400),
        ({"from": " 15551234567"}, 400),  # an unencoded '+' arrives as a space
    ],
)
def test_bad_parameters(
    client: httpx.Client, server: DemoServer, params: dict[str, object], status: int
) -> None:
    r = client.get(path(server), params=params)
    assert r.status_code == status
    body = r.json()
    assert body["error"] == "bad_request" and body["request_id"] == r.headers["x-request-id"]


def test_auth_and_membership(server: DemoServer) -> None:
    url = server.base_url
    good = {"Authorization": f"Bearer {server.workspace_token}"}
    cases = [
        (path(server), {}, 401),
        (path(server), {"Authorization": "Bearer nope"}, 401),
        (path(server), {"Authorization": f"Bearer {server.heymarket_token}"}, 401),
        (path(server, "ws_other"), good, 403),
        (path(server, "ws_missing"), good, 404),
        (path(server, "ws_missing"), {"Authorization": "Bearer nope"}, 401),
    ]
    for p, headers, status in cases:
        r = httpx.get(url + p, headers=headers)
        assert r.status_code == status, (p, headers)
        assert r.json()["status"] == status and r.headers["x-request-id"]
        assert server.workspace_token not in r.text
    assert httpx.post(url + path(server), headers=good).status_code == 405


def test_same_records_as_heymarket(client: httpx.Client, server: DemoServer) -> None:
    conv = server.dataset.biggest_threads(1)[0]
    hm = httpx.get(
        server.base_url + "/v1/messages",
        params={"phoneNumber": conv.contact, "inboxID": conv.inbox_id},
        headers={"Authorization": f"Bearer {server.heymarket_token}"},
    ).json()
    ws: dict[str, dict[str, str]] = {}
    for side in ("from", "to"):
        data = client.get(path(server), params={side: conv.contact_e164, "limit": 100}).json()
        ws.update({m["id"]: m for m in data["messages"]})
    for m in hm:
        if m["type"] == "private":
            continue
        twin = ws.get(f"msg_{m['id']}")
        assert twin is not None
        assert twin["body"] == m["text"] and twin["status"] == m["status"]
        assert twin["created_at"] == m["date"][:19] + "Z"
