"""The ``/`` prompt of an open thread: one line at the bottom, as in a pager."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from inbox_tui.ui.keymap import identify

PROMPT = "Search this conversation (cached and loaded messages) · n older, N newer, esc clears"


class ThreadSearchPrompt(ModalScreen[str | None]):
    """Dismisses with the text to search for, or None (esc)."""

    BINDINGS = identify("thread_search", [Binding("escape", "cancel", "Cancel")])

    DEFAULT_CSS = """
    ThreadSearchPrompt { align: left bottom; background: $background 0%; }
    ThreadSearchPrompt > #thread-search {
        width: 100%; height: auto; background: $panel; padding: 0 1;
    }
    ThreadSearchPrompt Input, ThreadSearchPrompt Input:focus {
        border: none; height: 1; padding: 0; background: $boost;
    }
    """

    def __init__(self, last: str = "") -> None:
        super().__init__()
        self._last = last

    def compose(self) -> ComposeResult:
        with Vertical(id="thread-search"):
            yield Static(Text(PROMPT, style="dim"))
            yield Input(value=self._last, placeholder="/ text", id="thread-search-input")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
