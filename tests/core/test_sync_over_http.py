"""The cache + sync layer over real loopback HTTP against the demo server (both API styles):
restart with the server down, status changes merged, polling racing scroll-back."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from support.messages import ids, walk_back

from inbox_tui.api.auth import BearerToken
from inbox_tui.api.heymarket import HeymarketBackend
from inbox_tui.api.http import HttpSettings
from inbox_tui.api.workspace import WorkspaceBackend
from inbox_tui.core.backend import Backend
from inbox_tui.core.poller import Poller
from inbox_tui.core.sync import CachedConversations, CachedThread
from inbox_tui.demo.dataset import build_dataset
from inbox_tui.demo.server import DemoServer
from inbox_tui.errors import NetworkError
from inbox_tui.models import Conversation, Message
from inbox_tui.store import Store

FAST = HttpSettings(
    connect_timeout=1, read_timeout=3, max_retries=0, backoff_base=0.01, backoff_max=0.02
)
Factory = Callable[[DemoServer], Backend]


def workspace(srv: DemoServer) -> Backend:
    return WorkspaceBackend(
        srv.base_url, BearerToken(srv.workspace_token), srv.workspace_id, settings=FAST
    )


def heymarket(srv: DemoServer) -> Backend:
    return HeymarketBackend(srv.base_url, BearerToken(srv.heymarket_token), settings=FAST)


STYLES = [pytest.param(workspace, id="workspace"), pytest.param(heymarket, id="heymarket")]


def small_dataset():  # type: ignore[no-untyped-def]
    return build_dataset(7, conversations=30, big_threads=(260,))


async def all_conversations(convs: CachedConversations) -> list[Conversation]:
    await convs.revalidate(pages=1)
    while not convs.exhausted:
        await convs.more()
    return await convs.cached(limit=10_000)


def biggest(conversations: list[Conversation], srv: DemoServer) -> Conversation:
    contact = srv.dataset.biggest_threads(1)[0].contact_e164
    return next(c for c in conversations if c.contact == contact)


async def server_thread(backend: Backend, conv: Conversation) -> list[Message]:
    pager = backend.thread(conv)
    out: list[Message] = []
    while not pager.exhausted:
        out = (await pager.older()) + out
    return out


@pytest.mark.slow
@pytest.mark.parametrize("make", STYLES)
async def test_restart_with_cache_shows_the_same_inbox_with_the_server_down(
    make: Factory, tmp_path: Path
) -> None:
    path = tmp_path / "restart.sqlite3"
    with DemoServer(dataset=small_dataset()) as srv:
        backend = make(srv)
        store = await Store.open(path)
        convs = CachedConversations(store, backend)
        listed = await all_conversations(convs)
        assert len(listed) >= 20
        conv = biggest(listed, srv)
        thread = CachedThread(store, backend, conv)
        await thread.revalidate()
        seen = await walk_back(thread, limit=40)
        truth = await server_thread(backend, conv)
        assert ids(seen) == ids(truth) and len(seen) >= 200
        first_page = await convs.cached()
        word = next(w for m in seen for w in m.body.split() if w.isalpha() and len(w) > 4)
        await store.close()
        await backend.aclose()
        dead = make(srv)  # a client for the same address, used once the server is gone
    # Server stopped; a new process would open a new store object on the same file.
    store = await Store.open(path)
    try:
        with pytest.raises(NetworkError):
            await CachedConversations(store, dead).revalidate()
        await dead.aclose()
        offline = CachedConversations(store, None, offline=True)
        assert await offline.cached() == first_page
        assert len(await offline.cached(limit=10_000)) == len(listed)
        again = await walk_back(CachedThread(store, None, conv, offline=True), limit=40)
        assert again == seen
        hits = await store.search(word)
        assert hits and all(word.casefold() in h.snippet.casefold() for h in hits)
        assert (await store.thread_state(conv.key)).complete
    finally:
        await store.close()


@pytest.mark.slow
@pytest.mark.parametrize("make", STYLES)
async def test_status_changes_on_the_server_are_merged(make: Factory, store: Store) -> None:
    with DemoServer(dataset=small_dataset()) as srv:
        backend = make(srv)
        try:
            conv = biggest(await all_conversations(CachedConversations(store, backend)), srv)
            thread = CachedThread(store, backend, conv)
            await thread.revalidate()
            before = await thread.cached(limit=5)
            newest = before.messages[-1]
            demo = srv.dataset.biggest_threads(1)[0]
            target = next(
                m
                for m in srv.dataset.messages
                if m.conversation is demo and newest.id in (str(m.id), m.workspace_id)
            )
            target.status = "failed" if newest.status != "failed" else "delivered"
            changes = await thread.revalidate()
            assert [m.id for m in changes.updated] == [newest.id]
            assert not changes.inserted
            after = await thread.cached(limit=5)
            assert after.messages[-1].status == target.status
            assert ids(after.messages) == ids(before.messages)
        finally:
            await backend.aclose()


@pytest.mark.slow
@pytest.mark.parametrize("make", STYLES)
async def test_polling_racing_scroll_back_never_duplicates(make: Factory, store: Store) -> None:
    with DemoServer(dataset=small_dataset()) as srv:
        backend = make(srv)
        try:
            conv = biggest(await all_conversations(CachedConversations(store, backend)), srv)
            poller = Poller(store, backend)
            thread = CachedThread(store, backend, conv, page_size=25)

            async def poll_repeatedly() -> int:
                for _ in range(12):
                    await poller.poll_once()
                    await asyncio.sleep(0)
                return poller.polls

            async def revalidate_repeatedly() -> None:
                for _ in range(5):
                    await thread.revalidate()
                    await asyncio.sleep(0.01)

            walked, polls, _ = await asyncio.gather(
                walk_back(thread, limit=15), poll_repeatedly(), revalidate_repeatedly()
            )
            assert polls == 12
            truth = await server_thread(backend, conv)
            assert ids(walked) == ids(truth)
            assert len(set(ids(walked))) == len(walked)
            assert await store.count_messages(conv.key) == len(truth)
            total = await store.count_messages()
            distinct = await store.read(
                lambda c: c.execute("SELECT count(DISTINCT source || id) FROM messages").fetchone()
            )
            assert distinct == (total,)
        finally:
            await backend.aclose()
