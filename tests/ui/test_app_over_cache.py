"""The app over the real SQLite cache and a real loopback DemoServer: stale-while-revalidate,
restart with the server down (--offline), search into a thread, header cache age."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from support.cached_app import (
    PROFILE,
    backend_for,
    offline_app,
    online_app,
    populate,
    store_factory,
)
from support.wait import settle

from inbox_tui.api.auth import BearerToken
from inbox_tui.api.heymarket import HeymarketBackend
from inbox_tui.api.http import HttpSettings
from inbox_tui.config import Profile
from inbox_tui.demo.server import DemoServer
from inbox_tui.ui.app import InboxApp
from inbox_tui.ui.screens.search import SearchScreen
from inbox_tui.ui.timefmt import cache_age_text
from inbox_tui.ui.widgets.status_bar import Connection


async def test_restart_offline_shows_the_same_inbox_and_search_finds_a_seen_word(
    server: DemoServer,
) -> None:
    keys, opened_key, message_id, word = await populate(server)
    server.stop()

    app = offline_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, lambda: len(app.conversation_list.conversations) >= 10)
        assert [c.key for c in app.conversation_list.conversations[:10]] == keys
        assert app.header.state is Connection.OFFLINE
        assert app.header.cache_note.startswith("cache from ")
        assert f"{PROFILE}:" in app.header.render_text(with_backend=True).plain

        await pilot.press("slash")
        await settle(pilot, lambda: isinstance(app.screen, SearchScreen))
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        await pilot.press(*word)
        await settle(pilot, lambda: any(h.message_id == message_id for h in screen.hits))
        index = next(n for n, h in enumerate(screen.hits) if h.message_id == message_id)
        await pilot.press("down")
        for _ in range(index):
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot, lambda: not isinstance(app.screen, SearchScreen))
        await settle(
            pilot,
            lambda: (
                app.thread.selected_message is not None
                and app.thread.selected_message.id == message_id
            ),
        )
        assert app.thread.conversation is not None
        assert app.thread.conversation.key == opened_key
        ids = [m.id for m in app.thread.messages]
        assert len(ids) == len(set(ids))


async def test_offline_sends_no_request(server: DemoServer) -> None:
    await populate(server)
    server.reset_stats()
    # Even with a real backend pointed at the live server, offline mode must not use it.
    app = InboxApp(backend_for(server), profile_name=PROFILE, offline=True, store=store_factory())
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, lambda: len(app.conversation_list.conversations) >= 10)
        await pilot.press("enter")
        await settle(pilot, lambda: len(app.thread.messages) > 0)
        await pilot.press("G", "k", "k", "home", "pageup", "ctrl+r")
        await pilot.press("slash", "h", "i", "escape")
        await pilot.pause(0.3)
    assert server.stats.requests == 0


async def test_cached_list_paints_first_then_revalidates(server: DemoServer) -> None:
    await populate(server)
    # A conversation the cache has never seen arrives on the server.
    server.add_message(413, "+14155550999", "brand new customer hello")
    app = online_app(server)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, lambda: len(app.conversation_list.conversations) >= 10)
        await settle(
            pilot,
            lambda: app.conversation_list.conversations[0].contact.endswith("4155550999"),
        )
        top = app.conversation_list.conversations[0]
        assert top.unread or top.last_message is not None
        await settle(pilot, lambda: app.header.cache_note == "")  # revalidated
        keys = [c.key for c in app.conversation_list.conversations]
        assert len(keys) == len(set(keys))


async def test_status_change_merges_into_the_open_thread(server: DemoServer) -> None:
    await populate(server)
    app = online_app(server)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, lambda: len(app.conversation_list.conversations) >= 10)
        await pilot.press("j", "enter")
        await settle(pilot, lambda: len(app.thread.messages) >= 5 and not app.thread.fetching)
        conv = app.thread.conversation
        assert conv is not None
        shown = app.thread.messages
        target = shown[-1]
        demo = next(m for m in server.dataset.messages if str(m.id) == target.id)
        new_status = "failed" if target.status != "failed" else "delivered"
        demo.status = new_status
        demo.updated_ms += 1000
        await pilot.press("ctrl+r")
        await settle(
            pilot,
            lambda: any(m.id == target.id and m.status == new_status for m in app.thread.messages),
        )
        after = app.thread.messages
        assert [m.id for m in after] == [m.id for m in shown]  # no duplicate, no reorder


def test_cache_age_text() -> None:
    now = datetime(2026, 3, 10, 22, 44, tzinfo=UTC)
    assert cache_age_text(now - timedelta(minutes=3), now, offline=False) == "cached 3m ago"
    assert cache_age_text(now - timedelta(seconds=5), now, offline=False) == "cached just now"
    assert cache_age_text(now - timedelta(hours=5), now, offline=False) == "cached 5h ago"
    synced = datetime(2026, 3, 10, 22, 41, tzinfo=UTC)
    assert cache_age_text(synced, now, offline=True, tz=UTC) == "cache from 22:41"
    older = datetime(2026, 3, 8, 9, 5, tzinfo=UTC)
    assert cache_age_text(older, now, offline=True, tz=UTC) == "cache from Mar 8 09:05"
    assert cache_age_text(None, now, offline=True) == "cache: never synced"


async def test_header_says_cached_age_before_the_server_answers(server: DemoServer) -> None:
    await populate(server)
    backend = HeymarketBackend(
        server.base_url, BearerToken(server.heymarket_token), settings=HttpSettings(max_retries=0)
    )
    server.stop()  # online mode, but the server is gone: the cache stays on screen
    clock_now = datetime.now(UTC) + timedelta(minutes=7)
    app = InboxApp(
        backend,
        profile_name=PROFILE,
        store=store_factory(),
        clock=lambda: clock_now,
        settings=Profile(poll_seconds=1),  # the poller finds the server gone within a second
    )
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, lambda: len(app.conversation_list.conversations) >= 10)
        # Unreachable, not broken: offline since then, the cache on screen (issue 11).
        await settle(pilot, lambda: app.header.state is Connection.OFFLINE, timeout=60)
        assert app.header.detail.startswith("offline since ")
        assert re.fullmatch(r"cached \d+m ago", app.header.cache_note), app.header.cache_note
        assert app.header.cache_note in app.header.render_text(with_backend=True).plain


async def test_offline_thread_says_when_older_messages_are_not_cached(
    server: DemoServer,
) -> None:
    await populate(server)
    server.stop()
    app = offline_app()
    async with app.run_test(size=(120, 36)) as pilot:
        rows = app.conversation_list
        await settle(pilot, lambda: len(rows.conversations) >= 10)
        # The 6th conversation was never opened: only its last message is cached.
        rows.select(5)
        await pilot.press("enter")
        await settle(pilot, lambda: app.thread.exhausted)
        assert "not in the cache" in app.thread.status_text()


async def test_opening_a_never_synced_thread_shows_what_arrived_meanwhile(
    server: DemoServer,
) -> None:
    await populate(server)
    app = online_app(server)
    async with app.run_test(size=(120, 36)) as pilot:
        rows = app.conversation_list
        await settle(pilot, lambda: len(rows.conversations) >= 10)
        await settle(pilot, lambda: app.header.cache_note == "")
        if app.poller is not None:
            app.poller.pause()  # only the thread's own revalidation may bring it
        conv = rows.conversations[7]
        server.add_message(int(conv.inbox_id or 413), conv.contact, "arrived while away")
        app.open_conversation(conv)
        await settle(
            pilot, lambda: any(m.body == "arrived while away" for m in app.thread.messages)
        )
        await settle(pilot, lambda: not app.thread.fetching)
        ids = [m.id for m in app.thread.messages]
        assert len(ids) == len(set(ids))
        assert app.thread.messages[-1].body == "arrived while away"


async def test_scroll_back_is_served_by_the_cache_inside_the_complete_range(
    server: DemoServer,
) -> None:
    server.add_message(414, "+14045551730", "bring me to the top")  # a 65-message thread

    async def read_to_the_beginning(app: InboxApp, pilot: Any) -> list[str]:
        rows = app.conversation_list
        await settle(pilot, lambda: len(rows.conversations) >= 5)
        await settle(pilot, lambda: rows.conversations[0].contact.endswith("4045551730"))
        rows.select(0)
        rows.focus()
        await pilot.press("enter")
        await settle(pilot, lambda: len(app.thread.messages) > 0)
        for _ in range(40):
            if app.thread.exhausted and not app.thread.fetching:
                break
            await pilot.press("home", "pageup")
            await pilot.pause(0.05)
        await settle(pilot, lambda: app.thread.exhausted and not app.thread.fetching)
        return [m.id for m in app.thread.messages]

    server.reset_stats()
    first = online_app(server)
    async with first.run_test(size=(120, 36)) as pilot:
        ids = await read_to_the_beginning(first, pilot)
    assert len(ids) == 65
    assert server.stats.paths["/v1/messages"] >= 2  # the first time, pages from the server

    server.reset_stats()
    second = online_app(server)
    async with second.run_test(size=(120, 36)) as pilot:
        again = await read_to_the_beginning(second, pilot)
        await pilot.pause(0.3)
    assert again == ids
    # Only the revalidation of the thread's newest page went to the server.
    assert server.stats.paths["/v1/messages"] <= 1, server.stats.paths
