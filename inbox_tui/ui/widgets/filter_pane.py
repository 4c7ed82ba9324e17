"""The filter pane: builds :class:`inbox_tui.models.Filters` from form fields.

Fields are labelled ``(server)`` or ``(local)`` from what the backend says it applies, so
nobody mistakes a client-side filter over loaded data for a server-side one. Changes are
applied after a short debounce (or at once with enter / the Apply button); an invalid date
shows an inline error and applies nothing.

The "whole conversation" checkboxes match on everything the cache holds of a conversation
(see :mod:`inbox_tui.core.conversation_filters`); each says so under it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from rich.segment import Segment
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.strip import Strip
from textual.timer import Timer
from textual.widgets import (
    Button,
    Checkbox,
    Input,
    Label,
    RadioButton,
    RadioSet,
    SelectionList,
    Static,
)
from textual.widgets.option_list import OptionDoesNotExist

from inbox_tui.filters import (
    FilterError,
    Filters,
    date_range,
    since_text,
    until_text,
    user_contact,
)
from inbox_tui.models import KNOWN_STATUSES, Direction
from inbox_tui.ui.keymap import identify

DEBOUNCE_SECONDS = 0.4
_DIRECTIONS: tuple[Direction | None, ...] = (None, Direction.INBOUND, Direction.OUTBOUND)
_DATE_FIELDS = ("after", "before")  # the fields with an inline error label
# A filter with every field active: asking the backend which of them it applies tells us
# which fields to label "(local)" before the user has typed anything.
PROBE = Filters(
    direction=Direction.INBOUND,
    statuses=frozenset({"failed"}),
    contact="+10000000000",
    after=datetime(2000, 1, 1, tzinfo=UTC),
    before=datetime(2100, 1, 1, tzinfo=UTC),
    flagged_only=True,
    text="x",
    failed_only=True,
    waiting_only=True,
    unread_only=True,
    mine_only=True,
)
# The conversation flags: (field, checkbox label, what it means).
FLAGS: tuple[tuple[str, str, str], ...] = (
    ("failed_only", "Has a failed message", "any message failed, not only the last"),
    ("waiting_only", "Waiting over {reply_within}", "a customer has waited longer for a reply"),
    ("unread_only", "Unread", "conversations marked unread"),
    ("mine_only", "Assigned to me", "owned by the profile's member_id"),
)


class Submit(Message):
    """``enter`` in a field that would otherwise toggle on it: apply the form instead."""


class FilterPane(VerticalScroll, can_focus=False):
    """Posts :class:`Applied` with new filters and :class:`Closed` on escape."""

    BINDINGS = identify(
        "filters",
        [
            Binding("escape", "close", "Close filters"),
            Binding("ctrl+l", "clear", "Clear all filters"),
            Binding("ctrl+s", "apply", "Apply filters", show=False),
        ],
    )

    class Applied(Message):
        def __init__(self, filters: Filters) -> None:
            self.filters = filters
            super().__init__()

    class Closed(Message):
        pass

    def __init__(
        self,
        server_fields: Callable[[Filters], frozenset[str]],
        *,
        initial: Filters | None = None,
        region: str | None = None,
        reply_within: str = "30m",
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._region = region  # a number typed without a country code is of this region
        self._reply_within = reply_within
        self._server_fields = server_fields
        self._applied = Filters()
        self._initial = initial or Filters()
        self._debounce: Timer | None = None
        self._quiet = False  # set while the form is filled programmatically

    def compose(self) -> ComposeResult:
        yield Static(Text("Filters", style="bold"), classes="filter-title")
        yield self._label("Direction", "direction")
        with RadioSet(id="direction"):
            yield ChoiceButton("any", value=True)
            yield ChoiceButton("inbound")
            yield ChoiceButton("outbound")
        yield self._label("Status", "statuses")
        yield StatusChoices(*((s, s) for s in KNOWN_STATUSES), id="statuses")
        yield self._label("Contact / number", "contact")
        yield Input(placeholder=self._contact_hint(), id="contact")
        yield self._label("From (date)", "after")
        yield Input(placeholder="YYYY-MM-DD, today, 7d", id="after")
        yield Label("", id="error-after", classes="filter-error")
        yield self._label("Until (date)", "before")
        yield Input(placeholder="YYYY-MM-DD, today", id="before")
        yield Label("", id="error-before", classes="filter-error")
        yield MarkedCheckbox("Flagged only", id="flagged_only")
        yield Label("", id="tag-flagged_only", classes="filter-tag")
        yield self._label("Text contains", "text")
        yield Input(placeholder="words in the message", id="text")
        yield Static(Text("Whole conversation", style="bold"), classes="filter-section")
        for field, title, meaning in FLAGS:
            label = title.format(reply_within=self._reply_within)
            yield MarkedCheckbox(label, id=field, classes="filter-flag")
            yield Label("", id=f"tag-{field}", classes="filter-tag")
            yield Static(Text(meaning, style="dim"), classes="filter-meaning")
        with Horizontal(classes="filter-buttons"):
            yield Button("Apply", id="apply", variant="primary")
            yield Button("Clear", id="clear")
        yield Static(
            Text("enter applies · ctrl+l clears · esc closes", style="dim"), classes="filter-hint"
        )

    def _contact_hint(self) -> str:
        if self._region and self._region != "US":
            return f"a number ({self._region} format ok) or a name"
        return "+14155550100 or name"

    def _label(self, title: str, field: str) -> Horizontal:
        return Horizontal(
            Label(title, classes="filter-label"),
            Label("", id=f"tag-{field}", classes="filter-tag"),
            classes="filter-row",
        )

    def on_mount(self) -> None:
        self.update_tags(PROBE)
        if not self._initial.is_empty():
            self.set_filters(self._initial)

    def focus_first(self) -> None:
        self.query_one("#direction", RadioSet).focus()

    # ---------------------------------------------------------------- public API

    @property
    def applied(self) -> Filters:
        return self._applied

    def update_tags(self, filters: Filters) -> None:
        """Label each field ``(server)`` / ``(local)`` for ``filters``' active fields."""
        server = self._server_fields(filters)
        for field in filters.active_fields():
            tag = self.query_one(f"#tag-{field}", Label)
            local = field not in server
            tag.update(Text("(local)" if local else "(server)"))
            tag.set_class(local, "-local")

    def set_filters(self, filters: Filters) -> None:
        """Fill the form from ``filters`` (e.g. after a search or clear) without re-posting."""
        self._quiet = True
        try:
            buttons = list(self.query(RadioButton))
            buttons[_DIRECTIONS.index(filters.direction)].value = True
            statuses = self.query_one("#statuses", SelectionList)
            statuses.deselect_all()
            for status in filters.statuses:
                if status in KNOWN_STATUSES:
                    statuses.select(status)
            self.query_one("#contact", Input).value = filters.contact or ""
            self.query_one("#after", Input).value = since_text(filters.after)
            self.query_one("#before", Input).value = until_text(filters.before)
            self.query_one("#flagged_only", Checkbox).value = filters.flagged_only
            self.query_one("#text", Input).value = filters.text or ""
            for field, _, _ in FLAGS:
                self.query_one(f"#{field}", Checkbox).value = bool(getattr(filters, field))
            self._clear_errors()
        finally:
            self.call_after_refresh(self._unquiet)
        self._applied = filters

    def _unquiet(self) -> None:
        self._quiet = False

    def read(self) -> Filters:
        """The filters the form describes; raises :class:`FilterError` on a bad field."""
        radio = self.query_one("#direction", RadioSet)
        index = radio.pressed_index if radio.pressed_index >= 0 else 0
        after, before = date_range(
            self.query_one("#after", Input).value,
            self.query_one("#before", Input).value,
            fields=("after", "before"),
        )
        contact = user_contact(self.query_one("#contact", Input).value, self._region)
        text = self.query_one("#text", Input).value.strip()
        flags = {field: self.query_one(f"#{field}", Checkbox).value for field, _, _ in FLAGS}
        return Filters(
            direction=_DIRECTIONS[index],
            statuses=frozenset(self.query_one("#statuses", SelectionList).selected),
            contact=contact,
            after=after,
            before=before,
            flagged_only=self.query_one("#flagged_only", Checkbox).value,
            text=text or None,
            **flags,
        )

    # ---------------------------------------------------------------- applying

    def action_apply(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None
        try:
            filters = self.read()
        except FilterError as error:
            self._show_error(error.field, str(error))
            return
        self._clear_errors()
        self.update_tags(filters)
        if filters != self._applied:
            self._applied = filters
            self.post_message(self.Applied(filters))

    def action_clear(self) -> None:
        self.set_filters(Filters())
        self._applied = Filters()
        self.post_message(self.Applied(Filters()))

    def action_close(self) -> None:
        self.post_message(self.Closed())

    def _show_error(self, field: str, message: str) -> None:
        """Show (or with "", clear) the inline error of a date field."""
        label = self.query_one(f"#error-{field}", Label)
        label.update(Text(message))
        label.display = bool(message)
        self.query_one(f"#{field}", Input).set_class(bool(message), "-invalid")
        if message:  # below the field, maybe below the fold: bring it into view
            label.call_after_refresh(label.scroll_visible, animate=False)

    def _clear_errors(self) -> None:
        for field in _DATE_FIELDS:
            self._show_error(field, "")

    def _changed(self) -> None:
        if self._quiet:
            return
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE_SECONDS, self.action_apply)

    @on(RadioSet.Changed)
    @on(SelectionList.SelectedChanged)
    @on(Checkbox.Changed)
    @on(Input.Changed)
    def _on_field_changed(self, event: Message) -> None:
        event.stop()
        self._changed()

    @on(Input.Submitted)
    @on(Submit)
    def _on_submitted(self, event: Message) -> None:
        event.stop()
        self.action_apply()

    @on(Button.Pressed, "#apply")
    def _on_apply(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_apply()

    @on(Button.Pressed, "#clear")
    def _on_clear(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_clear()


class ChoiceButton(RadioButton):
    """A radio button whose mark is blank when off: Textual's shows "●" for every option
    and only colour tells the chosen one, which is invisible without colour (NO_COLOR)."""

    @property  # type: ignore[override]
    def BUTTON_INNER(self) -> str:  # the name Textual reads
        return "●" if self.value else " "


class MarkedCheckbox(Checkbox):
    """A checkbox whose "X" shows only when it is checked (see :class:`ChoiceButton`);
    ``space`` toggles it and ``enter`` applies the pane, as in every other field."""

    BINDINGS = [Binding("enter", "submit", "Apply filters", show=False)]

    def action_submit(self) -> None:
        self.post_message(Submit())

    @property  # type: ignore[override]
    def BUTTON_INNER(self) -> str:  # the name Textual reads
        return "X" if self.value else " "


class StatusChoices(SelectionList[str]):
    """A selection list whose "X" marks only the chosen statuses: Textual draws it on every
    option and only colour tells which are chosen, invisible without colour (NO_COLOR).
    ``space`` toggles a status; ``enter`` applies the pane (it toggled the highlighted
    status first, silently undoing a choice: the hint says "enter applies")."""

    BINDINGS = [Binding("enter", "submit", "Apply filters", show=False)]

    def action_submit(self) -> None:
        self.post_message(Submit())

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        try:
            option = self.get_option_at_index(self.scroll_offset.y + y)
        except OptionDoesNotExist:
            return strip
        segments = list(strip)
        if option.value in self.selected or len(segments) < 2:
            return strip
        if segments[1].text != Checkbox.BUTTON_INNER:
            return strip
        segments[1] = Segment(" " * len(segments[1].text), segments[1].style)
        return Strip(segments, strip.cell_length)
