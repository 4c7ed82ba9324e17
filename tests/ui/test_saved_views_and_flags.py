"""Saved views and the conversation flags in the app (real pilots, a real SQLite cache):
number keys and the palette apply a view exactly as the filter pane would, the status line
names it, and the flags match whole conversations offline from the cache."""

from __future__ import annotations

import io
from datetime import UTC, timedelta
from typing import Any

from rich.console import Console
from support.messages import T0, contact_of, msg
from support.wait import wait_for
from textual.command import CommandList, CommandPalette
from textual.widgets import Checkbox, Input

from inbox_tui.config import Profile, SavedView
from inbox_tui.core.offline import CacheOnlyBackend
from inbox_tui.filters import Filters, view_filters
from inbox_tui.store import Store
from inbox_tui.ui.app import InboxApp
from inbox_tui.ui.screens.help import HelpScreen

PROFILE = "views"
NOW = T0 + timedelta(hours=2)
SIZE = (150, 40)  # wide: the filter pane docks beside the list

THREADS = [
    # 1: an older send failed, the last message is fine.
    [msg(1, 0, inbound=True), msg(1, 1, inbound=False, status="failed"), msg(1, 2, inbound=False)],
    # 2: answered, nothing failed.
    [msg(2, 0, inbound=True), msg(2, 1, inbound=False)],
    # 3: waiting since minute 1 (two hours at NOW).
    [msg(3, 0, inbound=False), msg(3, 1, inbound=True)],
]
VIEWS = {
    "failed_today": SavedView(failed=True, since="2025-06-01", until="2025-06-01"),
    "waiting": SavedView(waiting=True),
}


async def fill_cache() -> None:
    store = await Store.open_profile(PROFILE)
    await store.upsert_messages([m for thread in THREADS for m in thread])
    await store.close()


def offline_app(**settings: Any) -> InboxApp:
    async def open_store() -> Store:
        return await Store.open_profile(PROFILE)

    profile = Profile(views=VIEWS, **settings)
    return InboxApp(
        CacheOnlyBackend(),
        profile_name=PROFILE,
        offline=True,
        store=open_store,
        settings=profile,
        clock=lambda: NOW,
        tz=UTC,
    )


def listed(app: InboxApp) -> list[str]:
    return sorted(c.contact for c in app.conversation_list.conversations)


def status(app: InboxApp) -> str:
    return str(app.status.render())


async def test_number_keys_apply_saved_views_over_the_cache() -> None:
    await fill_cache()
    app = offline_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: len(app.conversation_list.conversations) == 3)
        await pilot.press("1")
        # Conversation 1's last message is fine: an older failed one makes it match.
        await wait_for(pilot, lambda: listed(app) == [contact_of(1)])
        assert app.filters == view_filters(VIEWS["failed_today"], "US")
        await wait_for(pilot, lambda: "saved view: failed_today" in status(app))
        await pilot.press("2")
        await wait_for(pilot, lambda: listed(app) == [contact_of(3)])
        assert "saved view: waiting" in status(app)
        await pilot.press("9")
        await wait_for(
            pilot, lambda: any("No saved view 9" in str(n.message) for n in app._notifications)
        )
        assert listed(app) == [contact_of(3)]  # nothing changed
        await pilot.press("F")  # clear filters: the view's name goes with them
        await wait_for(pilot, lambda: len(app.conversation_list.conversations) == 3)
        assert "saved view" not in status(app)


async def test_a_saved_view_fills_the_filter_pane() -> None:
    await fill_cache()
    app = offline_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: len(app.conversation_list.conversations) == 3)
        await pilot.press("f")
        await wait_for(pilot, lambda: app.filter_pane is not None and app.filters_open)
        pane = app.filter_pane
        assert pane is not None
        await wait_for(pilot, lambda: bool(pane.query("#failed_only")))
        app.conversation_list.focus()
        await pilot.press("1")
        await wait_for(pilot, lambda: pane.query_one("#failed_only", Checkbox).value)
        assert pane.query_one("#after", Input).value == "2025-06-01"
        assert pane.read() == app.filters  # the pane reads back exactly the view's filters


async def test_the_panes_flags_match_whole_conversations_offline() -> None:
    await fill_cache()
    app = offline_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: len(app.conversation_list.conversations) == 3)
        await pilot.press("f")
        await wait_for(pilot, lambda: app.filter_pane is not None and app.filters_open)
        pane = app.filter_pane
        assert pane is not None
        await wait_for(pilot, lambda: bool(pane.query("#waiting_only")))
        text = " ".join(str(w.render()) for w in pane.query(".filter-meaning"))
        assert "not only the last" in text and "member_id" in text
        assert "Waiting over 30m" in str(pane.query_one("#waiting_only", Checkbox).label)
        pane.query_one("#failed_only", Checkbox).focus()
        await pilot.press("space", "enter")
        await wait_for(pilot, lambda: listed(app) == [contact_of(1)])
        assert app.filters == Filters(failed_only=True)
        # Typing digits in a field types them; no saved view is applied.
        pane.query_one("#contact", Input).focus()
        await pilot.press("1", "2")
        assert pane.query_one("#contact", Input).value == "12"
        assert "saved view" not in status(app)


async def test_the_palette_lists_saved_views_and_applies_them() -> None:
    await fill_cache()
    app = offline_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: len(app.conversation_list.conversations) == 3)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"waiting")
        commands = app.screen.query_one(CommandList)

        def names() -> list[str]:
            return [
                str(commands.get_option_at_index(n).prompt) for n in range(commands.option_count)
            ]

        await wait_for(pilot, lambda: any("View: waiting" in name for name in names()))
        for _ in range(commands.option_count):
            hit = commands.get_option_at_index(commands.highlighted or 0).hit  # type: ignore[attr-defined]
            if "View: waiting" in (hit.text or str(hit.prompt)):
                break
            await pilot.press("down")
        await pilot.press("enter")
        await wait_for(pilot, lambda: listed(app) == [contact_of(3)])
        assert "saved view: waiting" in status(app)


async def test_the_help_screen_lists_the_number_keys_once() -> None:
    await fill_cache()
    app = offline_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        console = Console(width=200, record=True, file=io.StringIO())
        console.print(app.screen._render_help())  # type: ignore[attr-defined]
        plain = " ".join(console.export_text().split())
        assert plain.count("Saved view 1-9") == 1
        assert "1-9" in plain
        assert "no assignee filter" in plain  # views: what the server filters and what not
