"""The cache pager adapters drive the real widgets (ConversationList, ThreadView) in a
Textual pilot, offline: what phase 2 wires into InboxApp."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from test_store_support import contact_of, msg
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
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.open(tmp_path / "ui.sqlite3")
    # 80 conversations; conversation 3 has a long, fully cached thread.
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
    yield s
    await s.close()


async def _settle(pilot, predicate, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    """Pause until ``predicate()`` holds; fail after ``timeout`` wall-clock seconds."""
    deadline = time.monotonic() + timeout
    while True:
        await pilot.pause()
        if predicate():
            return
        if time.monotonic() > deadline:
            raise AssertionError("widget never reached the expected state")


async def test_conversation_list_pages_through_the_cache(store: Store) -> None:
    app = CacheApp()
    async with app.run_test(size=(100, 30)) as pilot:
        convs = CachedConversations(store, None, offline=True, page_size=25)
        app.rows.load(CacheConversationPager(convs))
        await _settle(pilot, lambda: len(app.rows.conversations) >= 25)
        expected = [c.key for c in await store.conversation_page(limit=1000)]
        while not app.rows.exhausted:
            app.rows.load_more()
            await _settle(pilot, lambda: not app.rows.is_loading)
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
        await _settle(pilot, lambda: len(app.view.messages) >= 40)
        for _ in range(20):
            if app.view.exhausted:
                break
            app.view.focus()
            await pilot.press("home")
            await pilot.press("pageup", "pageup", "pageup")
            await pilot.pause()
        await _settle(pilot, lambda: len(app.view.messages) == 240)
        got = [m.id for m in app.view.messages]
        assert got == [f"c3-m{n}" for n in range(240)]
