"""Every heymarket write and the conversation list send exactly the documented body
(inbox_tui/api/HEYMARKET_WRITES.md), checked on what the demo server received over loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest

from inbox_tui.api.auth import BearerToken
from inbox_tui.api.heymarket import HeymarketBackend
from inbox_tui.api.heymarket_conversations import ConversationList
from inbox_tui.api.http import HttpSettings
from inbox_tui.demo.dataset import DemoConversation, build_dataset
from inbox_tui.demo.server import DemoServer
from inbox_tui.errors import ApiError, WriteRefused
from inbox_tui.filters import Filters
from inbox_tui.models import Conversation

FAST = HttpSettings(connect_timeout=2, read_timeout=5, backoff_base=0.01, backoff_max=0.05)
ME = 7  # the demo member, in every demo inbox


@pytest.fixture
def server() -> Iterator[DemoServer]:
    with DemoServer(dataset=build_dataset(7, conversations=40, big_threads=())) as srv:
        yield srv


@pytest.fixture
async def backend(server: DemoServer) -> AsyncIterator[HeymarketBackend]:
    hm = HeymarketBackend(
        server.base_url, BearerToken(server.heymarket_token), member_id=ME, settings=FAST
    )
    yield hm
    await hm.aclose()


def conv_of(c: DemoConversation, **extra: object) -> Conversation:
    return Conversation(
        key=f"{c.inbox_id}:+{c.contact}",
        contact=c.contact,
        inbox_id=str(c.inbox_id),
        last_at=datetime.now(UTC),
        **extra,  # type: ignore[arg-type]
    )


def first_open(server: DemoServer) -> DemoConversation:
    return next(
        c
        for c in server.dataset.conversations
        if c.status == "open" and c.contact not in server.dataset.opted_out
    )


async def test_send_body_is_the_documented_one(
    backend: HeymarketBackend, server: DemoServer
) -> None:
    c = first_open(server)
    sent = await backend.send_message(conv_of(c), local_id="L-1", text="Hi there")
    note = await backend.send_message(conv_of(c), local_id="L-2", text="a note", private=True)
    assert server.writes == [
        (
            "/v1/message/send",
            {
                "inbox_id": c.inbox_id,
                "creator_id": ME,
                "phone_number": c.contact,  # digits, no "+"
                "text": "Hi there",
                "local_id": "L-1",
            },
        ),
        (
            "/v1/message/send",
            {
                "inbox_id": c.inbox_id,
                "creator_id": ME,
                "phone_number": c.contact,
                "text": "a note",
                "local_id": "L-2",
                "private": True,
            },
        ),
    ]
    assert sent.local_id == "L-1" and sent.body == "Hi there" and not sent.is_note
    assert note.is_note
    thread = server.dataset.thread(c.inbox_id, c.contact)
    assert [m.local_id for m in thread[-2:]] == ["L-1", "L-2"]
    assert thread[-1].type == "private" and thread[-1].user == ME


async def test_media_and_template_fields(backend: HeymarketBackend, server: DemoServer) -> None:
    c = first_open(server)
    await backend.send_message(conv_of(c), local_id="m", media_url="https://x.example/a.png")
    await backend.send_message(conv_of(c), local_id="t", template_id="501")
    bodies = [body for _, body in server.writes]
    assert bodies[0]["media_url"] == "https://x.example/a.png" and "text" not in bodies[0]
    assert bodies[1]["template_id"] == 501 and "text" not in bodies[1]
    with pytest.raises(WriteRefused):
        await backend.send_message(conv_of(c), local_id="empty")
    assert len(server.writes) == 2  # the empty one never left


async def test_close_open_read_reassign_bodies(
    backend: HeymarketBackend, server: DemoServer
) -> None:
    c = first_open(server)
    owner = c.assigned
    conv = conv_of(c, assigned_to=str(owner) if owner else None)
    await backend.set_closed(conv, True)
    assert c.status == "closed"
    await backend.set_closed(conv, False)
    assert c.status == "open"
    c.read = False
    await backend.set_read(conv, True)
    assert c.read is True
    new_owner = next(m for m in server.dataset.inbox(c.inbox_id).members if m != owner)
    await backend.reassign(conv, str(new_owner))
    assert c.assigned == new_owner
    target = {"inbox_id": c.inbox_id, "user_id": ME, "target": c.contact}
    assert server.writes == [
        ("/v1/conversations/close", target),
        ("/v1/conversations/open", target),
        ("/v1/conversations/read", target),
        (
            "/v1/conversations/reassign",
            {
                "inbox_id": c.inbox_id,
                "target": c.contact,
                "user_id": owner if owner else ME,  # the current owner
                "reassign_id": new_owner,
            },
        ),
    ]


async def test_mark_unread_is_refused_without_a_request(
    backend: HeymarketBackend, server: DemoServer
) -> None:
    with pytest.raises(WriteRefused, match="unread"):
        await backend.set_read(conv_of(first_open(server)), False)
    assert server.writes == []


async def test_no_member_id_no_write(server: DemoServer) -> None:
    hm = HeymarketBackend(server.base_url, BearerToken(server.heymarket_token), settings=FAST)
    try:
        assert not hm.capabilities.writes
        with pytest.raises(WriteRefused, match="member_id"):
            await hm.set_closed(conv_of(first_open(server)), True)
        assert server.writes == []
        assert server.stats.requests == 0
    finally:
        await hm.aclose()


async def test_conversation_list_pages_by_member_filters_and_updated(
    backend: HeymarketBackend, server: DemoServer
) -> None:
    assert backend.capabilities.writes
    pager = backend.conversations(Filters(), "413")
    assert isinstance(pager, ConversationList)
    seen: list[Conversation] = []
    bodies = []
    while not pager.exhausted:
        bodies.append(await pager.body())
        seen += await pager.next_page()
    expected = [c for c in server.dataset.conversations if c.inbox_id == 413]
    assert [c.contact for c in seen] == ["+" + c.contact for c in expected]
    assert server.stats.paths["/v1/conversations"] == pager.requests
    assert server.stats.paths.get("/v1/messages/all", 0) == 0  # no message walk
    assert all(b["id"] == ME and b["filters"] == {"inboxes": [413]} for b in bodies)
    # the cursor of each next page is the `updated` of the previous page's last row
    assert len(bodies) >= 2
    assert bodies[1]["date"] == _rfc3339(expected[min(49, len(expected) - 1)].updated_ms)
    first = seen[0]
    demo = expected[0]
    assert first.status == demo.status and first.closed == (demo.status == "closed")
    assert first.assigned_to == (str(demo.assigned) if demo.assigned else None)
    assert first.unread == (not demo.read)
    assert first.last_inbound_at is not None or first.replied_at is not None


def _rfc3339(ms: int) -> str:
    from inbox_tui.demo.times import rfc3339_ms

    return rfc3339_ms(ms)


async def test_list_server_filters_closed_and_all_inboxes(
    backend: HeymarketBackend, server: DemoServer
) -> None:
    pager = backend.conversations(Filters(), None, closed=True)
    body = await pager.body()
    assert body["filters"] == {"inboxes": [413, 414, 415], "closed": True}
    rows = await pager.next_page()
    assert rows and all(c.status == "closed" for c in rows)


async def test_without_member_id_the_walk_sends_no_conversations_request(
    server: DemoServer,
) -> None:
    """No member id: the message walk, and no enrichment call that would only get a 400."""
    hm = HeymarketBackend(server.base_url, BearerToken(server.heymarket_token), settings=FAST)
    try:
        page = await hm.conversations(Filters()).next_page()
        assert page
        assert server.stats.paths.get("/v1/conversations", 0) == 0
        assert server.stats.statuses.get(400, 0) == 0
    finally:
        await hm.aclose()


async def test_enrichment_sends_id_and_filters(
    backend: HeymarketBackend, server: DemoServer
) -> None:
    """With a member id and a filter that needs messages, the walk is enriched: the
    enrichment call carries `id` and `filters` and is answered (no silent 400)."""
    pager = backend.conversations(Filters(text="order"))
    page = await pager.next_page()
    assert server.stats.paths.get("/v1/conversations", 0) >= 1
    assert server.stats.statuses.get(400, 0) == 0
    assert any(c.status for c in page)


async def test_templates_and_opt_out(backend: HeymarketBackend, server: DemoServer) -> None:
    templates = await backend.templates()
    assert [t.id for t in templates] == ["501", "502", "503", "504", "505"]
    assert "{{first_name}}" in templates[0].text
    opted = next(iter(server.dataset.opted_out))
    assert await backend.contact_opted_out("+" + opted) is True
    assert await backend.contact_opted_out("+" + first_open(server).contact) is False


async def test_templates_page_thirty_at_a_time(
    backend: HeymarketBackend, server: DemoServer
) -> None:
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    server.dataset.templates[:] = [
        (900 + n, f"T{n}", f"text {n}", now_ms - n * 1000) for n in range(65)
    ]
    templates = await backend.templates()
    assert len(templates) == 65
    assert server.stats.paths["/v1/templates"] == 3


async def test_roster_lists_members_with_their_inboxes(backend: HeymarketBackend) -> None:
    roster = {m.id: m for m in await backend.roster()}
    assert set(roster["7"].inbox_ids) == {"413", "414", "415"}
    assert roster["1"].name == "Ada Li" and set(roster["1"].inbox_ids) == {"413", "415"}


async def test_refusals_are_typed_errors(backend: HeymarketBackend, server: DemoServer) -> None:
    c = first_open(server)
    elsewhere = next(i for i in (413, 414, 415) if i != c.inbox_id)
    wrong = conv_of(c).model_copy(update={"inbox_id": str(elsewhere)})
    with pytest.raises(ApiError) as raised:
        await backend.set_closed(wrong, True)
    assert raised.value.status == 404


async def test_the_walk_fallback_keeps_status_and_owner(server: DemoServer) -> None:
    """Without a member id the list comes from the message walk; each message's
    conversation object still gives the status and the owner."""
    hm = HeymarketBackend(server.base_url, BearerToken(server.heymarket_token), settings=FAST)
    try:
        page = await hm.conversations(Filters()).next_page()
    finally:
        await hm.aclose()
    for conv in page:
        demo = server.dataset.conversation(int(conv.inbox_id or 0), conv.contact)
        assert demo is not None
        assert conv.assigned_to == (str(demo.assigned) if demo.assigned else None)
        assert conv.closed == (demo.status == "closed")
