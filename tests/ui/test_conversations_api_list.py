"""The heymarket conversation list with a member id (``POST /v1/conversations``), in the app:
over loopback HTTP against a demo server started here, a real profile cache, Textual pilots.

* A server without the endpoint lists from the message walk, says so once, and the next
  start does not ask again (asserted on what the server received); a 500 or a 401 is an
  error with a retry, never a silent switch.
* Rows of that API carry no text: the visible ones get their preview from one request each
  (never more than the rows on screen), in place, the cursor staying where it was.
* Their ``last_inbound`` / ``replied`` are cached: waiting labels and the reply queue work
  offline, before any conversation's messages were fetched.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC

import pytest
from support.cached_app import PROFILE, store_factory
from support.wait import settle

from inbox_tui.api.auth import BearerToken
from inbox_tui.api.heymarket import HeymarketBackend
from inbox_tui.api.http import HttpSettings
from inbox_tui.config import Profile
from inbox_tui.core.offline import CacheOnlyBackend
from inbox_tui.demo.dataset import build_dataset
from inbox_tui.demo.faults import FaultConfig
from inbox_tui.demo.server import DemoServer
from inbox_tui.store import Store
from inbox_tui.ui.app import InboxApp
from inbox_tui.ui.screens.reply_queue import ReplyQueueScreen
from inbox_tui.ui.widgets.conversation_list import PREVIEW_PENDING

ME = 7  # the demo member
LIST, WALK, THREAD = "/v1/conversations", "/v1/messages/all", "/v1/messages"
SIZE = (120, 24)


@pytest.fixture
def server() -> Iterator[DemoServer]:
    with DemoServer(dataset=build_dataset(7, conversations=60, big_threads=())) as srv:
        yield srv


def app_of(
    base_url: str, token: str, *, member_id: int | None = ME, offline: bool = False
) -> InboxApp:
    settings = Profile(member_id=member_id, poll_seconds=3600)  # no poll during a test
    if offline:
        backend = CacheOnlyBackend()
    else:
        backend = HeymarketBackend(  # type: ignore[assignment]
            base_url, BearerToken(token), member_id=member_id, settings=HttpSettings(max_retries=0)
        )
    return InboxApp(
        backend,
        profile_name=PROFILE,
        store=store_factory(),
        settings=settings,
        offline=offline,
        tz=UTC,
    )


def notices(app: InboxApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def start_once(server: DemoServer) -> list[str]:
    """One run until the list is revalidated: what it said about the endpoint."""
    server.reset_stats()
    app = app_of(server.base_url, server.heymarket_token)
    async with app.run_test(size=SIZE) as pilot:
        listed = app.conversation_list
        await settle(pilot, lambda: len(listed.conversations) >= 10)
        await settle(pilot, lambda: app.header.cache_note == "")  # revalidated
        assert not app.banner.showing
        said = [n for n in notices(app) if "no conversations API" in n]
        await pilot.press("q")
    return said


@pytest.mark.parametrize("status", [404, 400])
async def test_a_server_without_the_conversations_api_lists_messages_and_remembers_it(
    server: DemoServer, status: int
) -> None:
    server.set_faults(FaultConfig(missing=(LIST,), missing_status=status))
    said = await start_once(server)
    assert server.stats.paths[LIST] == 1 and server.stats.paths[WALK] >= 1
    assert len(said) == 1 and f"HTTP {status}" in said[0], said
    # Remembered for this profile: the next start neither asks nor says it again.
    said = await start_once(server)
    assert server.stats.paths.get(LIST, 0) == 0
    assert server.stats.paths[WALK] >= 1 and said == []
    async with await Store.open_profile(PROFILE) as store:
        assert "POST /v1/conversations" in (await store.get_meta("missing_endpoints") or "")


async def test_a_500_is_an_error_not_a_fallback_and_ctrl_r_recovers(server: DemoServer) -> None:
    server.set_faults(FaultConfig(schedule=("500",), paths=(LIST,)))
    app = app_of(server.base_url, server.heymarket_token)
    async with app.run_test(size=SIZE) as pilot:
        listed = app.conversation_list
        await settle(pilot, lambda: app.banner.showing)
        assert app.banner.message.startswith("Server error (HTTP 500)"), app.banner.message
        assert server.stats.paths.get(WALK, 0) == 0  # no fallback
        assert not any("conversations API" in n for n in notices(app))
        await pilot.press("ctrl+r")  # the schedule is used up: the server answers again
        await settle(pilot, lambda: len(listed.conversations) >= 10 and not app.banner.showing)
        assert server.stats.paths[LIST] >= 2 and server.stats.paths.get(WALK, 0) == 0
        assert listed.conversations[0].status in ("open", "closed")  # rows of the API


async def test_refused_credentials_are_an_error_not_a_fallback(server: DemoServer) -> None:
    app = app_of(server.base_url, "not-the-token")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: app.banner.showing)
        assert app.banner.message.startswith("Authentication refused (HTTP 401)")
        assert server.stats.paths.get(WALK, 0) == 0


async def test_previews_of_visible_rows_only_filled_in_place(server: DemoServer) -> None:
    app = app_of(server.base_url, server.heymarket_token)
    async with app.run_test(size=SIZE) as pilot:
        listed = app.conversation_list
        await settle(pilot, lambda: len(listed.conversations) >= 30)
        await pilot.press("j", "j")
        chosen = listed.highlighted
        visible = listed.visible_conversations()
        assert 3 <= len(visible) < 20
        keys = {c.key for c in visible}

        def filled() -> bool:
            rows = [c for c in listed.conversations if c.key in keys]
            return all(c.last_message is not None for c in rows)

        await settle(pilot, filled)
        assert listed.cursor == 2 and listed.highlighted is not None
        assert chosen is not None and listed.highlighted.key == chosen.key
        asked = server.stats.paths[THREAD]
        assert 0 < asked <= len(visible)
        hidden = [c for c in listed.conversations if c.key not in keys]
        assert hidden and all(c.last_message is None for c in hidden[-10:])
        assert listed._preview(hidden[-1]) == PREVIEW_PENDING  # a neutral placeholder
        text = listed._preview(listed.conversations[0])
        assert text and text != PREVIEW_PENDING
        # Down a page and back: new rows are asked once; rows already filled never again.
        await pilot.press("pagedown")
        await settle(pilot, lambda: all(c.last_message for c in listed.visible_conversations()))
        after_scroll = server.stats.paths[THREAD]
        assert after_scroll <= asked + len(listed.visible_conversations())
        await pilot.press("home")
        await pilot.pause(0.6)
        await pilot.press("pagedown", "home")
        await pilot.pause(0.6)
        assert server.stats.paths[THREAD] == after_scroll
        # The thread of a filled row opens from the cache.
        await pilot.press("enter")
        await settle(pilot, lambda: len(app.thread.messages) > 0)


async def test_waiting_from_stored_last_inbound_works_offline(server: DemoServer) -> None:
    app = app_of(server.base_url, server.heymarket_token)
    async with app.run_test(size=SIZE) as pilot:
        listed = app.conversation_list
        await settle(pilot, lambda: len(listed.conversations) >= 20)
        await settle(pilot, lambda: app.header.cache_note == "")
        asked = server.stats.paths[THREAD]
        await pilot.press("q")
    assert asked < 20  # most conversations never had their messages fetched
    server.stop()
    async with await Store.open_profile(PROFILE) as store:
        convs = await store.conversation_page(limit=500)
        without_messages = {
            c.key for c in convs if c.last_message is None and c.last_inbound_at is not None
        }
        expected = {
            c.key
            for c in convs
            if c.key in without_messages
            and not c.is_closed
            and (c.replied_at is None or c.replied_at < c.last_inbound_at)  # type: ignore[operator]
        }
    assert expected, "the dataset has open conversations waiting on a reply"
    app = app_of("", "", offline=True)
    async with app.run_test(size=SIZE) as pilot:
        listed = app.conversation_list
        await settle(pilot, lambda: len(listed.conversations) >= 10)
        await settle(pilot, lambda: any(listed.waiting_label(c) for c in listed.conversations))
        labels = {c.key: listed.waiting_label(c) for c in listed.conversations}
        shown_waiting = {k for k, v in labels.items() if v is not None}
        assert shown_waiting & expected
        await pilot.press("w")
        await settle(pilot, lambda: isinstance(app.screen, ReplyQueueScreen) and app.screen.loaded)
        screen = app.screen
        assert isinstance(screen, ReplyQueueScreen)
        queued = {r.conversation.key for r in screen.rows}
        assert expected <= queued
        since = [r.since for r in screen.rows]
        assert since == sorted(since)  # oldest wait first
