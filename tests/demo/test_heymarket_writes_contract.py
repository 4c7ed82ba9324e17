"""The demo server's heymarket writes, as documented: required fields (400 naming the one
missing), local_id idempotency, the acting member must belong to the inbox, and a fault
that commits a send and then loses its answer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from inbox_tui.demo.dataset import DemoConversation, build_dataset
from inbox_tui.demo.faults import FaultConfig
from inbox_tui.demo.server import DemoServer

SEND = "/v1/message/send"


@pytest.fixture
def server() -> Iterator[DemoServer]:
    with DemoServer(dataset=build_dataset(11, conversations=20, big_threads=())) as srv:
        yield srv


@pytest.fixture
def client(server: DemoServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {server.heymarket_token}"}
    with httpx.Client(base_url=server.base_url, headers=headers) as c:
        yield c


def conv(server: DemoServer) -> DemoConversation:
    ds = server.dataset
    return next(c for c in ds.conversations if c.contact not in ds.opted_out)


def send_body(c: DemoConversation, **extra: Any) -> dict[str, Any]:
    return {"inbox_id": c.inbox_id, "creator_id": 7, "phone_number": c.contact, **extra}


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        (SEND, ("inbox_id", "creator_id")),
        ("/v1/conversations/close", ("inbox_id", "user_id")),
        ("/v1/conversations/open", ("inbox_id", "user_id")),
        ("/v1/conversations/read", ("inbox_id", "user_id")),
        ("/v1/conversations/reassign", ("inbox_id", "target", "user_id", "reassign_id")),
    ],
)
def test_each_required_field_missing_is_a_clear_400(
    client: httpx.Client, server: DemoServer, path: str, fields: tuple[str, ...]
) -> None:
    c = conv(server)
    full = {
        "inbox_id": c.inbox_id,
        "creator_id": 7,
        "user_id": c.assigned or 7,
        "target": c.contact,
        "reassign_id": 7,
        "text": "x",
        "phone_number": c.contact,
    }
    for name in fields:
        body = {k: v for k, v in full.items() if k != name}
        r = client.post(path, json=body)
        assert r.status_code == 400, (path, name)
        assert name in r.json()["message"]
    assert {p for p, _ in server.writes} == {path}  # every body was recorded


def test_send_target_and_content_rules(client: httpx.Client, server: DemoServer) -> None:
    c = conv(server)
    for body, word in (
        (send_body(c, text="x", chat_id=c.id), "exactly one"),
        ({"inbox_id": c.inbox_id, "creator_id": 7, "text": "x"}, "exactly one"),
        (send_body(c), "text, template_id or media_url"),
        (send_body(c, text="x", phone_number="+" + c.contact), "without the plus"),
        ({**send_body(c, text="x"), "creator_id": 3 if c.inbox_id != 414 else 1}, "member"),
    ):
        r = client.post(SEND, json=body)
        assert r.status_code == 400 and word in r.json()["message"], body
    by_chat = client.post(
        SEND, json={"inbox_id": c.inbox_id, "creator_id": 7, "chat_id": c.id, "text": "hi"}
    )
    assert by_chat.status_code == 200
    assert set(by_chat.json()) == {"id", "date", "gallery_url"}


def test_local_id_makes_a_send_idempotent(client: httpx.Client, server: DemoServer) -> None:
    c = conv(server)
    before = len(server.dataset.thread(c.inbox_id, c.contact))
    first = client.post(SEND, json=send_body(c, text="once", local_id="abc"))
    again = client.post(SEND, json=send_body(c, text="once", local_id="abc"))
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert len(server.dataset.thread(c.inbox_id, c.contact)) == before + 1


def test_lost_fault_commits_then_loses_the_answer(client: httpx.Client, server: DemoServer) -> None:
    c = conv(server)
    before = len(server.dataset.thread(c.inbox_id, c.contact))
    server.set_faults(FaultConfig(schedule=("lost",), paths=(SEND,)))
    r = client.post(SEND, json=send_body(c, text="committed", local_id="L"))
    assert r.status_code == 502
    thread = server.dataset.thread(c.inbox_id, c.contact)
    assert len(thread) == before + 1 and thread[-1].local_id == "L"
    messages = client.get(
        "/v1/messages", params={"phoneNumber": c.contact, "inboxID": c.inbox_id}
    ).json()
    assert any(m["local_id"] == "L" for m in messages)


def test_reassign_needs_the_current_owner(client: httpx.Client, server: DemoServer) -> None:
    c = next(c for c in server.dataset.conversations if c.assigned is not None)
    others = [m for m in server.dataset.inbox(c.inbox_id).members if m != c.assigned]
    body = {"inbox_id": c.inbox_id, "target": c.contact, "reassign_id": others[0]}
    wrong = client.post("/v1/conversations/reassign", json={**body, "user_id": others[-1]})
    assert wrong.status_code == 400 and "current owner" in wrong.json()["message"]
    ok = client.post("/v1/conversations/reassign", json={**body, "user_id": c.assigned})
    assert ok.status_code == 200 and ok.json() == "ok"
    assert c.assigned == others[0]


def test_close_open_read_answer_ok(client: httpx.Client, server: DemoServer) -> None:
    c = conv(server)
    body = {"inbox_id": c.inbox_id, "user_id": 7, "chat_id": c.id}
    assert client.post("/v1/conversations/close", json=body).json() == "ok"
    assert c.status == "closed"
    assert client.post("/v1/conversations/open", json=body).json() == "ok"
    assert c.status == "open"
    c.read = False
    read = client.post(
        "/v1/conversations/read",
        json={"inbox_id": c.inbox_id, "user_id": 7, "target": c.contact},
    )
    assert read.json() == "ok" and c.read is True
    missing = client.post("/v1/conversations/close", json={"inbox_id": c.inbox_id, "user_id": 7})
    assert missing.status_code == 400 and "chat_id or target" in missing.json()["message"]


def test_opted_out_contacts(client: httpx.Client, server: DemoServer) -> None:
    out = sorted(server.dataset.opted_out)[0]
    status = client.post("/v1/contact/status", json={"phone": out}).json()
    assert status["unsubscribed"] is True and status["blocked"] is False
    assert set(status) == {"id", "phone", "unsubscribed", "blocked"}
    assert client.post("/v1/contact/status", json={}).status_code == 400
    c = next(c for c in server.dataset.conversations if c.contact == out)
    refused = client.post(SEND, json=send_body(c, text="hello"))
    assert refused.status_code == 403
    note = client.post(SEND, json=send_body(c, text="internal", private=True))
    assert note.status_code == 200  # a note never reaches the customer


def test_writes_are_listed_for_curl(client: httpx.Client, server: DemoServer) -> None:
    c = conv(server)
    client.post(SEND, json=send_body(c, text="hi", local_id="z"))
    listed = client.get("/_demo/writes").json()
    assert listed == [{"path": SEND, "body": send_body(c, text="hi", local_id="z")}]


def test_demo_member_belongs_to_every_visible_inbox(client: httpx.Client) -> None:
    inboxes = client.get("/v1/inboxes").json()
    assert all(7 in i["members"] for i in inboxes)
    team = client.get("/v1/team").json()
    assert {"id": 7, "name": "Demo User"}.items() <= next(
        m for m in team["members"] if m["id"] == 7
    ).items()
