"""The profile's ``theme`` applies at start; a theme picked later is remembered in a private
state file (not the config) and used when the profile names none (issue 14 item 7)."""

from __future__ import annotations

import stat

from support.fake_backend import FakeBackend, loaded, make_app
from support.wait import wait_for

from inbox_tui.config import Profile
from inbox_tui.ui.theme_state import state_path


async def test_profile_theme_applies_at_start() -> None:
    app = make_app(FakeBackend(3), settings=Profile(theme="textual-light"))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, loaded(app))
        assert app.theme == "textual-light"


async def test_a_picked_theme_is_remembered_privately_and_the_profile_wins() -> None:
    app = make_app(FakeBackend(3))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, loaded(app))
        app.theme = "nord"  # what the palette's theme picker does
        await pilot.pause()
    assert stat.S_IMODE(state_path().stat().st_mode) == 0o600
    again = make_app(FakeBackend(3))
    async with again.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, loaded(again))
        assert again.theme == "nord"
    pinned = make_app(FakeBackend(3), settings=Profile(theme="gruvbox"))
    async with pinned.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, loaded(pinned))
        assert pinned.theme == "gruvbox"


async def test_unknown_profile_theme_is_reported_not_fatal() -> None:
    app = make_app(FakeBackend(3), settings=Profile(theme="no-such-theme"))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, loaded(app))
        assert app.theme == "textual-dark"
        assert any("no-such-theme" in str(n.message) for n in app._notifications)
