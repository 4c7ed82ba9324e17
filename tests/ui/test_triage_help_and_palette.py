"""Every triage key is in the help screen and the command palette, and the views and
badges read conversations tolerantly."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from rich.console import Console
from support.fake_backend import FakeBackend, loaded, make_app
from support.fake_triage import FakeTriage
from support.wait import wait_for
from textual.binding import Binding

from inbox_tui.models import Conversation
from inbox_tui.ui.app import InboxApp
from inbox_tui.ui.palette import COMMANDS
from inbox_tui.ui.screens.help import HelpScreen, help_sections
from inbox_tui.ui.screens.triage_pickers import MemberPicker
from inbox_tui.ui.views import View, conversation_badges, view_filter
from inbox_tui.ui.widgets.compose import Compose
from inbox_tui.ui.widgets.conversation_list import ConversationList
from inbox_tui.ui.widgets.thread_view import ThreadView


def triage_actions() -> set[str]:
    bindings = [*ConversationList.BINDINGS, *ThreadView.BINDINGS, *Compose.BINDINGS]
    actions = {b.action for b in Binding.make_bindings(bindings)}
    return {a.removeprefix("app.") for a in actions if a.startswith("app.triage")}


def test_every_triage_key_has_a_palette_command() -> None:
    palette = {action for _, _, action in COMMANDS}
    assert triage_actions() - {"triage('view')"} <= palette
    assert {f"triage('view:{view.value}')" for view in View} <= palette
    assert "refresh" in palette


def test_help_lists_compose_keys() -> None:
    titles = [title for title, _ in help_sections(InboxApp.BINDINGS)]
    assert "Compose (r / p)" in titles


async def test_help_screen_shows_the_new_keys() -> None:
    app = make_app(FakeBackend(3))
    async with app.run_test(size=(160, 60)) as pilot:
        await wait_for(pilot, loaded(app))
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        table = app.screen._render_help()  # type: ignore[attr-defined]
        console = Console(width=160, record=True, file=io.StringIO())
        console.print(table)
        text = console.export_text()
        for shown in (
            "^r/f5",
            "Refresh/retry",
            "reply",
            "private note",
            "undo send",
            "Assign",
            "Close/reopen",
            "Mark read/unread",
            "Next view",
            "^s",
            "Templates",
        ):
            assert shown in text, shown


async def test_the_palette_runs_a_triage_action() -> None:
    app = make_app(FakeBackend(3))
    app.session.triage = FakeTriage()
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, loaded(app))
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Assign conversation")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MemberPicker))


def conversation(**fields: object) -> Conversation:
    return Conversation(
        key="k", contact="+14155550100", last_at=datetime(2026, 1, 1, tzinfo=UTC), **fields
    )


def test_badges_and_views_tolerate_missing_values() -> None:
    plain = conversation()
    closed = conversation(status="Closed")
    mine = conversation(assigned_to="7", closed=True)
    assert conversation_badges(plain, {}) == []
    assert conversation_badges(closed, {}) == ["closed"]
    assert conversation_badges(mine, {"7": "Dana Demo"}) == ["closed", "@Dana"]
    assert conversation_badges(conversation(assigned_to="42"), {}) == ["@42"]
    assert conversation_badges(conversation(assigned_to="5"), {"5": "  "}) == ["@5"]
    assert view_filter(View.ALL, None) is None
    open_ = view_filter(View.OPEN, None)
    assert open_ is not None and open_(plain) and not open_(closed)
    mine_view = view_filter(View.MINE, "7")
    assert mine_view is not None and mine_view(mine) and not mine_view(plain)
    nobody = view_filter(View.MINE, None)
    assert nobody is not None and not nobody(mine)
    unassigned = view_filter(View.UNASSIGNED, "7")
    assert unassigned is not None and unassigned(plain) and not unassigned(mine)
