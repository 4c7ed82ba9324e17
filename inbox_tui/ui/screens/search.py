"""``/``: full-text search over the local cache, with live results.

Typing runs a debounced query in a worker (SQLite runs on the store's reader thread, never
on the UI thread). Results show the contact, the time and a snippet with the matches
highlighted, built as literal ``Text`` (message text is data, never markup). Enter opens
the message in its thread; esc closes. Works offline: only the cache is read.
"""

from __future__ import annotations

import asyncio
import logging

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from inbox_tui.phone import pretty
from inbox_tui.store import SearchHit, Store
from inbox_tui.text import one_line
from inbox_tui.ui.keymap import identify
from inbox_tui.ui.timefmt import Clock, relative_time, utc_now

log = logging.getLogger(__name__)

DEBOUNCE_SECONDS = 0.15
RESULT_LIMIT = 50
MATCH_STYLE = "bold reverse"
IDLE_TEXT = "type to search the cache · ctrl+t: filter the list by text instead"


def hit_text(hit: SearchHit, now_label: str) -> Text:
    """Two lines: ``name · number   time`` and the snippet, matches highlighted."""
    text = Text()
    name = one_line(hit.name or "", 40)
    if name:
        text.append_text(_highlighted(name, hit.name_highlights if name == hit.name else ()))
        text.append(" · ")
    text.append(pretty(hit.contact), style="dim")
    text.append(f"  {now_label}", style="dim")
    text.append("\n  ")
    arrow = "→ " if hit.direction.value == "outbound" else "← "
    text.append(arrow, style="dim")
    snippet = one_line(hit.snippet, 300)
    text.append_text(_highlighted(snippet, hit.highlights if snippet == hit.snippet else ()))
    return text


def _highlighted(value: str, spans: tuple[tuple[int, int], ...]) -> Text:
    text = Text(value)  # literal: never parsed as markup
    for start, end in spans:
        if 0 <= start < end <= len(value):
            text.stylize(MATCH_STYLE, start, end)
    return text


class FilterByText(str):
    """The search screen's other answer: filter the conversation list by this text (the
    server applies it where the API can, else it is applied to what is loaded)."""


class SearchScreen(ModalScreen[SearchHit | FilterByText | None]):
    """Dismisses with the chosen :class:`SearchHit`, a :class:`FilterByText` (ctrl+t), or
    None (esc)."""

    BINDINGS = identify(
        "search",
        [
            Binding("escape", "close", "Close"),
            Binding("down", "to_results", "Results", show=False),
            Binding("ctrl+t", "filter_text", "Filter list by this text (server too)"),
        ],
    )

    DEFAULT_CSS = """
    SearchScreen { align: center top; }
    SearchScreen > #search-box {
        width: 90%; max-width: 120; height: 80%; margin-top: 2;
        border: round $accent; background: $surface; padding: 0 1;
    }
    SearchScreen #search-query { margin-bottom: 1; }
    SearchScreen #search-results { height: 1fr; }
    SearchScreen #search-info { height: auto; max-height: 2; color: $text-muted; }
    """

    def __init__(
        self,
        store: Store,
        *,
        inbox_id: str | None = None,
        clock: Clock = utc_now,
        query: str = "",
    ) -> None:
        super().__init__()
        self.store = store
        self.inbox_id = inbox_id
        self.clock = clock
        self.initial_query = query
        self.hits: list[SearchHit] = []
        self.searches = 0  # queries run (tests: debouncing)
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="search-box"):
            yield Input(
                value=self.initial_query,
                placeholder="search cached messages, names, numbers (enter: open, esc: close)",
                id="search-query",
            )
            yield Static(IDLE_TEXT, id="search-info")
            yield OptionList(id="search-results")

    def on_mount(self) -> None:
        self.query_one("#search-query", Input).focus()
        if self.initial_query.strip():
            self._search(self.initial_query)

    @property
    def results(self) -> OptionList:
        return self.query_one("#search-results", OptionList)

    @on(Input.Changed, "#search-query")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        value = event.value
        self._timer = self.set_timer(DEBOUNCE_SECONDS, lambda: self._search(value))

    @on(Input.Submitted, "#search-query")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.hits:
            index = self.results.highlighted or 0
            self.dismiss(self.hits[index])
        else:
            self._search(event.value)

    @on(OptionList.OptionSelected, "#search-results")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self.hits):
            self.dismiss(self.hits[event.option_index])

    def action_close(self) -> None:
        self.dismiss(None)

    def action_filter_text(self) -> None:
        self.dismiss(FilterByText(self.query_one("#search-query", Input).value.strip()))

    def action_to_results(self) -> None:
        if self.hits:
            self.results.focus()
            if self.results.highlighted is None:
                self.results.highlighted = 0

    @work(group="search", exclusive=True, exit_on_error=False)
    async def _search(self, query: str) -> None:
        info = self.query_one("#search-info", Static)
        if not query.strip():
            self.hits = []
            self.results.clear_options()
            info.update(IDLE_TEXT)
            return
        self.searches += 1
        try:
            hits = await self.store.search(query, limit=RESULT_LIMIT, inbox_id=self.inbox_id)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a damaged cache: say so, keep the screen usable
            log.warning("search failed: %s", type(error).__name__)
            info.update(Text(f"search failed: {type(error).__name__}"))
            return
        self.hits = hits
        now = self.clock()
        options = [
            Option(hit_text(hit, relative_time(hit.created_at, now)), id=str(n))
            for n, hit in enumerate(hits)
        ]
        self.results.clear_options()
        self.results.add_options(options)
        if hits:
            self.results.highlighted = 0
        more = "+" if len(hits) >= RESULT_LIMIT else ""
        label = f"{len(hits)}{more} cached message{'s' if len(hits) != 1 else ''} match"
        if not hits:
            label = "no cached message matches"
        info.update(Text(f"{label} · enter opens · ↓ list · ctrl+t filter by text · esc"))
