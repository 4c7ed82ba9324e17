"""``g`` on a long thread merges older pages in batches (one merge and one re-layout per
batch, not per page of 50), and a page failing mid-batch loses none that came before it."""

from __future__ import annotations

import gc

from support.thread_view_kit import SIZE, FakePager, ThreadApp, make_thread, open_thread
from support.wait import settle


async def test_g_merges_many_pages_per_batch() -> None:
    app = ThreadApp()
    async with app.run_test(size=SIZE) as pilot:
        thread = make_thread(2_000)
        pager = FakePager(thread, page_size=50)  # 40 pages
        view = await open_thread(pilot, app, pager)
        merges_before = len(app.loaded)
        await pilot.press("g")
        await settle(pilot, lambda: pager.exhausted and not view.fetching)
        assert [m.id for m in view.messages] == [m.id for m in thread]
        assert view.selected_message is not None and view.selected_message.id == thread[0].id
        merges = len(app.loaded) - merges_before
        assert merges <= 5, f"{merges} merges for {len(pager.calls)} pages"


async def test_a_page_failing_mid_batch_keeps_the_pages_before_it() -> None:
    app = ThreadApp()
    async with app.run_test(size=SIZE) as pilot:
        thread = make_thread(600)
        pager = FakePager(thread, page_size=50)
        view = await open_thread(pilot, app, pager)
        real_older, calls = pager.older, []

        async def flaky() -> list:
            calls.append(1)
            if len(calls) == 3:
                raise RuntimeError("dropped")
            return await real_older()

        pager.older = flaky  # type: ignore[method-assign]
        await pilot.press("g")
        await settle(pilot, lambda: pager.exhausted and not view.fetching)
        assert [m.id for m in view.messages] == [m.id for m in thread]


async def test_merged_pages_are_moved_out_of_the_collectors_way() -> None:
    app = ThreadApp()
    async with app.run_test(size=SIZE) as pilot:
        pager = FakePager(make_thread(500), page_size=50)
        view = await open_thread(pilot, app, pager)
        gc.unfreeze()
        await pilot.press("g")
        await settle(pilot, lambda: pager.exhausted and not view.fetching)
        assert gc.get_freeze_count() > 0
    gc.unfreeze()
