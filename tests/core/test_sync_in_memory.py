"""Stale-while-revalidate and polling against an in-memory backend driven by the real
TimelinePager (so resuming from the cache's cursor is exercised for real)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from support.fake_backend import MemoryBackend
from support.messages import T0, contact_of, ids, msg, walk_back
from support.wait import wait_for

from inbox_tui.api.pager import TimelinePager
from inbox_tui.core.backend import Capabilities
from inbox_tui.core.poller import Poller, PollResult, PollState
from inbox_tui.core.sync import CachedConversations, CachedThread
from inbox_tui.errors import AuthError, NetworkError, RateLimited, ServerError
from inbox_tui.filters import Filters
from inbox_tui.models import Conversation, Message
from inbox_tui.store import MessagePosition, Store


class OldBackend(MemoryBackend):
    """A backend whose ``thread`` cannot resume from a cursor (walks from the top)."""

    capabilities = Capabilities(count=True)

    def thread(self, conversation: Conversation, filters: Filters | None = None) -> TimelinePager:  # type: ignore[override]
        return super().thread(conversation, filters)


def conv_of(m: Message) -> Conversation:
    return Conversation(key=m.conversation_key, contact=m.contact, last_at=m.created_at)


# -- threads ---------------------------------------------------------------------------


async def test_cached_then_revalidate_then_cached_again(store: Store) -> None:
    server = [msg(1, n) for n in range(25)]
    backend = MemoryBackend(server)
    thread = CachedThread(store, backend, conv_of(server[0]), page_size=10)
    first = await thread.cached()
    assert first.messages == [] and first.from_cache and first.synced_at is None
    changes = await thread.revalidate()
    got = len(changes.inserted)
    assert 0 < got <= 10 and backend.fetches == 1
    assert ids(changes.inserted) == ids(server[-got:])
    shown = await thread.cached()
    assert shown.messages == server[-got:] and shown.synced_at is not None
    # Nothing new: one request, no changes.
    again = await thread.revalidate()
    assert not again.changed and backend.fetches == 2


async def test_scroll_back_asks_the_server_only_beyond_the_known_range(store: Store) -> None:
    server = [msg(1, n, seconds=n // 4) for n in range(47)]  # bursts in the same second
    backend = MemoryBackend(server, page_size=10)
    thread = CachedThread(store, backend, conv_of(server[0]), page_size=10)
    await thread.revalidate()
    walked = await walk_back(thread, limit=6)
    assert ids(walked) == ids(sorted(server, key=lambda m: m.sort_key))
    state = await thread.state()
    assert state.complete and state.oldest == MessagePosition.of(server[0])
    used = backend.fetches
    assert used <= 8  # five pages of ten, plus the revalidation overlap
    # A new view of the same thread (e.g. after a restart) scrolls back from cache only.
    again = CachedThread(store, backend, conv_of(server[0]))
    assert ids(await walk_back(again, limit=9)) == ids(walked)
    assert backend.fetches == used
    assert (await again.older(MessagePosition.of(server[0]))).complete


async def test_revalidate_merges_new_messages_and_status_changes(store: Store) -> None:
    server = [msg(1, n, status="queued", inbound=False) for n in range(8)]
    backend = MemoryBackend(server)
    thread = CachedThread(store, backend, conv_of(server[0]))
    await thread.revalidate()
    backend.set_status("c1-m7", "delivered")
    backend.set_status("c1-m6", "failed")
    backend.add(msg(1, 8, body="fresh"))
    changes = await thread.revalidate()
    assert ids(changes.inserted) == ["c1-m8"]
    assert sorted(ids(changes.updated)) == ["c1-m6", "c1-m7"]
    page = await thread.cached()
    assert [m.status for m in page.messages[-3:]] == ["failed", "delivered", "received"]
    assert len(page.messages) == 9 == len(set(ids(page.messages)))


async def test_a_gap_above_the_cache_is_never_shown_as_complete(store: Store) -> None:
    server = [msg(1, n) for n in range(20)]
    backend = MemoryBackend(server, page_size=5)
    thread = CachedThread(store, backend, conv_of(server[0]), max_revalidate_pages=2)
    await thread.revalidate()
    await walk_back(thread, limit=7)
    assert (await thread.state()).complete
    # While away, 30 messages arrive: more than two revalidation pages can reach.
    backend.add(*[msg(1, n) for n in range(20, 50)])
    await thread.revalidate()
    state = await thread.state()
    assert not state.complete and state.oldest is not None
    assert state.oldest > MessagePosition.of(msg(1, 30))  # the old range is no longer joined
    walked = await walk_back(thread, limit=8)
    assert ids(walked) == [f"c1-m{n}" for n in range(50)]
    assert (await thread.state()).complete


async def test_backend_without_resume_still_fills_the_cache(store: Store) -> None:
    server = [msg(1, n) for n in range(23)]
    backend = OldBackend(server, page_size=5)
    thread = CachedThread(store, backend, conv_of(server[0]), page_size=5)
    await thread.revalidate()
    # A fresh object has no live pager: the old API walks from the top, skipping the cache.
    other = CachedThread(store, backend, conv_of(server[0]), page_size=5)
    assert ids(await walk_back(other, limit=4)) == ids(server)
    assert (await other.state()).complete


async def test_offline_reads_only_the_cache(store: Store) -> None:
    server = [msg(1, n) for n in range(12)]
    backend = MemoryBackend(server, page_size=5)
    await CachedThread(store, backend, conv_of(server[0])).revalidate()
    backend.fail = NetworkError("down")
    fetches = backend.fetches
    offline = CachedThread(store, backend, conv_of(server[0]), offline=True)
    assert not (await offline.revalidate()).changed
    page = await offline.older(limit=50)
    cached = await store.count_messages()
    assert 0 < cached < 12
    assert page.messages == server[-cached:] and page.from_cache and not page.complete
    no_backend = CachedThread(store, None, conv_of(server[0]))
    assert (await no_backend.older(limit=3)).messages == server[-3:]
    assert backend.fetches == fetches


async def test_server_errors_reach_the_caller_and_leave_the_cache_intact(store: Store) -> None:
    server = [msg(1, n) for n in range(12)]
    backend = MemoryBackend(server, page_size=5)
    thread = CachedThread(store, backend, conv_of(server[0]))
    await thread.revalidate()
    before = await thread.state()
    backend.fail = ServerError("boom", status=503)
    with pytest.raises(ServerError):
        await thread.older(MessagePosition.of(server[-5]), 5)
    assert await thread.state() == before
    backend.fail = None
    assert ids(await walk_back(thread, limit=7)) == ids(server)


async def test_search_hit_opens_its_neighbourhood(store: Store) -> None:
    server = [msg(1, n, body=f"note {n}" + (" needle" if n == 7 else "")) for n in range(20)]
    backend = MemoryBackend(server, page_size=50)
    thread = CachedThread(store, backend, conv_of(server[0]))
    await thread.revalidate()
    [hit] = await store.search("needle")
    page = await thread.around(hit.cursor, before=2, after=2)
    assert ids(page.messages) == [f"c1-m{n}" for n in range(5, 10)]


# -- conversations ---------------------------------------------------------------------


async def test_cached_conversations_revalidate_and_more(store: Store) -> None:
    server = [msg(c, n, seconds=c * 1000 + n) for c in range(8) for n in range(2)]
    backend = MemoryBackend(server)
    convs = CachedConversations(store, backend, page_size=5)
    assert await convs.cached() == [] and await convs.synced_at() is None
    changes = await convs.revalidate(pages=2)
    assert changes.new_keys == [contact_of(c) for c in (7, 6, 5, 4, 3, 2)]
    assert await convs.synced_at() is not None
    first = await convs.cached()
    assert [c.key for c in first] == [contact_of(c) for c in (7, 6, 5, 4, 3)]
    assert first[0].name == f"Name {contact_of(7)}"
    rest = await convs.cached(after=first[-1])
    assert [c.key for c in rest] == [contact_of(2)]
    more = await convs.more()
    assert more.new_keys == [contact_of(1), contact_of(0)]
    assert not (await convs.more()).changed and convs.exhausted
    # A conversation that moved is reported as changed.
    backend.add(msg(0, 99, seconds=99_999))
    again = await convs.revalidate()
    assert again.changed_keys == [contact_of(0)] and not again.new_keys
    assert (await convs.cached())[0].key == contact_of(0)
    offline = CachedConversations(store, None)
    assert len(await offline.cached(limit=100)) == 8
    assert not (await offline.revalidate()).changed


# -- polling ---------------------------------------------------------------------------


async def test_poll_merges_marks_unread_and_never_duplicates(store: Store) -> None:
    backend = MemoryBackend([msg(1, n) for n in range(4)], page_size=10)
    poller = Poller(store, backend, poll_seconds=0.01)
    first = await poller.poll_once()
    assert first.initial and len(first.inserted) == 4
    await store.set_unread(contact_of(1), False)  # the user read it
    backend.add(msg(2, 10, inbound=True), msg(3, 11, inbound=True), msg(1, 12, inbound=False))
    poller.active_key = contact_of(3)  # the user is reading conversation 3
    result = await poller.poll_once()
    assert not result.initial
    assert set(result.new_inbound) == {contact_of(2), contact_of(3)}
    page = await store.conversation_page()
    assert [c.key for c in page][:3] == [contact_of(1), contact_of(3), contact_of(2)]
    unread = {c.key: c.unread for c in page}
    assert unread[contact_of(2)] and not unread[contact_of(3)] and not unread[contact_of(1)]
    backend.set_status("c1-m12", "failed")
    third = await poller.poll_once()
    assert ids(third.updated) == ["c1-m12"] and not third.inserted
    assert await store.count_messages() == 7


async def test_backoff_is_exponential_capped_then_offline_then_recovers(store: Store) -> None:
    backend = MemoryBackend([msg(1, 0)])
    poller = Poller(store, backend, poll_seconds=10, max_backoff=60, offline_after=3)
    assert poller.next_delay() == 10
    backend.fail = ServerError("busy", status=503)
    delays = []
    for _ in range(4):
        await poller._tick()
        delays.append(poller.next_delay())
    assert delays == [20, 40, 60, 60] and poller.state is PollState.BACKOFF
    backend.fail = NetworkError("unreachable")
    await poller._tick()  # fifth consecutive failure, a network one
    assert poller.state is PollState.OFFLINE
    backend.fail = RateLimited("slow down", retry_after=33)
    await poller._tick()
    assert poller.next_delay() == 33
    backend.fail = None
    await poller._tick()
    assert poller.state is PollState.RUNNING and poller.errors == 0 and poller.next_delay() == 10


async def test_refused_token_pauses_polling(store: Store) -> None:
    backend = MemoryBackend([msg(1, 0)])
    errors: list[tuple[str, PollState]] = []
    poller = Poller(store, backend, on_error=lambda e, s: errors.append((type(e).__name__, s)))
    backend.fail = AuthError("token refused", status=401)
    await poller._tick()
    assert poller.state is PollState.PAUSED and errors == [("AuthError", PollState.PAUSED)]


async def test_run_loop_reports_results_and_survives_errors(store: Store) -> None:
    backend = MemoryBackend([msg(1, 0)])
    results: list[PollResult] = []
    errors: list[PollState] = []

    async def on_result(result: PollResult) -> None:
        results.append(result)

    poller = Poller(
        store,
        backend,
        poll_seconds=0.01,
        max_backoff=0.02,
        on_result=on_result,
        on_error=lambda e, s: errors.append(s),
    )
    poller.start()
    try:
        await wait_for(None, lambda: len(results) >= 2)
        backend.fail = NetworkError("blip")
        await wait_for(None, lambda: len(errors) >= 2)
        backend.fail = None
        backend.add(msg(9, 50, inbound=True))
        await wait_for(None, lambda: any(contact_of(9) in r.new_inbound for r in results))
        poller.pause()
        calls = backend.latest_calls
        await asyncio.sleep(0.05)
        assert backend.latest_calls <= calls + 1
        poller.resume()
        await wait_for(None, lambda: backend.latest_calls > calls + 1)
    finally:
        await poller.stop()
    assert poller.state is PollState.IDLE
    assert await store.count_messages() == 2


async def test_polling_racing_scroll_back_never_duplicates(store: Store) -> None:
    server = [msg(1, n, seconds=n // 3) for n in range(120)]
    backend = MemoryBackend(server, page_size=8)
    poller = Poller(store, backend)
    thread = CachedThread(store, backend, conv_of(server[0]), page_size=8)

    async def poll_and_grow() -> None:
        for k in range(15):
            backend.add(msg(1, 200 + k, seconds=500 + k))
            await poller.poll_once()

    walked, _ = await asyncio.gather(walk_back(thread, limit=5), poll_and_grow())
    assert len(ids(walked)) == len(set(ids(walked)))
    assert ids(walked)[:120] == ids(sorted(server, key=lambda m: m.sort_key))
    assert await store.count_messages() == 135
    await thread.revalidate()
    final = await walk_back(CachedThread(store, None, conv_of(server[0])), limit=50)
    assert ids(final) == ids(sorted(backend.data.values(), key=lambda m: m.sort_key))


def test_helpers_time_base() -> None:
    assert msg(1, 1).created_at - msg(1, 0).created_at == timedelta(minutes=1)
    assert msg(1, 0).created_at == T0


async def test_pager_adapters_serve_widgets_from_the_cache(store: Store) -> None:
    from inbox_tui.core.sync import CacheConversationPager, CacheMessagePager

    server = [msg(c, n, seconds=c * 1000 + n) for c in range(7) for n in range(12)]
    backend = MemoryBackend(server, page_size=5)
    convs = CachedConversations(store, backend, page_size=3)
    pager = CacheConversationPager(convs)
    listed: list[Conversation] = []
    while not pager.exhausted:
        listed += await pager.next_page()
    assert [c.key for c in listed] == [contact_of(c) for c in range(6, -1, -1)]

    thread = CachedThread(store, backend, conv_of(server[0]), page_size=4)
    await thread.revalidate()
    shown = await thread.cached()
    mp = CacheMessagePager(thread, start=shown.cursor, top=MessagePosition.of(shown.messages[-1]))
    got = list(shown.messages)
    while not mp.exhausted:
        got = (await mp.older()) + got
    assert ids(got) == [f"c0-m{n}" for n in range(12)]
    backend.add(msg(0, 50), msg(0, 51))
    assert ids(await mp.newer()) == ["c0-m50", "c0-m51"]
    assert await mp.newer() == []
