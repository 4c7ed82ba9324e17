"""The list's cursor follows the open conversation and survives a refresh; ``G`` loads
every page; ``y``/``Y`` copy from the list (issue 14 items 12, 13)."""

from __future__ import annotations

from support.cached_app import online_app
from support.fake_backend import FakeBackend, loaded, make_app
from support.wait import settle, wait_for

from inbox_tui.demo.dataset import build_dataset
from inbox_tui.demo.server import DemoServer
from inbox_tui.text import sanitize


async def test_the_cursor_follows_a_conversation_opened_elsewhere() -> None:
    app = make_app(FakeBackend(40))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, loaded(app, 10))
        target = app.conversation_list.conversations[7]
        app.open_conversation(target)  # what a search result or a notification does
        await wait_for(pilot, lambda: app.thread.conversation == target)
        await pilot.press("tab")  # back to the list: enter opens the same conversation
        assert app.conversation_list.highlighted == target


async def test_G_loads_every_page_and_refresh_keeps_the_cursor_and_depth() -> None:
    app = make_app(FakeBackend(180, page_size=20))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, loaded(app))
        await pilot.press("G")
        rows = app.conversation_list
        await wait_for(pilot, lambda: rows.exhausted and not rows.is_loading, timeout=20)
        assert len(rows.conversations) == 180 and rows.cursor == 179
        await pilot.press("k", "k")
        kept = rows.highlighted
        assert kept is not None
        app.action_refresh()
        await wait_for(pilot, lambda: rows.highlighted == kept and not rows.is_loading)
        assert rows.cursor == 177


async def test_a_page_of_the_old_list_after_refresh_does_not_end_the_follow() -> None:
    app = make_app(FakeBackend(180, page_size=20))
    async with app.run_test(size=(120, 30)) as pilot:
        rows = app.conversation_list
        await wait_for(pilot, lambda: loaded(app)() and not rows.is_loading)
        while len(rows.conversations) < 60:  # past the first page the reload lists
            rows.select(len(rows.conversations) - 1)
            await wait_for(pilot, lambda: not rows.is_loading)
        rows.select(55)
        kept = rows.highlighted
        assert kept is not None
        app.action_refresh()  # the cached list starts again from a worker, not at once
        assert rows.cursor == 55
        # The Loaded of a page of the old list, handled before that worker restarts the
        # list: the row is listed there, but it is not the list the cursor must end on.
        app.keeper.on_loaded(rows.exhausted)
        await settle(pilot, lambda: rows.highlighted == kept and not rows.is_loading)
        assert rows.cursor == 55


async def test_y_and_Y_copy_from_the_list() -> None:
    app = make_app(FakeBackend(5))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, loaded(app))
        row = app.conversation_list.highlighted
        assert row is not None and row.last_message is not None
        await pilot.press("y")
        assert app.clipboard == sanitize(row.last_message.body)
        await pilot.press("Y")
        assert app.clipboard == row.contact


async def test_refresh_over_the_demo_server_keeps_the_cursor_below_the_first_page() -> None:
    # Its own server: the session's shared one takes other tests' writes, which reorder the
    # list between the two loads this test compares.
    dataset = build_dataset(3, conversations=120, big_threads=(50,))
    with DemoServer(dataset=dataset) as server:
        await _refresh_keeps_the_cursor(server)


async def _refresh_keeps_the_cursor(server: DemoServer) -> None:
    app = online_app(server)
    async with app.run_test(size=(120, 30)) as pilot:
        rows = app.conversation_list
        await settle(pilot, lambda: len(rows.conversations) >= 20 and not rows.is_loading)
        while len(rows.conversations) < 60:  # past the first page of 50
            await pilot.press("pagedown")
            await settle(pilot, lambda: not rows.is_loading)
        rows.select(55)
        kept = rows.highlighted
        app.action_refresh()
        await pilot.pause()
        # By key: live traffic may have changed the row (its last message) meanwhile.
        await settle(
            pilot,
            lambda: (
                rows.highlighted is not None
                and kept is not None
                and rows.highlighted.key == kept.key
                and not rows.is_loading
            ),
        )
        assert len(rows.conversations) >= 56
