"""Key overrides from the profile's ``keys`` table rebind the real bindings, show in help,
and unknown names are reported, not fatal."""

from __future__ import annotations

from support.fake_backend import FakeBackend, make_app
from support.wait import wait_for

from inbox_tui.config import Profile
from inbox_tui.ui.keymap import action_name, identify, resolve
from inbox_tui.ui.screens.help import HelpScreen


def test_ids_name_scope_and_action_with_direction() -> None:
    from textual.binding import Binding

    bindings = identify(
        "thread", [Binding("ctrl+u", "half_page(-1)", "up"), Binding("y", "copy_body", "copy")]
    )
    assert [b.id for b in bindings] == ["thread.half_page_back", "thread.copy_body"]
    assert action_name("cycle_pane(1)") == "cycle_pane"
    keymap, unknown = resolve(
        {"copy_body": "c", "thread.half_page_back": "K", "nope": "z"}, bindings
    )
    assert keymap == {"thread.copy_body": "c", "thread.half_page_back": "K"}
    assert unknown == ["nope"]


async def test_profile_keys_rebind_and_show_in_help() -> None:
    settings = Profile(keys={"list.cursor_down": "n", "help": "f1", "bogus": "z"})
    app = make_app(FakeBackend(20), settings=settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: len(app.conversation_list._rows) > 5)
        start = app.conversation_list.cursor
        await pilot.press("n")
        await wait_for(pilot, lambda: app.conversation_list.cursor == start + 1)
        await pilot.press("j")  # rebound away: no longer moves the cursor
        await pilot.pause()
        assert app.conversation_list.cursor == start + 1
        assert any("bogus" in str(n.message) for n in app._notifications)
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        table = app.screen._render_help()
        rows = list(zip(*(list(col._cells) for col in table.columns), strict=True))
        down = next(r for r in rows if str(r[2]) == "list.cursor_down")
        assert str(down[0]) == "n"
