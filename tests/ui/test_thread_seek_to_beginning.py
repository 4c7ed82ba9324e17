"""g/home in a thread goes to the very first message: older pages keep loading until the
pager is exhausted, unless the user moves away first."""

from __future__ import annotations

import time

from support.thread_view_kit import (
    SIZE,
    FakePager,
    ThreadApp,
    make_thread,
    open_thread,
    screen_text,
    settle_view,
)

from inbox_tui.ui.widgets.thread_view import BEGINNING_TEXT


async def test_g_loads_older_pages_down_to_the_first_message() -> None:
    app = ThreadApp()
    async with app.run_test(size=SIZE) as pilot:
        thread = make_thread(1_000)
        pager = FakePager(thread, page_size=50)
        view = await open_thread(pilot, app, pager)
        await pilot.press("g")
        deadline = time.monotonic() + 60
        while not pager.exhausted and time.monotonic() < deadline:
            await pilot.pause(0.01)
        await settle_view(pilot, view)
        assert pager.exhausted
        assert len(view.messages) == len(thread)
        assert view.selected_message is not None
        assert view.selected_message.id == thread[0].id
        assert view.scroll_y == 0
        assert any(BEGINNING_TEXT in line for line in screen_text(view))


async def test_moving_away_stops_the_walk_to_the_beginning() -> None:
    app = ThreadApp()
    async with app.run_test(size=SIZE) as pilot:
        thread = make_thread(5_000)
        pager = FakePager(thread, page_size=50, delay=0.05)  # 100 pages: ~5 s to the start
        view = await open_thread(pilot, app, pager)
        await pilot.press("g")
        await pilot.press("G")  # changed their mind: back to the newest
        await settle_view(pilot, view)
        assert not pager.exhausted
        assert len(pager.calls) < 50  # a few prefetches, not the whole thread
        assert view.selected_message is not None
        assert view.selected_message.id == thread[-1].id
