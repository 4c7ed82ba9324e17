"""Snapshots of the thread view (wide, narrow, scrolled back to the beginning) and the
detail screen. Update with ``pytest tests/test_thread_snapshots.py --snapshot-update``."""

from __future__ import annotations

from support.thread_view_kit import FakePager, ThreadApp, conversation, make_message, make_thread
from support.wait import wait_for
from textual.pilot import Pilot

from inbox_tui.ui.screens.detail import DetailScreen


class ShownThreadApp(ThreadApp):
    def __init__(self, n: int = 40, page_size: int = 50) -> None:
        super().__init__()
        msgs = make_thread(n)
        msgs[-3] = make_message(n - 3, body="[red]markup stays literal[/] \x1b[31mno ansi 漢字 👍")
        self.pager = FakePager(msgs, page_size=page_size)

    def on_mount(self) -> None:
        self.view.focus()
        self.view.show(conversation(), self.pager)


async def wait_loaded(pilot: Pilot[None]) -> None:
    """Until the view has messages and no load in flight (it used to give up silently
    after 100 idle pauses, which a slow machine could take to load)."""
    app = pilot.app
    assert isinstance(app, ShownThreadApp)
    await wait_for(pilot, lambda: not app.view.fetching and bool(app.view.messages))
    await pilot.pause()


def test_thread_wide(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(ShownThreadApp(), terminal_size=(100, 30), run_before=wait_loaded)


def test_thread_narrow(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(ShownThreadApp(), terminal_size=(60, 24), run_before=wait_loaded)


def test_thread_beginning(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot[None]) -> None:
        await wait_loaded(pilot)
        await pilot.press("g")
        await wait_loaded(pilot)
        await pilot.press("g")

    app = ShownThreadApp(n=12)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_detail_screen(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot[None]) -> None:
        await wait_loaded(pilot)
        await pilot.press("enter")
        app = pilot.app
        assert isinstance(app, ShownThreadApp)
        app.push_screen(DetailScreen(app.details[-1].message, tz=app.view._tz))
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
        await pilot.pause()

    assert snap_compare(ShownThreadApp(), terminal_size=(100, 30), run_before=run_before)
