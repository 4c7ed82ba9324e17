"""Filters over heymarket's conversation list (member id set, loopback demo server): its
rows carry no message, so a date bound applies to their last activity, and "has a failed
message" walks the team's messages (the rows say nothing of failures) instead of judging
only what happens to be cached."""

from __future__ import annotations

from datetime import timedelta

from support.wait import wait_for

from inbox_tui.api.auth import BearerToken
from inbox_tui.api.heymarket import HeymarketBackend
from inbox_tui.config import Profile
from inbox_tui.demo.server import DemoServer
from inbox_tui.filters import Filters, date_range
from inbox_tui.ui.app import InboxApp

ME = 7


def app_over(server: DemoServer) -> InboxApp:
    backend = HeymarketBackend(server.base_url, BearerToken(server.heymarket_token), member_id=ME)
    return InboxApp(backend, settings=Profile(member_id=ME))


async def test_a_date_bound_lists_the_rows_active_since(demo_server: DemoServer) -> None:
    app = app_over(demo_server)
    async with app.run_test(size=(140, 36)) as pilot:
        rows = app.conversation_list
        await wait_for(pilot, lambda: len(rows.conversations) > 5 and not rows.is_loading)
        newest = rows.conversations[0].last_at
        after, _ = date_range((newest - timedelta(days=7)).isoformat(), None)
        app.apply_filters(Filters(after=after))
        await wait_for(pilot, lambda: len(rows.conversations) > 5 and not rows.is_loading)
        assert all(c.last_at > after for c in rows.conversations)  # type: ignore[operator]


async def test_has_failed_finds_failures_the_cache_has_never_seen(
    demo_server: DemoServer,
) -> None:
    failing = {
        f"{m.inbox_id}:{m.contact_e164}"
        for m in demo_server.dataset.messages
        if m.status in ("failed", "undelivered")
    }
    app = app_over(demo_server)
    async with app.run_test(size=(140, 36)) as pilot:
        rows = app.conversation_list
        await wait_for(pilot, lambda: len(rows.conversations) > 5 and not rows.is_loading)
        app.apply_filters(Filters(failed_only=True))

        def listed() -> set[str]:
            return {c.key for c in rows.conversations}

        # The cache holds only the first page's previews: ten rows, each with a failed
        # message, come from walking the team's messages.
        await wait_for(pilot, lambda: len(listed()) >= 10 and listed() <= failing, timeout=20)
        await wait_for(pilot, lambda: not rows.is_loading)
        assert listed() <= failing


async def test_a_filtered_list_gets_its_previews_too(demo_server: DemoServer) -> None:
    app = app_over(demo_server)
    async with app.run_test(size=(140, 36)) as pilot:
        rows = app.conversation_list

        def filled() -> bool:
            shown = rows.visible_conversations()
            return bool(shown) and all(c.last_message is not None for c in shown)

        await wait_for(pilot, lambda: len(rows.conversations) > 5 and not rows.is_loading)
        await wait_for(pilot, filled)
        newest = rows.conversations[0].last_at
        after, _ = date_range((newest - timedelta(days=2)).isoformat(), None)
        app.apply_filters(Filters(after=after))
        await wait_for(pilot, lambda: app.status.filters.after == after and not rows.is_loading)
        await wait_for(pilot, filled)


async def test_previews_fill_when_a_hidden_list_comes_back(demo_server: DemoServer) -> None:
    """At 80 columns the filter pane stands in the list's place: the list filtered behind
    it gets its previews once the pane closes."""
    app = app_over(demo_server)
    async with app.run_test(size=(80, 24)) as pilot:
        rows = app.conversation_list
        await wait_for(pilot, lambda: len(rows.conversations) > 5 and not rows.is_loading)
        await pilot.press("f")
        await wait_for(pilot, lambda: app.filters_open and not rows.visible_conversations())
        newest = rows.conversations[0].last_at
        after, _ = date_range((newest - timedelta(days=2)).isoformat(), None)
        app.apply_filters(Filters(after=after))
        await wait_for(pilot, lambda: app.status.filters.after == after and not rows.is_loading)
        await pilot.pause(0.6)
        await pilot.press("escape")
        await wait_for(
            pilot,
            lambda: (
                bool(shown := rows.visible_conversations())
                and all(c.last_message is not None for c in shown)
            ),
        )
