"""Header (backend / inbox / connection state) and status line (matching-message count,
which filters are local). Both render literal Text: labels can hold server-supplied names."""

from __future__ import annotations

from enum import StrEnum

from rich.text import Text
from textual.widgets import Static

from inbox_tui.core.session import CachedCount
from inbox_tui.filters import FILTER_FIELDS, Filters
from inbox_tui.text import one_line


class Connection(StrEnum):
    CONNECTING = "connecting…"
    CONNECTED = "connected"
    RETRYING = "retrying…"
    ERROR = "error"
    OFFLINE = "offline"


_STATE_MARK = {
    Connection.CONNECTING: "◌",
    Connection.CONNECTED: "●",
    Connection.RETRYING: "◌",
    Connection.ERROR: "✗",
    Connection.OFFLINE: "○",
}

FIELD_LABELS = {
    "direction": "direction",
    "statuses": "status",
    "contact": "contact",
    "after": "after",
    "before": "before",
    "flagged_only": "flagged",
    "text": "text",
    "failed_only": "has failed",
    "waiting_only": "waiting too long",
    "unread_only": "unread",
    "mine_only": "mine",
}


class AppHeader(Static):
    """``inbox-tui · <backend label> · inbox <name> · ● connected [· ⚠ INSECURE]``."""

    def __init__(self, backend_label: str, *, insecure: bool = False, id: str | None = None):
        super().__init__(id=id)
        self.backend_label = backend_label
        self.insecure = insecure
        self.inbox = "All inboxes"
        self.state = Connection.CONNECTING
        self.detail = ""
        self.conversation = ""
        self.cache_note = ""  # "cached 3m ago" / "cache from 22:41" while data is from cache
        self.read_only = False  # writes are off (the reason is shown when a write key is pressed)

    def on_mount(self) -> None:
        self._paint()

    def set_inbox(self, inbox: str) -> None:
        self.inbox = inbox
        self._paint()

    def set_conversation(self, label: str) -> None:
        """The open conversation (so a narrow terminal showing only the thread says whose)."""
        self.conversation = label
        self._paint()

    def set_cache_note(self, note: str) -> None:
        """Say that (and since when) the data shown comes from the local cache."""
        self.cache_note = note
        self._paint()

    def set_read_only(self, read_only: bool) -> None:
        self.read_only = read_only
        self._paint()

    def set_state(self, state: Connection, detail: str = "") -> None:
        self.state = state
        self.detail = detail
        self._paint()

    def on_resize(self) -> None:
        self._paint()

    def _paint(self) -> None:
        text = self.render_text(with_backend=True)
        width = self.content_region.width or self.app.size.width
        if text.cell_len > width:  # narrow: the state matters more than the backend label
            text = self.render_text(with_backend=False)
        if text.cell_len > width and self.conversation:  # then shorten the contact, not cut
            room = len(one_line(self.conversation, 40)) - (text.cell_len - width)
            text = self.render_text(with_backend=False, conversation_width=max(room, 8))
        self.update(text)

    def render_text(self, *, with_backend: bool, conversation_width: int = 40) -> Text:
        text = Text("inbox-tui", style="bold")
        if with_backend:
            text.append(" · ")
            text.append(one_line(self.backend_label, 60))
        text.append(" · ")
        text.append(one_line(self.inbox, 40), style="bold")
        if self.conversation:
            text.append(" › ")
            text.append(one_line(self.conversation, conversation_width), style="bold")
        text.append(" · ")
        dark = self.app.current_theme.dark if self.is_attached else True
        text.append(
            f"{_STATE_MARK[self.state]} {self.state.value}", style=_state_style(self.state, dark)
        )
        if self.detail:
            text.append(f" ({one_line(self.detail, 40)})", style="dim")
        if self.cache_note:
            text.append(" · ")
            text.append(one_line(self.cache_note, 40), style="italic")
        if self.read_only:
            text.append(" · ")
            text.append("read-only", style="bold reverse")
        if self.insecure:
            text.append("  ⚠ INSECURE (TLS verification off)", style="bold reverse")
        return text


def _state_style(state: Connection, dark: bool = True) -> str:
    """Red / yellow read on a dark header only; on a light one the mark and weight carry it."""
    if not dark:
        return {Connection.ERROR: "bold", Connection.OFFLINE: "italic"}.get(state, "")
    return {Connection.ERROR: "bold red", Connection.OFFLINE: "yellow"}.get(state, "")


def plural(count: int, noun: str) -> str:
    return noun if count == 1 else f"{noun}s"


class StatusLine(Static):
    """Matching-message count and the active filters, each tagged server/local."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.count: int | None = None
        self.counting = False
        self.filters = Filters()
        self.local: frozenset[str] = frozenset()
        self.listed = 0
        self.queue: tuple[int, str, bool] | None = None  # (waiting, longest wait, overdue)
        self.search = ""
        self.view = ""  # the list view (Mine, Open, ...) when it is not "All"
        self.saved_view = ""  # the saved view whose filters are applied, if any

    def on_mount(self) -> None:
        self._paint()

    def set_search(self, text: str) -> None:
        """The open thread's search ("/refund · 12 cached matches", "searching older…")."""
        if text != self.search:
            self.search = text
            self._paint()

    def set_queue(self, waiting: int, longest: str = "", overdue: bool = False) -> None:
        """The reply queue: how many conversations wait on us, and the longest wait."""
        queue = (waiting, longest, overdue)
        if queue != self.queue:
            self.queue = queue
            self._paint()

    def set_filters(self, filters: Filters, local: frozenset[str]) -> None:
        self.filters, self.local = filters, local
        self._paint()

    def set_count(self, count: int | None, *, counting: bool = False) -> None:
        self.count, self.counting = count, counting
        self._paint()

    def set_view(self, view: str) -> None:
        self.view = view
        self._paint()

    def set_saved_view(self, name: str) -> None:
        if name != self.saved_view:
            self.saved_view = name
            self._paint()

    def set_listed(self, listed: int) -> None:
        self.listed = listed
        self._paint()

    def render_text(self) -> Text:
        text = Text()
        if self.search:
            text.append(one_line(self.search, 60), style="bold reverse")
            text.append(" · ")
        if self.queue is not None:  # first: what a triager looks at before anything else
            waiting, longest, overdue = self.queue
            if waiting:
                mark = "! " if overdue else ""
                text.append(f"{mark}{waiting:,} waiting, longest {longest}", style="bold")
            else:
                text.append("nobody waiting")
            text.append(" · ")
        # The views before the counts: on a narrow terminal they say why the list is short.
        if self.saved_view:
            text.append(f"saved view: {one_line(self.saved_view, 30)}", style="bold")
            text.append(" · ")
        if self.view:
            # Open / Closed go to the server as `closed` when it can filter on it.
            server = "closed" in self.filters.active_fields() and "closed" not in self.local
            text.append(f"view: {self.view} ({'server' if server else 'local'}) · ")
        if self.counting:
            text.append("counting…")
        elif isinstance(self.count, CachedCount):
            text.append(f"{self.count:,} {plural(self.count, 'conversation')} cached")
        elif self.count is not None:
            approx = "≤ " if self.local else ""
            noun = plural(self.count, "message")
            text.append(f"{approx}{self.count:,} {noun} match", style="bold")
        elif self.local:
            text.append("count n/a (local filters)")
        else:
            text.append("count unavailable")
        text.append(f" · {self.listed:,} {plural(self.listed, 'conversation')} listed")
        fields = self.filters.active_fields()
        active = [f for f in FILTER_FIELDS if f in fields and f in FIELD_LABELS]
        if active:
            text.append(" · filters: ")
            for n, field in enumerate(active):
                if n:
                    text.append(", ")
                text.append(FIELD_LABELS[field])
                if field in self.local:
                    text.append(" (local)", style="italic")
        else:
            text.append(" · no filters")
        return text

    def _paint(self) -> None:
        self.update(self.render_text())
