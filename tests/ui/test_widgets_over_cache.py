"""The cache pager adapters drive the real widgets (ConversationList, ThreadView) in a
Textual pilot, offline: what phase 2 wires into InboxApp."""

from __future__ import annotations

import pytest
from support.messages import contact_of, msg
from support.wait import settle
from textual.app import App, ComposeResult

from inbox_tui.core.sync import (
    CacheConversationPager,
    CachedConversations,
    CachedThread,
    CacheMessagePager,
)
from inbox_tui.models import Conversation
from inbox_tui.store import MessagePosition, Store, ThreadState
from inbox_tui.ui.widgets.conversation_list import ConversationList
from inbox_tui.ui.widgets.thread_view import ThreadView


class CacheApp(App[None]):
    def compose(self) -> ComposeResult:
        self.rows = ConversationList(id="list")
        self.view = ThreadView(id="thread")
        yield self.rows
        yield self.view


@pytest.fixture
async def store(store: Store) -> Store:
    """The shared cache with 80 conversations; conversation 3 has a long, fully cached
    thread."""
    s = store
    await s.upsert_messages([msg(c, 0, seconds=c * 100) for c in range(80)])
    await s.upsert_messages([msg(3, n, seconds=300 + n) for n in range(1, 240)])
    thread = [msg(3, 0, seconds=300)]
    await s.set_thread_state(
        ThreadState(
            contact_of(3),
            MessagePosition.of(thread[0]),
            MessagePosition.of(msg(3, 239, seconds=539)),
            True,
        )
    )
    return s


async def test_conversation_list_pages_through_the_cache(store: Store) -> None:
    app = CacheApp()
    async with app.run_test(size=(100, 30)) as pilot:
        convs = CachedConversations(store, None, offline=True, page_size=25)
        app.rows.load(CacheConversationPager(convs))
        await settle(pilot, lambda: len(app.rows.conversations) >= 25)
        expected = [c.key for c in await store.conversation_page(limit=1000)]
        while not app.rows.exhausted:
            app.rows.load_more()
            await settle(pilot, lambda: not app.rows.is_loading)
        assert [c.key for c in app.rows.conversations] == expected
        assert len(expected) == 80


async def test_thread_view_scrolls_back_through_the_cache(store: Store) -> None:
    app = CacheApp()
    async with app.run_test(size=(100, 30)) as pilot:
        conv = await store.get_conversation(contact_of(3))
        assert isinstance(conv, Conversation)
        thread = CachedThread(store, None, conv, offline=True, page_size=40)
        first = await thread.cached()
        pager = CacheMessagePager(
            thread, start=first.cursor, top=MessagePosition.of(first.messages[-1])
        )
        app.view.show(conv, pager, initial=first.messages)
        await settle(pilot, lambda: len(app.view.messages) >= 40)
        for _ in range(20):
            if app.view.exhausted:
                break
            app.view.focus()
            await pilot.press("home")
            await pilot.press("pageup", "pageup", "pageup")
            await pilot.pause()
        await settle(pilot, lambda: len(app.view.messages) == 240)
        got = [m.id for m in app.view.messages]
        assert got == [f"c3-m{n}" for n in range(240)]
