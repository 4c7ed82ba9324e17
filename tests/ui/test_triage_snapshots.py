"""Snapshots of compose and the assign picker (fixed clock, time zone and fake data)."""

from __future__ import annotations

from support.fake_backend import FakeBackend, loaded, make_app
from support.fake_triage import FakeTriage
from support.wait import wait_for

from inbox_tui.ui.screens.triage_pickers import MemberPicker
from inbox_tui.ui.widgets.compose import Compose


def triage_app():  # type: ignore[no-untyped-def]
    app = make_app(FakeBackend(20))
    app.session.triage = FakeTriage()
    return app


def test_compose(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await wait_for(pilot, lambda: loaded(app)() and bool(app.query("Footer")))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.thread.selected_message is not None)
        await pilot.press("r")
        await wait_for(pilot, lambda: bool(app.query(Compose)))
        await pilot.press(*"Hi Ada, it is ready: 5")
        app.query_one(Compose).insert("€ off today")  # an extension character: 2 septets
        await pilot.pause()

    assert snap_compare(triage_app(), terminal_size=(120, 30), run_before=run_before)


def test_assign_picker(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await wait_for(pilot, lambda: loaded(app)() and bool(app.query("Footer")))
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, MemberPicker))
        await pilot.pause()

    assert snap_compare(triage_app(), terminal_size=(100, 24), run_before=run_before)
