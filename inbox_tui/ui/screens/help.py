"""The help screen, generated from the live bindings of the app and its widgets, so it can
never drift from what the keys actually do."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from inbox_tui.filters import __doc__ as FILTER_SEMANTICS
from inbox_tui.ui.keymap import action_name, display_keys, identify


def binding_rows(app: App[object], bindings: Iterable[BindingType]) -> list[tuple[str, str, str]]:
    """``(keys, description, id)`` per action, keys of the same action joined with ``/``;
    keys rebound in the profile's ``keys`` table are shown as rebound."""
    overrides = getattr(app, "keymap_overrides", {})
    rows: dict[tuple[str, str], tuple[list[str], str]] = {}
    for binding in Binding.make_bindings(bindings):
        if not binding.description or binding.system:
            continue
        # One row per action and description: the saved-view keys 1-9 share one.
        group = (action_name(binding.action), binding.description)
        keys, _ = rows.setdefault(group, ([], binding.id or ""))
        # A binding's key_display names its default key, not the key it was rebound to.
        shown = None if binding.id in overrides else binding.key_display
        for key in display_keys(binding, overrides):
            display = app.get_key_display(dataclasses.replace(binding, key=key, key_display=shown))
            if display not in keys:
                keys.append(display)
    return [
        (_joined(keys), description, binding_id)
        for (_, description), (keys, binding_id) in rows.items()
    ]


def _joined(keys: list[str]) -> str:
    """``a/b``; a run of three or more digit keys in order as ``1-9`` (fits the column)."""
    if len(keys) > 2 and all(k.isdigit() and len(k) == 1 for k in keys):
        digits = [int(k) for k in keys]
        if digits == list(range(digits[0], digits[0] + len(digits))):
            return f"{keys[0]}-{keys[-1]}"
    return "/".join(keys)


def help_sections(app_bindings: Iterable[BindingType]) -> list[tuple[str, Iterable[BindingType]]]:
    """The help screen's sections: the app's keys, then each pane's and the search's."""
    from inbox_tui.ui.screens.search import SearchScreen
    from inbox_tui.ui.widgets.compose import Compose
    from inbox_tui.ui.widgets.conversation_list import ConversationList
    from inbox_tui.ui.widgets.filter_pane import FilterPane
    from inbox_tui.ui.widgets.thread_view import ThreadView

    return [
        ("Everywhere", app_bindings),
        ("Conversation list", ConversationList.BINDINGS),
        ("Thread", ThreadView.BINDINGS),
        ("Compose (r / p)", Compose.BINDINGS),
        ("Filter pane", FilterPane.BINDINGS),
        ("Search (/)", SearchScreen.BINDINGS),
    ]


REBIND_HINT = 'Rebind a key in config.toml: [profiles.NAME.keys] then id = "key", e.g. quit = "Q"'


class HelpScreen(ModalScreen[None]):
    """Sections: ``[(title, bindings), ...]`` as given by the app."""

    BINDINGS = identify(
        "help",
        [
            Binding("escape,q,question_mark", "dismiss", "Close help"),
            Binding("j,down", "scroll(1)", "Scroll", show=False),
            Binding("k,up", "scroll(-1)", "Scroll", show=False),
        ],
    )

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen #help-hint { color: $text-muted; margin-bottom: 1; }
    HelpScreen > VerticalScroll {
        width: 90%; min-width: 60; max-width: 100; height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, sections: list[tuple[str, Iterable[BindingType]]]) -> None:
        super().__init__()
        self._sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(REBIND_HINT, id="help-hint", markup=False)
            yield Static(self._render_help(), id="help-text")
        yield Footer()  # this screen's keys, not the list's underneath

    def _render_help(self) -> Table:
        # Keys and ids keep their width; the description takes the rest (and wraps), so at
        # 80 columns it never shrinks to a couple of characters.
        table = Table.grid(padding=(0, 2), expand=True)
        table.add_column(style="bold", no_wrap=True)
        table.add_column(ratio=1, min_width=14)
        table.add_column(style="dim", no_wrap=True)
        table.add_row(
            Text("inbox-tui keys", style="bold underline"),
            Text("esc / q closes"),
            Text("id (to rebind)"),
        )
        for title, bindings in self._sections:
            rows = binding_rows(self.app, bindings)
            if not rows:
                continue
            table.add_row("", "", "")
            table.add_row(Text(title, style="bold reverse"), "", "")
            for keys, description, binding_id in rows:
                table.add_row(Text(keys), Text(description), Text(binding_id))
        table.add_row("", "", "")
        table.add_row(Text("Filters", style="bold reverse"), "", "")
        table.add_row("", Text(" ".join((FILTER_SEMANTICS or "").split())), "")
        return table

    def action_scroll(self, lines: int) -> None:
        self.query_one("#help-body", VerticalScroll).scroll_relative(y=lines, animate=False)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)
