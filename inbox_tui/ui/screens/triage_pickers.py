"""Pickers for triage: a member to assign (``a``) and a template to insert (``ctrl+t``).
Both dismiss with the chosen object, or None when cancelled."""

from __future__ import annotations

from typing import ClassVar, Generic, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from inbox_tui.core.triage import Member, Template
from inbox_tui.text import one_line
from inbox_tui.ui.keymap import identify

T = TypeVar("T")


def _bindings(scope: str) -> list[BindingType]:
    return list(
        identify(
            scope,
            [
                Binding("escape,q", "cancel", "Cancel"),
                Binding("j", "cursor(1)", "Down", show=False),
                Binding("k", "cursor(-1)", "Up", show=False),
            ],
        )
    )


class PickerScreen(ModalScreen[T | None], Generic[T]):
    TITLE_TEXT = ""

    DEFAULT_CSS = """
    PickerScreen { align: center middle; }
    PickerScreen > #picker {
        width: 70; max-width: 95%; height: auto; max-height: 80%;
        border: round $accent; background: $surface;
    }
    PickerScreen OptionList { height: auto; max-height: 20; }
    """

    def __init__(self, items: list[T], current: str | None = None) -> None:
        super().__init__()
        self._items = items
        self._current = current

    def label(self, item: T) -> Text:
        raise NotImplementedError

    def item_id(self, item: T) -> str:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        # No option ids: a server may repeat one, and OptionList refuses duplicates.
        options = [Option(self.label(item)) for item in self._items]
        with Vertical(id="picker"):
            yield Static(Text(f"{self.TITLE_TEXT} (enter picks, esc cancels)", style="bold"))
            yield OptionList(*options, id="options")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        ids = [self.item_id(item) for item in self._items]
        if ids:
            options.highlighted = ids.index(self._current) if self._current in ids else 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self._items[event.option_index])

    def action_cursor(self, step: int) -> None:
        options = self.query_one(OptionList)
        options.action_cursor_down() if step > 0 else options.action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)


class MemberPicker(PickerScreen[Member]):
    TITLE_TEXT = "Assign to"
    BINDINGS: ClassVar[list[BindingType]] = _bindings("assign_picker")

    def label(self, item: Member) -> Text:
        text = Text(one_line(item.name, 40))
        if item.id == self._current:
            text.append("  (assigned now)", style="dim")
        return text

    def item_id(self, item: Member) -> str:
        return item.id


class TemplatePicker(PickerScreen[Template]):
    TITLE_TEXT = "Insert a template"
    BINDINGS: ClassVar[list[BindingType]] = _bindings("template_picker")

    def label(self, item: Template) -> Text:
        text = Text(one_line(item.name, 30), style="bold")
        text.append("  ")
        text.append(one_line(item.text, 80), style="dim")
        return text

    def item_id(self, item: Template) -> str:
        return item.id
