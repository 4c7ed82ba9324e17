"""Pilot tests of the app shell against the in-memory fake backend."""

from __future__ import annotations

from support.fake_backend import FakeBackend, loaded, make_app
from support.wait import wait_for

from inbox_tui.models import Inbox
from inbox_tui.ui.screens.help import HelpScreen
from inbox_tui.ui.screens.inbox_picker import InboxPicker


async def test_navigation_open_back_and_tab() -> None:
    backend = FakeBackend(40)
    app = make_app(backend)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, loaded(app))
        assert app.focused is app.conversation_list
        await pilot.press("j", "j", "down", "k")
        assert app.conversation_list.cursor == 2
        await pilot.press("G")
        assert app.conversation_list.cursor == len(app.conversation_list.conversations) - 1
        await pilot.press("g")
        assert app.conversation_list.cursor == 0
        await pilot.press("j", "enter")
        await wait_for(pilot, lambda: app.thread.conversation is not None)
        expected = app.conversation_list.conversations[1]
        assert app.thread.conversation == expected
        assert ("thread", expected.key) in backend.calls
        await wait_for(pilot, lambda: app.focused is app.thread)
        await pilot.press("h")
        assert app.focused is app.conversation_list
        await pilot.press("tab")
        assert app.focused is app.thread
        await pilot.press("tab")
        assert app.focused is app.conversation_list
        await pilot.press("l")
        await wait_for(pilot, lambda: app.focused is app.thread)


async def test_failed_and_unread_jumps() -> None:
    app = make_app(FakeBackend(40))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, loaded(app))
        rows = app.conversation_list.conversations
        await pilot.press("right_square_bracket")
        first_failed = app.conversation_list.cursor
        assert rows[first_failed].has_failed
        assert not any(r.has_failed for r in rows[:first_failed])
        await pilot.press("right_square_bracket")
        second = app.conversation_list.cursor
        assert second > first_failed and rows[second].has_failed
        await pilot.press("left_square_bracket")
        assert app.conversation_list.cursor == first_failed
        await pilot.press("g", "u")
        assert rows[app.conversation_list.cursor].unread


async def test_narrow_terminal_switches_between_list_and_thread() -> None:
    app = make_app(FakeBackend(30))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, loaded(app))
        assert app.conversation_list.display and app.conversation_list.region.width >= 70
        assert app.thread.region.width == 0
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.thread.conversation is not None)
        await wait_for(pilot, lambda: app.thread.region.width >= 70)
        assert app.conversation_list.region.width == 0
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.conversation_list.region.width >= 70)
        assert app.focused is app.conversation_list


async def test_help_screen_lists_bindings_of_app_and_widgets() -> None:
    app = make_app(FakeBackend(5))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = str(app.screen.query_one("#help-text").render())
        table = app.screen._render_help()
        cells = " ".join(str(c) for col in table.columns for c in col._cells)
        for needle in ("Next failed", "Filters", "Export", "Inbox", "copy text", "Quit", "?"):
            assert needle in cells, needle
        assert text  # rendered
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


def top_command(palette: object) -> str | None:
    """The highlighted command's name in an open command palette (None until listed)."""
    from textual.command import CommandList

    commands = palette.query_one(CommandList)  # type: ignore[attr-defined]
    if commands.highlighted is None:
        return None
    hit = commands.get_option_at_index(commands.highlighted).hit  # type: ignore[attr-defined]
    return hit.text or str(hit.prompt)


async def test_command_palette_offers_app_commands() -> None:
    from textual.command import CommandPalette

    app = make_app(FakeBackend(5))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"toggle filt")
        # The palette gathers matches in a worker: enter before they are listed does nothing.
        palette = app.screen
        await wait_for(pilot, lambda: top_command(palette) == "Toggle filters")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.filters_open)


async def test_inbox_picker_scopes_the_list() -> None:
    inboxes = [Inbox(id="1", name="Support"), Inbox(id="2", name="[b]Sales[/b]")]
    backend = FakeBackend(20, inboxes=inboxes)
    app = make_app(backend)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.session.inboxes) == 2 and loaded(app)())
        assert {c.inbox_id for c in app.conversation_list.conversations} == {"1", "2"}
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, InboxPicker))
        await pilot.press("down", "down", "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, InboxPicker))
        await wait_for(pilot, loaded(app))
        assert app.inbox_id == "2"
        assert {c.inbox_id for c in app.conversation_list.conversations} == {"2"}
        assert ("conversations", app.filters, "2") in backend.calls
        assert "[b]Sales[/b]" in str(app.header.render())


async def test_search_applies_text_filter() -> None:
    backend = FakeBackend(30)
    app = make_app(backend)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, loaded(app))
        await pilot.press("slash", *"thanks", "ctrl+t")  # ctrl+t: filter the list by it
        await wait_for(pilot, lambda: app.filters.text == "thanks")
        await wait_for(pilot, lambda: not app.conversation_list.is_loading)
        rows = app.conversation_list.conversations
        assert rows and all("thanks" in r.last_message.body.lower() for r in rows)
        assert "(local)" in str(app.status.render())
        assert app.focused is app.conversation_list
        await pilot.press("slash", "x", "escape")  # escape cancels without applying
        await wait_for(pilot, lambda: app.screen is app.screen_stack[0])
        assert app.filters.text == "thanks"
        assert app.focused is app.conversation_list


async def test_export_writes_the_open_conversation(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    app = make_app(FakeBackend(5))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, loaded(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.thread.conversation is not None)
        await pilot.press("e")
        # The export is written to a temp file and renamed: once it exists it is complete.
        await wait_for(pilot, lambda: list(tmp_path.glob("inbox-*.md")))
    content = next(tmp_path.glob("inbox-*.md")).read_text()
    assert all(f"#{n}" in content for n in range(6))  # every message of the thread


async def test_header_shows_insecure_and_offline_states() -> None:
    app = make_app(FakeBackend(3), insecure=True, offline=True)
    async with app.run_test(size=(140, 30)) as pilot:  # offline over an empty cache
        await wait_for(pilot, lambda: not app.conversation_list.is_loading)
        header = str(app.header.render())
        assert "INSECURE" in header
        assert "offline" in header


async def test_palette_provider_lists_every_command() -> None:
    from textual.command import DiscoveryHit

    from inbox_tui.ui.palette import InboxCommands

    app = make_app(FakeBackend(3))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, loaded(app))
        provider = InboxCommands(app.screen)
        names = [hit.display for hit in [h async for h in provider.discover()]]
        assert all(isinstance(h, DiscoveryHit) for h in [h async for h in provider.discover()])
        for wanted in ("Switch inbox", "Toggle filters", "Export conversation", "Refresh"):
            assert wanted in [str(n) for n in names]
        hits = [h async for h in provider.search("inbox")]
        assert hits and "Switch inbox" in str(hits[0].text)


async def test_enter_on_a_message_opens_the_detail_screen() -> None:
    from inbox_tui.ui.screens.detail import DetailScreen

    app = make_app(FakeBackend(5))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, loaded(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.thread.selected_message is not None)
        await wait_for(pilot, lambda: app.focused is app.thread)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, DetailScreen))


async def test_mouse_click_selects_and_double_click_opens() -> None:
    app = make_app(FakeBackend(10))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, loaded(app))
        await pilot.click("#list", offset=(5, 4))  # third row (two lines per row)
        assert app.conversation_list.cursor == 2
        await pilot.click("#list", offset=(5, 4), times=2)
        await wait_for(pilot, lambda: app.thread.conversation is not None)
        assert app.thread.conversation == app.conversation_list.conversations[2]


async def test_refresh_reloads_the_list() -> None:
    backend = FakeBackend(10)
    app = make_app(backend)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, loaded(app))
        before = sum(1 for c in backend.calls if c[0] == "conversations")
        await pilot.press("ctrl+r")
        await wait_for(pilot, loaded(app))
        assert sum(1 for c in backend.calls if c[0] == "conversations") == before + 1
        assert app.is_running
