"""The conversation list: a virtualised Line-API ``ScrollView`` (cost grows with the screen,
not with the number of conversations), loading more conversations lazily as the cursor or
the scroll position nears the end."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events, work
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from inbox_tui.core.backend import ConversationPager
from inbox_tui.core.waiting import overdue, wait_text
from inbox_tui.filters import Filters
from inbox_tui.models import Conversation, Direction
from inbox_tui.phone import pretty
from inbox_tui.text import one_line, sanitize
from inbox_tui.ui.keymap import identify
from inbox_tui.ui.timefmt import Clock, relative_time, utc_now
from inbox_tui.ui.views import conversation_badges

# Conversation actions: handled by the app (ui/triage_keys.py) on the highlighted row.
# Not in the footer (80 columns must still show how to get help); ? lists them.
TRIAGE_LIST_BINDINGS = [
    Binding("c", "app.triage('close')", "Close/reopen", id="list.close", show=False),
    Binding("m", "app.triage('read')", "Mark read/unread", id="list.read", show=False),
    Binding("a", "app.triage('assign')", "Assign", id="list.assign", show=False),
    Binding("v", "app.triage('view')", "Next view", id="list.view", show=False),
]

NARROW_ROW_WIDTH = 40  # below this many cells a conversation takes one line instead of two
MAX_PAGES_PER_FETCH = 50  # bound on pages walked at once when local filters hide most rows
MARK_UNREAD, MARK_FLAGGED, MARK_FAILED = "●", "⚑", "✗"
PREVIEW_PENDING = "…"  # a row whose text is still being fetched (conversations API rows)
MARK_OVERDUE = "!"  # waiting longer than reply_within: a mark, not only a colour


@dataclass(frozen=True)
class _Styles:
    base: Style
    cursor: Style
    name: Style
    unread: Style
    preview: Style
    time: Style
    failed: Style
    flagged: Style
    inbox: Style
    status: Style
    waiting: Style
    overdue: Style
    badge: Style


class ConversationList(ScrollView, can_focus=True):
    """Conversations, most recently active first. Posts
    :class:`Opened`, :class:`LoadFailed` and :class:`Loaded`."""

    BINDINGS = identify(
        "list",
        [
            Binding("j,down", "cursor_down", "Down", show=False),
            Binding("k,up", "cursor_up", "Up", show=False),
            Binding("g,home", "first", "First", show=False),
            Binding("G,end", "last", "Last", show=False),
            Binding("ctrl+d", "half_page(1)", "Half page down", show=False),
            Binding("ctrl+u", "half_page(-1)", "Half page up", show=False),
            Binding("pagedown", "page(1)", "Page down", show=False),
            Binding("pageup", "page(-1)", "Page up", show=False),
            Binding("enter,l", "open", "Open"),
            Binding("right_square_bracket", "next_failed", "Next failed", key_display="]"),
            Binding("left_square_bracket", "previous_failed", "Prev failed", key_display="["),
            Binding("u", "next_unread", "Next unread"),
            Binding("y", "copy_body", "Copy last text", show=False),
            Binding("Y", "copy_number", "Copy number", show=False),
            *TRIAGE_LIST_BINDINGS,
        ],
    )

    COMPONENT_CLASSES = {
        "conversation-list--cursor",
        "conversation-list--name",
        "conversation-list--unread",
        "conversation-list--preview",
        "conversation-list--time",
        "conversation-list--failed",
        "conversation-list--flagged",
        "conversation-list--inbox",
        "conversation-list--status",
        "conversation-list--waiting",
        "conversation-list--overdue",
        "conversation-list--badge",
    }

    DEFAULT_CSS = """
    ConversationList { background: $surface; overflow-x: hidden; }
    ConversationList > .conversation-list--cursor { background: $boost; }
    ConversationList:focus > .conversation-list--cursor {
        background: $accent 40%; text-style: bold;
    }
    ConversationList > .conversation-list--name { }
    ConversationList > .conversation-list--unread { text-style: bold; }
    ConversationList > .conversation-list--preview { color: $text-muted; }
    ConversationList > .conversation-list--time { color: $text-muted; }
    ConversationList > .conversation-list--failed { color: $error; text-style: bold; }
    ConversationList > .conversation-list--flagged { color: $warning; }
    ConversationList > .conversation-list--inbox { color: $secondary; }
    ConversationList > .conversation-list--status { color: $text-muted; text-style: italic; }
    ConversationList > .conversation-list--waiting { color: $text-muted; }
    ConversationList > .conversation-list--overdue { color: $error; text-style: bold reverse; }
    ConversationList > .conversation-list--badge { color: $secondary; text-style: italic; }
    """

    cursor: reactive[int] = reactive(0, always_update=False, init=False)

    class Opened(Message):
        def __init__(self, conversation: Conversation) -> None:
            self.conversation = conversation
            super().__init__()

    class LoadFailed(Message):
        """A page failed to load; ``retry`` asks for it again."""

        def __init__(self, error: BaseException, retry: Callable[[], None]) -> None:
            self.error = error
            self.retry = retry
            super().__init__()

    class Loaded(Message):
        """A page arrived. ``total`` is the number of conversations listed so far."""

        def __init__(self, total: int, exhausted: bool) -> None:
            self.total = total
            self.exhausted = exhausted
            super().__init__()

    def __init__(
        self,
        *,
        clock: Clock = utc_now,
        tz: tzinfo | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._clock = clock
        self._tz = tz  # the thread's zone: a weekday here is the same day there
        self._rows: list[Conversation] = []
        self._keys: set[str] = set()
        self._all: list[Conversation] = []  # every row loaded, before the view's filter
        self._pager: ConversationPager | None = None
        self._local = Filters()
        self._load_gen = 0
        self._loads = 0
        self._loading = False
        self._failed = False
        self._inbox_names: dict[str, str] = {}
        self._to_end = False  # G: the cursor follows the last row as pages arrive
        self._waiting: dict[str, datetime] = {}  # key -> since when the customer waits
        self._reply_within: timedelta | None = None
        self._member_names: dict[str, str] = {}
        self._no_preview: set[str] = set()  # rows known to have no message to preview
        # The list view (Mine, Open, ...): a filter over the rows loaded (see set_view).
        self.view: Callable[[Conversation], bool] | None = None
        self._cache: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        self._styles: _Styles | None = None
        self._render_gen = 0
        self._now = clock()
        self.render_count = 0  # render_line calls that missed the cache (tests, benches)

    # ---------------------------------------------------------------- public API

    @property
    def conversations(self) -> list[Conversation]:
        """The conversations listed so far (do not mutate)."""
        return self._rows

    @property
    def exhausted(self) -> bool:
        return self._pager is None or self._pager.exhausted

    @property
    def is_loading(self) -> bool:
        return self._loading

    @property
    def loads(self) -> int:
        """How many times :meth:`load` started the list again from its first page."""
        return self._loads

    @property
    def highlighted(self) -> Conversation | None:
        return self._rows[self.cursor] if 0 <= self.cursor < len(self._rows) else None

    def set_inbox_names(self, names: dict[str, str]) -> None:
        """Inbox id → name; the name is shown on each row when several inboxes are listed."""
        self._inbox_names = dict(names)
        self._invalidate()

    def set_waiting(self, since: dict[str, datetime], reply_within: timedelta | None) -> None:
        """Which conversations wait on a reply since when, and the profile's threshold."""
        if since == self._waiting and reply_within == self._reply_within:
            return
        self._waiting = dict(since)
        self._reply_within = reply_within
        self._invalidate()

    def waiting_label(self, conversation: Conversation) -> tuple[str, bool] | None:
        """``("waiting 2h 14m", overdue)`` for a conversation waiting on us, else None."""
        since = self._waiting.get(conversation.key)
        if since is None:
            return None
        waited = max(self._now - since, timedelta(0))
        return f"waiting {wait_text(waited)}", overdue(waited, self._reply_within)

    def visible_conversations(self) -> list[Conversation]:
        """The rows on screen now (work worth doing only for what is seen): none while the
        list is hidden (a narrow terminal shows the filter pane or the thread instead)."""
        height = self.scrollable_content_region.height
        if height <= 0 or not self.display:
            return []
        top = int(self.scroll_y)
        first, last = top // self._row_height, (top + height - 1) // self._row_height
        return self._rows[first : last + 1]

    def set_no_preview(self, key: str) -> None:
        """The row ``key`` has no message to preview: no placeholder for it."""
        if key not in self._no_preview:
            self._no_preview.add(key)
            self._invalidate()

    def set_member_names(self, names: dict[str, str]) -> None:
        """Member id → name, for the assignee badge."""
        self._member_names = dict(names)
        self._invalidate()

    def load(self, pager: ConversationPager, local: Filters | None = None) -> None:
        """Replace the list with ``pager``'s conversations, applying ``local`` filters.
        Cancels any load in flight."""
        self._load_gen += 1
        self._loads += 1
        self._to_end = False
        self._pager = pager
        self._local = local or Filters()
        self._rows = []
        self._all = []
        self._keys = set()
        self._failed = False
        self.set_reactive(ConversationList.cursor, 0)
        self.scroll_to(y=0, animate=False)
        self._start_fetch()

    def show_failed(self) -> None:
        """Nothing to list because the first load failed (the banner has the retry)."""
        self._load_gen += 1
        self._pager = None
        self._rows = []
        self._all = []
        self._keys = set()
        self._failed = True
        self._loading = False
        self._update_virtual_size()
        self._invalidate()
        self._refresh_status_line()

    def load_more(self) -> None:
        """Fetch the next page now (also the retry after a failure)."""
        if self._pager is None or self._pager.exhausted or self._loading:
            return
        self._failed = False
        self._start_fetch()

    def replace_rows(self, rows: list[Conversation], pager: ConversationPager) -> None:
        """Show ``rows`` (a fresh read of the same ordered source, e.g. the cache after a
        sync) and continue with ``pager`` after them. The cursor stays on the conversation
        it was on; local filters still apply. Cancels any load in flight."""
        current = self.highlighted
        self._load_gen += 1
        self._pager = pager
        self._rows = []
        self._all = []
        self._keys = set()
        self._failed = False
        self._loading = False
        self._append(rows)
        index = 0
        if current is not None:
            index = next((n for n, c in enumerate(self._rows) if c.key == current.key), 0)
        self.set_reactive(ConversationList.cursor, self.validate_cursor(index))
        self._scroll_cursor_visible()
        self._invalidate()
        self.post_message(self.Loaded(len(self._rows), pager.exhausted))
        self.call_after_refresh(self._maybe_load_more)

    def update_row(self, conversation: Conversation) -> None:
        """Replace the listed row with the same key (e.g. marked read), in place. It stays
        listed even if the view would now hide it, until the view is applied again."""
        changed = False
        for rows in (self._all, self._rows):
            for n, row in enumerate(rows):
                if row.key == conversation.key:
                    rows[n] = conversation
                    changed = True
                    break
        if changed:
            self._invalidate()

    def set_view(self, view: Callable[[Conversation], bool] | None) -> None:
        """Filter the rows loaded so far (and those to come) by ``view``; None lists all.
        The cursor stays on its conversation when the view keeps it."""
        current = self.highlighted
        self.view = view
        self._rows = [row for row in self._all if view is None or view(row)]
        index = 0
        if current is not None:
            index = next((n for n, c in enumerate(self._rows) if c.key == current.key), 0)
        self.set_reactive(ConversationList.cursor, self.validate_cursor(index))
        self._update_virtual_size()
        self._scroll_cursor_visible()
        self._invalidate()
        if self._pager is not None:
            self.post_message(self.Loaded(len(self._rows), self.exhausted))
        self.call_after_refresh(self._maybe_load_more)

    def select(self, index: int) -> None:
        if self._rows:
            self.cursor = max(0, min(index, len(self._rows) - 1))

    def select_key(self, key: str) -> bool:
        """Put the cursor on the conversation ``key`` if it is listed; True when it is."""
        index = next((n for n, row in enumerate(self._rows) if row.key == key), None)
        if index is not None:
            self.select(index)
        return index is not None

    # ---------------------------------------------------------------- loading

    def _start_fetch(self) -> None:
        """Loading from the request on, not from when the worker first runs: a worker may
        start only after the list was replaced (``replace_rows`` clears the flag), and a
        stale one then must not set it again, since only its own generation clears it."""
        self._loading = True
        self._refresh_status_line()
        self._fetch(self._load_gen)

    @work(group="conversations", exclusive=True, exit_on_error=False)
    async def _fetch(self, generation: int) -> None:
        pager = self._pager
        if generation != self._load_gen:
            return
        try:
            if pager is None:
                return
            for _ in range(MAX_PAGES_PER_FETCH):
                page = await pager.next_page()
                if generation != self._load_gen:
                    return
                self._append(page)
                if pager.exhausted or not self._wants_more():
                    break
        except asyncio.CancelledError:
            raise
        except Exception as error:  # any failure becomes a banner, never a crash
            if generation == self._load_gen:  # the app logs it along with the banner
                self._failed = True
                self.post_message(self.LoadFailed(error, self.load_more))
            return
        finally:
            if generation == self._load_gen:
                self._loading = False
                self._refresh_status_line()
        self.post_message(self.Loaded(len(self._rows), pager.exhausted))
        # The user may have scrolled further while the page was on its way.
        self.call_after_refresh(self._maybe_load_more)

    def _append(self, page: list[Conversation]) -> None:
        for conversation in page:
            if conversation.key in self._keys or not self._local.matches_conversation(conversation):
                continue
            self._keys.add(conversation.key)
            self._all.append(conversation)
            if self.view is None or self.view(conversation):
                self._rows.append(conversation)
        self._update_virtual_size()
        self._invalidate()  # rows (and the status line) moved under their cached keys
        if self._to_end and self._rows:
            self.cursor = len(self._rows) - 1

    def _wants_more(self) -> bool:
        """True when fewer than two screens of rows lie below the cursor / scroll position."""
        height = max(self.scrollable_content_region.height, 1)
        visible_end = (int(self.scroll_y) + height) // self._row_height
        needed = max(visible_end, self.cursor) + height // self._row_height + 1
        return len(self._rows) < needed

    def _maybe_load_more(self) -> None:
        if not self._failed and self._wants_more():
            self.load_more()

    # ---------------------------------------------------------------- geometry

    @property
    def _row_height(self) -> int:
        return 1 if self.size.width < NARROW_ROW_WIDTH else 2

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(self.size.width, len(self._rows) * self._row_height + 1)

    def on_resize(self, event: events.Resize) -> None:
        self._update_virtual_size()
        self._invalidate()
        self._scroll_cursor_visible()
        self.call_after_refresh(self._maybe_load_more)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if round(old_value) != round(new_value):
            self._maybe_load_more()

    def _scroll_cursor_visible(self) -> None:
        height = self.scrollable_content_region.height
        if height <= 0:
            return
        top = self.cursor * self._row_height
        bottom = top + self._row_height
        if top < self.scroll_y:
            self.scroll_to(y=top, animate=False)
        elif bottom > self.scroll_y + height:
            self.scroll_to(y=bottom - height, animate=False)

    # ---------------------------------------------------------------- cursor and keys

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self._rows) - 1)) if self._rows else 0

    def watch_cursor(self, old: int, new: int) -> None:
        if new < len(self._rows) - 1:
            self._to_end = False  # moved away from the end: stop following it
        self._scroll_cursor_visible()
        self.refresh()
        self._maybe_load_more()

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        """``G``: the last conversation, loading every remaining page (progress shows in
        the status row); moving up stops following the end."""
        self.cursor = len(self._rows) - 1
        self._to_end = not self.exhausted
        self._refresh_status_line()
        self.load_more()

    def action_copy_body(self) -> None:
        last = self.highlighted.last_message if self.highlighted else None
        if last is None:
            self.notify("No message to copy", timeout=2)
            return
        self.app.copy_to_clipboard(sanitize(last.body))
        self.notify("copied the last message's text", timeout=2)

    def action_copy_number(self) -> None:
        if self.highlighted is not None:
            self.app.copy_to_clipboard(self.highlighted.contact)
            self.notify(f"copied {self.highlighted.contact}", markup=False, timeout=2)

    def action_half_page(self, direction: int) -> None:
        rows = max(1, self.scrollable_content_region.height // self._row_height // 2)
        self.cursor += direction * rows

    def action_page(self, direction: int) -> None:
        rows = max(1, self.scrollable_content_region.height // self._row_height - 1)
        self.cursor += direction * rows

    def action_open(self) -> None:
        if self.highlighted is not None:
            self.post_message(self.Opened(self.highlighted))

    def action_next_failed(self) -> None:
        self._jump(
            _shows_failed,
            1,
            "No more conversations with failed messages",
        )

    def action_previous_failed(self) -> None:
        self._jump(
            _shows_failed,
            -1,
            "No earlier conversation with failed messages",
        )

    def action_next_unread(self) -> None:
        self._jump(lambda c: c.unread, 1, "No more unread conversations")

    def _jump(self, wanted: Callable[[Conversation], bool], step: int, none_left: str) -> None:
        index = self.cursor + step
        while 0 <= index < len(self._rows):
            if wanted(self._rows[index]):
                self.cursor = index
                return
            index += step
        more = "" if step < 0 or self.exhausted else " (more load as you scroll)"
        self.notify(none_left + more, timeout=3)

    async def on_click(self, event: events.Click) -> None:
        index = (event.y + int(self.scroll_y)) // self._row_height
        if 0 <= index < len(self._rows):
            if index == self.cursor and event.chain >= 2:
                self.action_open()
            self.cursor = index

    # ---------------------------------------------------------------- rendering

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._invalidate()

    def _invalidate(self) -> None:
        self._render_gen += 1
        self._cache.clear()
        self.refresh()

    def tick(self) -> None:
        """Re-read the clock (relative times age); called by the app every minute."""
        self._now = self._clock()
        self._invalidate()

    def _refresh_status_line(self) -> None:
        self._update_virtual_size()
        self._invalidate()

    def _get_styles(self) -> _Styles:
        if self._styles is None:

            def get(name: str) -> Style:
                # Foreground and text style only. A partial style leaves a translucent theme
                # colour ($text-muted) unblended, which rendered as white on every theme.
                full = self.get_component_rich_style(name)
                return full.without_color + Style.from_color(full.color)

            self._styles = _Styles(
                base=self.rich_style,
                cursor=self.get_component_rich_style("conversation-list--cursor"),
                name=get("conversation-list--name"),
                unread=get("conversation-list--unread"),
                preview=get("conversation-list--preview"),
                time=get("conversation-list--time"),
                failed=get("conversation-list--failed"),
                flagged=get("conversation-list--flagged"),
                inbox=get("conversation-list--inbox"),
                status=get("conversation-list--status"),
                waiting=get("conversation-list--waiting"),
                overdue=get("conversation-list--overdue"),
                badge=get("conversation-list--badge"),
            )
        return self._styles

    def render_line(self, y: int) -> Strip:
        line = y + int(self.scroll_y)
        width = self.scrollable_content_region.width
        row_height = self._row_height
        index, part = divmod(line, row_height)
        selected = index == self.cursor
        key = (index, part, width, selected, self.has_focus, self._render_gen)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        self.render_count += 1
        styles = self._get_styles()
        if index < len(self._rows):
            text = self._row_text(self._rows[index], part, row_height, width, styles)
            base = styles.base + styles.cursor if selected else styles.base
        elif index == len(self._rows) and part == 0:
            text = Text(self._status_text(), style=styles.status)
            base = styles.base
        else:
            text, base = Text(), styles.base
        text.truncate(width, overflow="ellipsis")
        # The base (background / cursor) goes under each part's own colours.
        segments = list(text.render(self.app.console))
        strip = Strip(Segment.apply_style(segments, base), text.cell_len)
        strip = strip.crop_extend(0, width, base).simplify()
        self._cache[key] = strip
        return strip

    def _status_text(self) -> str:
        if self._loading:
            loaded = f" {len(self._rows):,} loaded" if self._to_end and self._rows else ""
            return f"  loading conversations…{loaded}"
        if self._failed:
            return "  loading failed: press ctrl+r to retry"
        if not self._rows and self._pager is not None:
            if self.view is not None:
                return "  No conversations in this view (v: next view)"
            if self._local.is_empty():
                return "  No conversations"
            return "  No conversations match the filters"
        return ""

    def _row_text(
        self, conversation: Conversation, part: int, row_height: int, width: int, s: _Styles
    ) -> Text:
        """Line ``part`` of a conversation's row: markers, contact, time / preview."""
        if part == 1:
            text = Text("   ")
            text.append(self._preview(conversation), style=s.preview)
            return text
        markers = Text()
        failed = _shows_failed(conversation)
        markers.append(MARK_UNREAD if conversation.unread else " ", style=s.unread)
        markers.append(MARK_FLAGGED if conversation.flagged else " ", style=s.flagged)
        markers.append(MARK_FAILED if failed else " ", style=s.failed)
        right = Text(" ")
        waiting = self.waiting_label(conversation)
        if waiting is not None:
            label, late = waiting
            if row_height == 1:
                label = label.removeprefix("waiting ")
            right.append(
                f"{MARK_OVERDUE}{label}" if late else label, style=s.overdue if late else s.waiting
            )
            right.append(" ")
        if len(self._inbox_names) > 1 and conversation.inbox_id:
            inbox = self._inbox_names.get(conversation.inbox_id, conversation.inbox_id)
            right.append(one_line(inbox, 16), style=s.inbox)
            right.append(" ")
        for badge in conversation_badges(conversation, self._member_names):
            right.append("· ", style=s.time)
            right.append(badge, style=s.badge)
            right.append(" ")
        right.append(
            relative_time(conversation.last_at, self._now, self._tz).rjust(6), style=s.time
        )
        left = Text(" ").append_text(markers).append(" ")
        label = contact_label(conversation, short=row_height == 1)
        left.append(label, style=s.unread if conversation.unread else s.name)
        if row_height == 1:
            left.append("  ")
            left.append(self._preview(conversation), style=s.preview)
        room = max(width - right.cell_len, 0)
        left.truncate(room, overflow="ellipsis", pad=True)
        return left.append_text(right)

    def _preview(self, conversation: Conversation) -> str:
        message = conversation.last_message
        if message is None:
            return "" if conversation.key in self._no_preview else PREVIEW_PENDING
        prefix = "You: " if message.direction == Direction.OUTBOUND else ""
        if message.is_note:
            prefix = "Note: "
        body = one_line(message.body, 300)
        if not body and message.media_url:
            body = "[media]"
        return prefix + body


def contact_label(conversation: Conversation, *, short: bool = False) -> str:
    """``Name · +1 (415) 555-0100``; with ``short``, the name alone when there is one."""
    name = one_line(conversation.name or "", 40).strip()
    number = pretty(conversation.contact)
    if not name:
        return number
    return name if short else f"{name} · {number}"


def _shows_failed(conversation: Conversation) -> bool:
    """The row's ✗ mark, and what ``]`` / ``[`` jump between."""
    last = conversation.last_message
    return conversation.has_failed or (last is not None and last.is_failed)
