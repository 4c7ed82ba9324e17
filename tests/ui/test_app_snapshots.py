"""Snapshot tests of the main screens (fixed clock, time zone and fake dataset).

Regenerate after an intended UI change: ``pytest tests/test_snapshots.py --snapshot-update``
and look at ``snapshot_report.html`` / the SVGs before committing them.
"""

from __future__ import annotations

from support.fake_backend import FakeBackend, make_app
from support.wait import wait_for

from inbox_tui.errors import ServerError
from inbox_tui.ui.app import InboxApp
from inbox_tui.ui.screens.help import HelpScreen


def settled(app: InboxApp):  # type: ignore[no-untyped-def]
    return lambda: (
        not app.conversation_list.is_loading
        and app.status.count is not None
        and app.focused is not None
        and bool(app.query("Footer"))
    )


async def open_first(pilot) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    await wait_for(pilot, settled(app))
    await pilot.press("j", "j", "enter")
    await wait_for(pilot, lambda: app.thread.selected_message is not None)
    await pilot.pause()


def test_main_view(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(FakeBackend(40)), terminal_size=(120, 30), run_before=open_first)


def test_filter_pane_docked(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await open_first(pilot)
        await pilot.press("f")
        app = pilot.app
        await wait_for(pilot, lambda: app.filter_pane is not None and app.filter_pane.region.width)
        await pilot.pause()

    app = make_app(FakeBackend(40, server_fields={"direction", "statuses"}))
    assert snap_compare(app, terminal_size=(150, 40), run_before=run_before)


def test_help_screen(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await wait_for(pilot, settled(pilot.app))
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))
        await pilot.pause()

    assert snap_compare(make_app(FakeBackend(10)), terminal_size=(120, 40), run_before=run_before)


def test_error_banner(snap_compare) -> None:  # type: ignore[no-untyped-def]
    backend = FakeBackend(10)
    backend.errors["next_page"] = [ServerError("upstream broke", status=503, request_id="req-9f2")]

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await wait_for(
            pilot,
            lambda: app.banner.sources == {"list"} and app.status.count is not None,
        )
        await wait_for(pilot, lambda: not app.conversation_list.is_loading)
        await pilot.pause()

    assert snap_compare(make_app(backend), terminal_size=(120, 24), run_before=run_before)


def test_narrow_list(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await wait_for(pilot, settled(pilot.app))
        await pilot.press("j")

    assert snap_compare(make_app(FakeBackend(30)), terminal_size=(80, 24), run_before=run_before)


def test_narrow_thread(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(FakeBackend(30)), terminal_size=(80, 24), run_before=open_first)


def test_help_screen_80x24(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """Descriptions stay readable at 80 columns (issue 14 item 4)."""

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await wait_for(pilot, settled(pilot.app))
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))
        await pilot.pause()

    assert snap_compare(make_app(FakeBackend(10)), terminal_size=(80, 24), run_before=run_before)


def test_main_view_light_theme(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """Muted text readable on a light theme (issue 14 item 6)."""
    from inbox_tui.config import Profile

    app = make_app(FakeBackend(40), settings=Profile(theme="textual-light"))
    assert snap_compare(app, terminal_size=(120, 30), run_before=open_first)
