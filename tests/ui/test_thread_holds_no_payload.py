"""The open thread holds its messages without the vendor payload (a third of each
message's memory on a long thread); the detail screen still shows the payload, read back
from the cache."""

from __future__ import annotations

from support.cached_app import PROFILE, backend_for, store_factory
from support.wait import settle
from textual.widgets import Static

from inbox_tui.compact import CompactMessage
from inbox_tui.demo.server import DemoServer
from inbox_tui.ui.app import InboxApp
from inbox_tui.ui.screens.detail import DetailScreen


async def test_thread_messages_carry_no_payload_but_the_detail_screen_shows_it(
    server: DemoServer,
) -> None:
    app = InboxApp(backend_for(server), profile_name=PROFILE, store=store_factory())
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, lambda: len(app.conversation_list.conversations) >= 5)
        await pilot.press("enter")
        view = app.thread
        await settle(pilot, lambda: len(view.messages) >= 5 and not view.fetching)
        view.focus()
        await pilot.press("k")  # older pages (from the server) as well as the first
        await pilot.press("g")
        await settle(pilot, lambda: not view.fetching)
        assert all(not m.raw for m in view.messages)
        assert all(type(m) is CompactMessage for m in view.messages)  # slots, ~200 bytes
        selected = view.selected_message
        assert selected is not None
        stored = await app.session.store.get_message(selected.id, selected.source)
        assert stored is not None and stored.raw  # the cache keeps the payload
        await pilot.press("enter")
        await settle(pilot, lambda: isinstance(app.screen, DetailScreen))
        body = str(app.screen.query_one("#detail-body", Static).render())
        assert f'"id": {stored.raw["id"]}' in body or f'"id": "{stored.raw["id"]}"' in body
