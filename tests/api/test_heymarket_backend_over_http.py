"""The heymarket backend over real loopback HTTP against the demo server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from inbox_tui.api.auth import BearerToken, HeymarketJWT
from inbox_tui.api.heymarket import HeymarketBackend
from inbox_tui.api.http import HttpSettings
from inbox_tui.core.backend import Backend
from inbox_tui.demo.dataset import build_dataset
from inbox_tui.demo.server import DemoServer
from inbox_tui.errors import AuthError, NotFound
from inbox_tui.filters import Filters
from inbox_tui.models import Conversation, Direction

FAST = HttpSettings(connect_timeout=2, read_timeout=5, backoff_base=0.01, backoff_max=0.05)


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    """A smaller dataset than the session server (fast full walks), same generator: it has
    same-second bursts that straddle page boundaries."""
    with DemoServer(dataset=build_dataset(7, conversations=60, big_threads=(700,))) as srv:
        yield srv


@pytest.fixture
async def backend(server: DemoServer) -> AsyncIterator[HeymarketBackend]:
    auth = HeymarketJWT(server.heymarket_secret_id, server.heymarket_secret_key)
    hm = HeymarketBackend(server.base_url, auth, settings=FAST)
    yield hm
    await hm.aclose()


def conversation_of(inbox_id: int, contact_digits: str) -> Conversation:
    from datetime import UTC, datetime

    return Conversation(
        key=f"{inbox_id}:+{contact_digits}",
        contact=contact_digits,
        inbox_id=str(inbox_id),
        last_at=datetime.now(UTC),
    )


async def test_satisfies_backend_protocol(backend: HeymarketBackend) -> None:
    assert isinstance(backend, Backend)
    assert backend.kind == "heymarket" and "127.0.0.1" in backend.label
    assert backend.http is FAST


async def test_inboxes_and_team(backend: HeymarketBackend, server: DemoServer) -> None:
    inboxes = await backend.inboxes()
    assert [i.id for i in inboxes] == [str(i.id) for i in server.dataset.inboxes]
    assert all(i.phones and i.phones[0].startswith("+") for i in inboxes)
    members = await backend.team_members()
    assert {m.name for m in members} == {m.name for m in server.dataset.team_members}


async def test_legacy_api_key_works_too(server: DemoServer) -> None:
    hm = HeymarketBackend(server.base_url, BearerToken(server.heymarket_token), settings=FAST)
    assert await hm.inboxes()
    await hm.aclose()


async def test_thread_scrolls_back_to_the_first_message(
    backend: HeymarketBackend, server: DemoServer
) -> None:
    big = server.dataset.biggest_threads()[0]
    expected = server.dataset.thread(big.inbox_id, big.contact)
    assert len(expected) >= 700
    await backend.inboxes()  # learn own numbers
    pager = backend.thread(conversation_of(big.inbox_id, big.contact))
    batches = []
    while not pager.exhausted:
        batches.append(await pager.older())
    timeline = [m for batch in reversed(batches) for m in batch]
    assert [m.id for m in timeline] == [str(m.id) for m in expected]
    assert pager.complete and not pager.gaps
    # ⌈N/50⌉ pages, plus at most one extra request per burst straddling a boundary.
    assert pager.requests <= -(-len(expected) // 50) + 8
    first = timeline[0]
    assert first.conversation_key == f"{big.inbox_id}:+{big.contact}"
    assert first.own_number == "+" + big.own_number


async def test_messages_map_fields(backend: HeymarketBackend, server: DemoServer) -> None:
    demo = next(m for m in server.dataset.messages if m.user is not None and not m.is_note)
    note = next((m for m in server.dataset.messages if m.is_note), None)
    for wanted in filter(None, [demo, note]):
        pager = backend.thread(conversation_of(wanted.inbox_id, wanted.contact))
        found = None
        while found is None and not pager.exhausted:
            found = next((m for m in await pager.older() if m.id == str(wanted.id)), None)
        assert found is not None
        assert found.direction == Direction(wanted.direction)
        assert found.created_at == wanted.created_at
        assert found.body == wanted.text
        member = server.dataset.member(wanted.user)
        if member is not None and not wanted.author:
            assert found.author == member.name
        if wanted.is_note:
            assert found.kind == "private" and found.is_note


async def test_conversations_in_order_of_newest_message(
    backend: HeymarketBackend, server: DemoServer
) -> None:
    pager = backend.conversations(Filters())
    found: list[Conversation] = []
    while not pager.exhausted:
        found.extend(await pager.next_page())
    expected = server.dataset.conversations  # newest activity first
    assert [c.key for c in found] == [f"{c.inbox_id}:+{c.contact}" for c in expected]
    assert [c.last_at for c in found] == [c.updated_at for c in expected]
    by_key = {f"{c.inbox_id}:+{c.contact}": c for c in expected}
    for conv in found:
        demo = by_key[conv.key]
        assert conv.name == demo.name
        assert conv.status == demo.status
        assert conv.unread == (not demo.read)


async def test_conversations_filtered_by_inbox_and_before(
    backend: HeymarketBackend, server: DemoServer
) -> None:
    convs = server.dataset.conversations
    cut = convs[len(convs) // 2].updated_at
    pager = backend.conversations(Filters(before=cut), inbox_id="414")
    found: list[Conversation] = []
    while not pager.exhausted:
        found.extend(await pager.next_page())
    assert found and all(c.inbox_id == "414" and c.last_at < cut for c in found)
    keys = [c.key for c in found]
    assert len(keys) == len(set(keys))
    assert [c.last_at for c in found] == sorted((c.last_at for c in found), reverse=True)


async def test_first_conversation_page_walks_no_further_than_needed(
    backend: HeymarketBackend, server: DemoServer
) -> None:
    pager = backend.conversations(Filters())
    page = await pager.next_page()
    assert len(page) >= 50
    fiftieth = server.dataset.conversations[49].updated_at
    needed = sum(1 for m in server.dataset.messages if m.created_at >= fiftieth)
    assert pager.requests <= -(-needed // backend.page_size) + 2


async def test_count_and_latest(backend: HeymarketBackend, server: DemoServer) -> None:
    assert await backend.count(Filters()) == len(server.dataset.messages)
    cut = server.dataset.messages[100].created_at
    assert await backend.count(Filters(before=cut)) == sum(
        1 for m in server.dataset.messages if m.created_at < cut
    )
    assert await backend.count(Filters(text="hello")) is None
    assert await backend.count(Filters(), inbox_id="413") is None
    latest = await backend.latest()
    newest = server.dataset.messages[: backend.page_size]
    assert {m.id for m in latest} == {str(m.id) for m in newest}
    assert latest == sorted(latest, key=lambda m: m.sort_key)
    only_413 = await backend.latest("413")
    assert all(m.inbox_id == "413" for m in only_413)


async def test_server_filter_fields(backend: HeymarketBackend) -> None:
    from datetime import UTC, datetime

    f = Filters(before=datetime.now(UTC), text="x", direction=Direction.INBOUND)
    assert backend.server_filter_fields(f) == frozenset({"before"})


async def test_bad_credentials_are_auth_errors_with_request_id(server: DemoServer) -> None:
    hm = HeymarketBackend(server.base_url, BearerToken("wrong-token-123456"), settings=FAST)
    with pytest.raises(AuthError) as caught:
        await hm.inboxes()
    assert caught.value.status == 401 and caught.value.request_id
    assert "wrong-token-123456" not in str(caught.value)
    assert hm.stats.requests == 1
    await hm.aclose()
    bad_jwt = HeymarketJWT(server.heymarket_secret_id, "not-the-key-00000", clock=lambda: 1e9)
    hm = HeymarketBackend(server.base_url, bad_jwt, settings=FAST)
    with pytest.raises(AuthError):
        await hm.inboxes()
    await hm.aclose()


async def test_hidden_inbox_is_403_and_unknown_contact_404(backend: HeymarketBackend) -> None:
    with pytest.raises(AuthError) as caught:
        await backend.thread(conversation_of(999, "14155559999")).older()
    assert caught.value.status == 403 and caught.value.request_id
    assert caught.value.url == "/v1/messages"
    with pytest.raises(NotFound) as missing:
        await backend.thread(conversation_of(413, "19995550000")).older()
    assert missing.value.status == 404 and missing.value.request_id


async def test_thread_needs_an_inbox(backend: HeymarketBackend) -> None:
    from datetime import UTC, datetime

    conv = Conversation(key="+14155550000", contact="+14155550000", last_at=datetime.now(UTC))
    with pytest.raises(ValueError):
        backend.thread(conv)
