"""The inbox picker (``i``): "All inboxes" plus every inbox the credentials can see."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from inbox_tui.models import Inbox
from inbox_tui.phone import pretty
from inbox_tui.text import one_line
from inbox_tui.ui.keymap import identify

ALL_INBOXES = "__all__"


class InboxPicker(ModalScreen[str | None]):
    """Dismisses with an inbox id, :data:`ALL_INBOXES`, or None when cancelled."""

    BINDINGS = identify(
        "inbox_picker",
        [
            Binding("escape,q", "cancel", "Cancel"),
            Binding("j", "cursor(1)", "Down", show=False),
            Binding("k", "cursor(-1)", "Up", show=False),
        ],
    )

    DEFAULT_CSS = """
    InboxPicker { align: center middle; }
    InboxPicker > #picker {
        width: 60; max-width: 95%; height: auto; max-height: 80%;
        border: round $accent; background: $surface;
    }
    InboxPicker OptionList { height: auto; max-height: 20; }
    """

    def __init__(self, inboxes: list[Inbox], current: str | None) -> None:
        super().__init__()
        self._inboxes = inboxes
        self._current = current

    def compose(self) -> ComposeResult:
        options = [Option(Text("All inboxes", style="bold"), id=ALL_INBOXES)]
        for inbox in self._inboxes:
            label = Text(one_line(inbox.name, 40))
            if inbox.phones:
                label.append(f"  {pretty(inbox.phones[0])}", style="dim")
            options.append(Option(label, id=inbox.id))
        with Vertical(id="picker"):
            yield Static(Text("Switch inbox (enter picks, esc cancels)", style="bold"))
            yield OptionList(*options, id="inboxes")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        ids = [ALL_INBOXES, *(inbox.id for inbox in self._inboxes)]
        current = self._current or ALL_INBOXES
        options.highlighted = ids.index(current) if current in ids else 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cursor(self, step: int) -> None:
        options = self.query_one(OptionList)
        options.action_cursor_down() if step > 0 else options.action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)
