"""What the status line, header, banner and palette tell a new user (issue 14 items 13, 14):
singular counts, the cached count when the server cannot count, the chosen inbox before
names load, an inbox that does not exist, where to fix a refused token, one "Quit"."""

from __future__ import annotations

import asyncio

from support.fake_backend import FakeBackend, loaded, make_app
from support.wait import wait_for

from inbox_tui.errors import AuthError
from inbox_tui.filters import Filters
from inbox_tui.models import Inbox
from inbox_tui.ui.widgets.banner import error_text


class CannotCount(FakeBackend):
    """heymarket with an inbox chosen: the team-wide count cannot be per inbox."""

    async def count(self, filters: Filters, inbox_id: str | None = None) -> int | None:
        return None


async def test_one_conversation_is_singular() -> None:
    app = make_app(FakeBackend(1, per_thread=1))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: loaded(app)() and app.status.count is not None)
        text = str(app.status.render_text())
        assert "1 conversation listed" in text and "1 message match" in text


async def test_a_server_that_cannot_count_shows_the_cached_count_labelled() -> None:
    app = make_app(CannotCount(12))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: loaded(app, 12)() and app.status.count is not None)
        text = str(app.status.render_text())
        assert "12 conversations cached" in text and "unavailable" not in text


async def test_the_header_names_the_chosen_inbox_and_an_unknown_one_is_reported() -> None:
    inboxes = [Inbox(id="1", name="Support"), Inbox(id="2", name="Sales")]
    backend = FakeBackend(6, inboxes=inboxes)
    backend.gate = asyncio.Event()  # nothing answers yet
    app = make_app(backend, inbox_id="999")
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert app.header.inbox == "inbox 999"  # not "All inboxes"
        backend.gate.set()
        await wait_for(pilot, lambda: app.banner.showing)
        message = app.banner.message
        assert "inbox 999 does not exist" in message and "1 (Support)" in message


def test_a_refused_token_points_at_where_to_fix_it() -> None:
    text = error_text(AuthError("token expired", status=401))
    assert "INBOX_TUI_TOKEN" in text and "inbox-tui config check" in text


async def test_the_palette_lists_quit_once() -> None:
    from textual.command import CommandList, CommandPalette

    app = make_app(FakeBackend(3))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"quit")
        commands = app.screen.query_one(CommandList)
        await wait_for(pilot, lambda: commands.option_count > 0)
        await pilot.pause(0.3)
        names = [str(commands.get_option_at_index(n).prompt) for n in range(commands.option_count)]
        assert sum("Quit" in name for name in names) == 1, names


async def test_a_narrow_header_shortens_the_contact_not_the_state() -> None:
    app = make_app(FakeBackend(3, inboxes=[Inbox(id="ws", name="Customer Support Team East")]))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: loaded(app)() and bool(app.session.inboxes))
        app.header.set_conversation("Leilani Papadopoulos-Worthington · +1 (305) 555-1452")
        await pilot.pause()
        line = "".join(s.text for s in app.header.render_line(0))
        assert "● connected" in line and "Leilani" in line
