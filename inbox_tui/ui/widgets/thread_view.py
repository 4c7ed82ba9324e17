"""The thread of one conversation: a virtualised (Line API) view with lazy scroll-back.

Only visible lines are rendered (``render_line``); each message's lines are cached as
``Strip``s in an LRU cache. :class:`~inbox_tui.ui.widgets.thread_layout.ThreadIndex` maps a line
to its message in O(log n), and prepending an older page costs O(page), so a thread of
100,000 messages scrolls like one of 100.

Virtual line 0 is a status row ("loading older…", "beginning of conversation", an error
with "press ctrl+r to retry"); messages follow. Older pages are fetched by an exclusive worker
(group ``"thread"``) when the viewport comes within ``prefetch_screens`` screens of the top,
and inserted above while the line the user is looking at stays on the same screen row.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sys
import webbrowser
from collections.abc import Awaitable, Callable
from datetime import tzinfo
from typing import ClassVar
from urllib.parse import urlsplit

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.actions import SkipAction
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from inbox_tui.core.backend import MessagePager
from inbox_tui.filters import Filters
from inbox_tui.models import Conversation
from inbox_tui.models import Message as SmsMessage
from inbox_tui.text import one_line, sanitize
from inbox_tui.ui.keymap import identify
from inbox_tui.ui.widgets.thread_batch import older_batch, settle
from inbox_tui.ui.widgets.thread_find import CacheAnswer, ThreadSearch
from inbox_tui.ui.widgets.thread_layout import (
    LayoutContext,
    ThreadIndex,
    ThreadStyles,
    estimate_height,
    message_height,
    plan_message,
    render_message,
)

log = logging.getLogger(__name__)

STATUS_ROWS = 1
_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)

LOADING_TEXT = "⟳ loading older…"
BEGINNING_TEXT = "— beginning of conversation —"
PARTIAL_TEXT = "— older messages are not in the cache (offline) —"
ERROR_TEXT = "✗ could not load older messages: press ctrl+r to retry"
ERROR_FIRST_TEXT = "✗ could not load messages: press ctrl+r to retry"
MORE_TEXT = "↑ scroll up for older messages"
EMPTY_TEXT = "no conversation selected"


# (message id, line within it, screen row, had a day header); None = follow the bottom.
Anchor = tuple[str, int, int, bool] | None


# Rendered messages kept (a few screens' worth). Each Strip carries its own small caches:
# 2,048 messages held 10-14 MB of them, whatever the thread's length.
STRIP_CACHE = 256


def first_url(message: SmsMessage) -> str | None:
    """The media URL, else the first http(s) link in the body."""
    if message.media_url:
        return sanitize(message.media_url, keep_newlines=False)
    match = _URL.search(sanitize(message.body))
    return match.group(0).rstrip(".,;:!?)]}") if match else None


def openable(url: str) -> bool:
    """Only http(s) links with a host go to the browser: ``file:``, ``javascript:``,
    ``data:`` or a custom scheme from a (hostile) server could read local files or, through
    ``os.startfile`` on Windows, run programs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def can_open_browser() -> bool:
    """A graphical browser is plausible. Without a display, ``webbrowser`` would start a
    text browser inside our terminal, so the URL is shown instead."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


class ThreadView(ThreadSearch, ScrollView, can_focus=True):
    """Messages of one conversation, oldest at the top, opening at the newest."""

    DEFAULT_CSS = """
    ThreadView {
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-gutter: stable;
        background: $surface;
    }
    ThreadView > .thread--inbound { background: $boost; }
    ThreadView > .thread--outbound { background: $primary 25%; }
    ThreadView > .thread--note { background: $warning 15%; text-style: italic; }
    ThreadView > .thread--meta { color: $text-muted; }
    ThreadView > .thread--day { color: $text-muted; }
    ThreadView > .thread--failed { color: $error; text-style: bold; }
    ThreadView > .thread--status { color: $text-muted; }
    ThreadView > .thread--media { color: $accent; text-style: underline; }
    ThreadView > .thread--selected { color: $accent; text-style: bold; }
    ThreadView > .thread--match { color: $warning; text-style: bold; }
    ThreadView > .thread--more { color: $text-muted; text-style: italic; }
    ThreadView > .thread--banner { color: $text-muted; text-style: italic; }
    ThreadView > .thread--banner-error { color: $error; text-style: bold; }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "thread--inbound",
        "thread--outbound",
        "thread--note",
        "thread--meta",
        "thread--day",
        "thread--failed",
        "thread--status",
        "thread--media",
        "thread--selected",
        "thread--match",
        "thread--more",
        "thread--banner",
        "thread--banner-error",
    }

    BINDINGS: ClassVar[list[BindingType]] = identify(
        "thread",
        [
            Binding("j,down", "cursor_down", "next msg", show=False),
            Binding("k,up", "cursor_up", "prev msg", show=False),
            Binding("g,home", "first", "first message (loads older to the beginning)", show=False),
            Binding("G,end", "last", "last", show=False),
            Binding("ctrl+d", "half_page(1)", "½ page down", show=False),
            Binding("ctrl+u", "half_page(-1)", "½ page up", show=False),
            Binding("pagedown,space", "page(1)", "page down", show=False),
            Binding("pageup", "page(-1)", "page up", show=False),
            Binding("enter", "detail", "detail"),
            Binding("y", "copy_body", "copy text"),
            Binding("Y", "copy_number", "copy number"),
            Binding("o", "open_url", "open link"),
            Binding("slash", "search_thread", "search thread", key_display="/", show=False),
            Binding("n", "next_match(1)", "next match (search: older)", show=False),
            Binding("N", "next_match(-1)", "prev match (search: newer)", show=False),
            Binding("escape", "clear_search", "clear search", show=False),
            Binding("ctrl+r,f5", "retry", "retry", show=False),
            # Writes: handled by the app (ui/triage_keys.py) on the open conversation.
            Binding("r", "app.triage('reply')", "reply", id="thread.reply"),
            Binding("p", "app.triage('note')", "private note", id="thread.note", show=False),
            Binding("u", "app.triage('undo')", "undo send", id="thread.undo", show=False),
            Binding("c", "app.triage('close')", "close/reopen", id="thread.close", show=False),
            Binding("m", "app.triage('read')", "mark read/unread", id="thread.read", show=False),
            Binding("a", "app.triage('assign')", "assign", id="thread.assign", show=False),
        ],
    )

    class LoadFailed(Message):
        """Loading a page failed; the app shows a banner (with request id) and may retry."""

        def __init__(self, error: BaseException, retry: Callable[[], None]) -> None:
            super().__init__()
            self.error = error
            self.retry = retry

    class OlderLoaded(Message):
        def __init__(self, count: int, exhausted: bool, requests: int) -> None:
            super().__init__()
            self.count = count
            self.exhausted = exhausted
            self.requests = requests

    class DetailRequested(Message):
        def __init__(self, message: SmsMessage) -> None:
            super().__init__()
            self.message = message

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        tz: tzinfo | None = None,
        prefetch_screens: float = 2.0,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.conversation: Conversation | None = None
        self.prefetch_screens = prefetch_screens
        self._tz = tz
        self._pager: MessagePager | None = None
        self._highlight: Filters | None = None
        self._generation = 0
        self._styles = ThreadStyles()
        self._ctx = LayoutContext(width=80, tz=tz)
        self._index = ThreadIndex(self._height_of, tz, self._estimate_of)
        self._strips: LRUCache[tuple[object, ...], list[Strip]] = LRUCache(STRIP_CACHE)
        self._versions: dict[str, int] = {}
        self._selected_id: str | None = None
        self._loading = False
        self._error: BaseException | None = None
        self._stalled = False  # a page came back empty without exhausting the pager
        self._pending_jump: str | None = None
        # Set by g/home: the first message selected then; while the user stays on it, each
        # older page that lands moves on to the new first message, down to the beginning.
        self._seeking_first: str | None = None
        self._applying = False  # inside a merge: scroll changes must not start loads
        self._styles_dirty = True
        self._search = None
        self.cache_search: Callable[..., Awaitable[CacheAnswer]] | None = None  # see ThreadSearch

    # ------------------------------------------------------------------ public API
    @property
    def selected_message(self) -> SmsMessage | None:
        return None if self._selected_id is None else self._index.get(self._selected_id)

    @property
    def messages(self) -> list[SmsMessage]:
        """The loaded messages, oldest first (a copy)."""
        return self._index.messages()

    @property
    def fetching(self) -> bool:
        """A page request is in flight. (Not Textual's ``loading``: that one would hide
        the view behind a spinner and refuse focus.)"""
        return self._loading

    @property
    def load_error(self) -> BaseException | None:
        return self._error

    @property
    def exhausted(self) -> bool:
        return self._pager is not None and self._pager.exhausted

    def show(
        self,
        conversation: Conversation,
        pager: MessagePager,
        *,
        highlight: Filters | None = None,
        initial: list[SmsMessage] | None = None,
    ) -> None:
        """Reset to ``conversation``: show ``initial`` now, then load the newest page."""
        self.clear()
        self.conversation = conversation
        self._pager = pager
        self._highlight = highlight if highlight and not highlight.is_empty() else None
        self._ctx = self._make_context(self._ctx.width)
        if initial:
            self._index.rebuild(initial)
            last = self._index.last()
            self._selected_id = last.id if last else None
        self._sync_size(None)
        self._start_load()

    def clear(self) -> None:
        """Forget the conversation and cancel its loads."""
        self.workers.cancel_group(self, "thread")
        self.workers.cancel_group(self, "thread-newer")
        self._generation += 1
        self.conversation = None
        self._pager = None
        self._highlight = None
        self._index.clear()
        self._strips.clear()
        self._versions.clear()
        self._selected_id = None
        self._loading = False
        self._error = None
        self._stalled = False
        self._pending_jump = None
        self._seeking_first = None
        if self._search is not None:
            self._search = None
            self.post_message(self.SearchProgress(""))
        self._sync_size(None)

    def add_messages(self, messages: list[SmsMessage]) -> None:
        """New or updated messages (polling). Stays at the bottom if it was there."""
        if self.conversation is not None:
            key = self.conversation.key
            messages = [m for m in messages if m.conversation_key == key]
        if not messages:
            return
        was_last = self._selected_id is not None and self._selected_id == getattr(
            self._index.last(), "id", None
        )
        at_bottom = self._at_bottom()
        self._merge(messages)
        if at_bottom and (was_last or self._selected_id is None):
            last = self._index.last()
            self._selected_id = last.id if last else None
            self._sync_size(None)

    def update_messages(self, messages: list[SmsMessage]) -> None:
        """Replace already shown messages by id (status/flag/body changes from a sync);
        only those are re-rendered and nothing moves. Unknown ids are ignored."""
        known = [m for m in messages if self._index.position(m.id) is not None]
        if known:
            self._merge(known)
            self.refresh()

    def set_highlight(self, highlight: Filters | None) -> None:
        """Mark messages matching ``highlight`` (the active filters)."""
        self._highlight = highlight if highlight and not highlight.is_empty() else None
        self._strips.clear()
        self.refresh()

    def jump_to(self, message_id: str) -> None:
        """Select and show a message, loading older pages until it appears."""
        pos = self._index.position(message_id)
        if pos is not None:
            self._pending_jump = None
            self._select(pos, center=True)
            return
        if self.exhausted or self._pager is None:
            self.notify("That message is not in this conversation.", severity="warning")
            return
        self._pending_jump = message_id
        if not self._loading:
            self._error = None
            self._start_load()

    def retry(self) -> None:
        """Retry the failed older-page load."""
        if self._pager is None or self._loading:
            return
        self._error = None
        self._stalled = False
        self.refresh()
        self._start_load()

    # ------------------------------------------------------------------ layout plumbing
    def _make_context(self, width: int) -> LayoutContext:
        label = self.conversation.name if self.conversation else None
        return LayoutContext(width=width, styles=self._styles, tz=self._tz, contact_label=label)

    def _height_of(self, message: SmsMessage, day_header: bool) -> int:
        try:
            return message_height(message, self._ctx, day_header=day_header)
        except Exception:  # a message we can't lay out is shown as one error line
            log.exception("cannot lay out message %s", message.id)
            return 1

    def _estimate_of(self, message: SmsMessage, day_header: bool) -> int:
        return estimate_height(message, self._ctx, day_header=day_header)

    def _content_width(self) -> int:
        return self.scrollable_content_region.width or self.size.width

    def _viewport_height(self) -> int:
        return max(1, self.scrollable_content_region.height)

    def _resolve_styles(self) -> ThreadStyles:
        def bubble(name: str) -> Style:
            # Full style: Textual blends translucent theme colours ($boost, 25%) for us.
            return self.get_component_rich_style(name)

        def get(name: str) -> Style:
            # Foreground only, so text styles can sit on any bubble background.
            full = self.get_component_rich_style(name)
            return full.without_color + Style.from_color(full.color)

        return ThreadStyles(
            base=self.rich_style,
            inbound=bubble("thread--inbound"),
            outbound=bubble("thread--outbound"),
            note=bubble("thread--note"),
            meta=get("thread--meta"),
            day=get("thread--day"),
            failed=get("thread--failed"),
            status=get("thread--status"),
            media=get("thread--media"),
            selected=get("thread--selected"),
            match=get("thread--match"),
            more=get("thread--more"),
        )

    def on_mount(self) -> None:
        super().on_mount()
        self._relayout(self._content_width() or 80)

    def notify_style_update(self) -> None:
        """Theme or CSS changed: resolve the component styles again at the next paint
        (they are not final at mount time, so resolution is always lazy)."""
        super().notify_style_update()
        self._styles_dirty = True

    def _restyle(self) -> None:
        self._styles_dirty = False
        self._styles = self._resolve_styles()
        self._ctx = self._make_context(self._ctx.width)  # styles don't change heights
        self._strips.clear()

    def on_resize(self, event: events.Resize) -> None:
        width = self._content_width()
        if width and width != self._ctx.width:
            self._relayout(width)
        else:
            self._sync_size(self._capture_anchor())
        self._maybe_prefetch()

    def _relayout(self, width: int) -> None:
        anchor = self._capture_anchor()
        self._ctx = self._make_context(width)
        self._strips.clear()
        self._index.relayout()
        self._sync_size(anchor)

    def _capture_anchor(self) -> Anchor:
        """The first message line on screen and its screen row (None: follow the bottom)."""
        if not len(self._index) or self._at_bottom():
            return None
        top = round(self.scroll_y)
        for row in range(self._viewport_height()):
            located = self._index.locate(top + row - STATUS_ROWS)
            if located is not None:
                pos, line = located
                day = self._index.has_day_header(pos)
                return (self._index.message(pos).id, line, row, day)
        return None

    def _sync_size(self, anchor: Anchor) -> None:
        """Set the virtual size for the index, then put ``anchor`` back on its screen row."""
        self.virtual_size = Size(self._ctx.width, STATUS_ROWS + self._index.total_lines)
        if anchor is None:
            y = self.max_scroll_y
        else:
            message_id, line, row, had_day = anchor
            pos = self._index.position(message_id)
            if pos is None:
                y = self.max_scroll_y
            else:
                # An older page of the same day removes this message's day header (and a
                # rebuild may add one): keep the same content line on the same row.
                has_day = self._index.has_day_header(pos)
                if had_day and not has_day:
                    if line == 0:  # the separator itself went away: keep what follows
                        row += 1
                    else:
                        line -= 1
                elif has_day and not had_day:
                    line += 1
                line = max(0, min(line, self._index.height(pos) - 1))
                y = STATUS_ROWS + self._index.top_of(pos) + line - row
        self._scroll_to_y(max(0, min(y, self.max_scroll_y)))
        self.refresh()

    def _scroll_to_y(self, y: float) -> None:
        """Jump (no animation) to line ``y``; watchers run, so prefetch can trigger."""
        y = max(0, min(round(y), self.max_scroll_y))
        self.scroll_target_y = y
        self.scroll_y = y

    def _at_bottom(self) -> bool:
        return round(self.scroll_y) >= self.max_scroll_y

    # ------------------------------------------------------------------ rendering
    def ensure_layout(self) -> None:
        """Lay out exactly the messages in the viewport whose heights are estimates (after
        a resize or a rebuild), keeping what is on screen where it is. O(screen)."""
        if not len(self._index) or self._applying:
            return
        view = self._viewport_height()
        self._applying = True
        try:
            for _ in range(8):  # converges in one or two rounds
                top = round(self.scroll_y) - STATUS_ROWS
                last_line = self._index.total_lines - 1
                first = self._index.locate(min(max(0, top), last_line))
                last = self._index.locate(min(max(0, top + view), last_line))
                if first is None or last is None:
                    return
                pending = [
                    pos for pos in range(first[0], last[0] + 1) if not self._index.is_exact(pos)
                ]
                if not pending:
                    return
                anchor = self._capture_anchor()
                changed = False
                for pos in pending:
                    changed = bool(self._index.make_exact(pos)) or changed
                if changed:
                    self._sync_size(anchor)
        finally:
            self._applying = False

    def render_lines(self, crop: Region) -> list[Strip]:
        self.ensure_layout()
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        if self._styles_dirty:
            self._restyle()
        width = self._content_width()
        virtual_y = y + round(self.scroll_y)
        if virtual_y < STATUS_ROWS:
            return self._status_strip(width)
        located = self._index.locate(virtual_y - STATUS_ROWS)
        if located is None:
            return Strip.blank(width, self.rich_style)
        pos, line = located
        strips = self._message_strips(pos)
        strip = strips[line] if line < len(strips) else Strip.blank(width, self.rich_style)
        if strip.cell_length != width:
            strip = strip.adjust_cell_length(width, self.rich_style)
        return strip

    def _message_strips(self, pos: int) -> list[Strip]:
        message = self._index.message(pos)
        day = self._index.has_day_header(pos)
        selected = message.id == self._selected_id
        highlighted = self._is_match(message)
        key = (
            self._search,
            message.id,
            self._versions.get(message.id, 0),
            self._ctx.width,
            day,
            selected,
            highlighted,
        )
        strips = self._strips.get(key)
        if strips is None:
            failed = False
            try:
                plan = plan_message(message, self._ctx, day_header=day)
                strips = render_message(
                    message,
                    plan,
                    self._ctx,
                    selected=selected,
                    highlighted=highlighted,
                    term=self._search,
                )
            except Exception:
                log.exception("cannot render message %s", message.id)
                strips, failed = [], True
            height = self._index.height(pos)
            if len(strips) == height:
                self._strips[key] = strips
            elif failed or self._index.is_exact(pos):
                # Never let one bad message shift the others: fill its lines.
                error = Strip(
                    [
                        Segment("▌ " if selected else "  "),
                        Segment(
                            f"⚠ message {sanitize(message.id, keep_newlines=False)[:40]} "
                            "cannot be displayed (enter for detail)",
                            self._styles.failed,
                        ),
                    ]
                )
                strips = (strips + [error] * height)[:height]
                self._strips[key] = strips
            else:
                # Height still an estimate (rendered outside render_lines): lay it out
                # for the next frame; show what fits now.
                blank = Strip.blank(self._ctx.width, self.rich_style)
                strips = (strips + [blank] * height)[:height]
                self.call_later(self.ensure_layout)
                self.refresh()
        return strips

    def status_text(self) -> str:
        """What the top row says right now."""
        if self._pager is None:
            return EMPTY_TEXT
        if self._error is not None:
            return ERROR_TEXT if len(self._index) else ERROR_FIRST_TEXT
        if self._loading:  # with the count: a slow, retrying walk back still shows progress
            loaded = len(self._index)
            return f"{LOADING_TEXT} {loaded:,} loaded" if loaded else LOADING_TEXT
        if self._pager.exhausted:
            if self._pager.partial:  # an offline cache ends here
                return PARTIAL_TEXT
            return BEGINNING_TEXT if len(self._index) else "no messages yet"
        return MORE_TEXT

    def _status_strip(self, width: int) -> Strip:
        text = self.status_text()
        name = "thread--banner-error" if self._error is not None else "thread--banner"
        style = self.get_component_rich_style(name)
        pad = max(0, (width - cell_len(text)) // 2)
        segments = [Segment(" " * pad, self.rich_style), Segment(text, style)]
        return Strip(segments).adjust_cell_length(width, self.rich_style)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value < old_value:
            self._stalled = False
        self._maybe_prefetch()

    # ------------------------------------------------------------------ loading
    def _near_top(self) -> bool:
        return round(self.scroll_y) < self.prefetch_screens * self._viewport_height()

    def _maybe_prefetch(self) -> None:
        if (
            self._applying
            or self._pager is None
            or self._loading
            or self._error is not None
            or self._stalled
            or self._pager.exhausted
        ):
            return
        if self._near_top() or self._pending_jump is not None or not len(self._index):
            self._start_load()

    def _start_load(self) -> None:
        pager = self._pager
        if pager is None or self._loading:
            return
        if pager.exhausted and len(self._index):
            self.refresh()
            return
        self._loading = True
        self.refresh()
        self.run_worker(
            self._load_older(self._generation, pager),
            name="thread-older",
            group="thread",
            exclusive=True,
            exit_on_error=False,
        )

    async def _load_older(self, generation: int, pager: MessagePager) -> None:
        def seeking() -> bool:
            return generation == self._generation and self._seeking_first is not None

        try:
            batch = await older_batch(pager, seeking)
        except asyncio.CancelledError:
            if generation == self._generation:
                self._loading = False
            raise
        except Exception as error:  # every failure becomes a banner + retry, never a crash
            if generation != self._generation:
                return
            self._loading = False
            self._error = error
            self._seeking_first = None
            self.refresh()
            self.post_message(self.LoadFailed(error, self.retry))
            return
        if generation != self._generation:
            return
        self._loading = False
        self._merge(batch)
        settle()
        if self._seeking_first is not None:
            if batch and self._seeking_first == self._selected_id:
                self.action_first()
            else:
                self._seeking_first = None
        if not batch and not pager.exhausted:
            self._stalled = True
        self.post_message(self.OlderLoaded(len(batch), pager.exhausted, pager.requests))
        if self._pending_jump is not None:
            pos = self._index.position(self._pending_jump)
            if pos is not None or pager.exhausted or not batch:
                self._pending_jump = None
                if pos is not None:
                    self._select(pos, center=True)
        self.refresh()
        if batch:
            self.call_after_refresh(self._maybe_prefetch)

    def _merge(self, messages: list[SmsMessage]) -> None:
        self._applying = True
        try:
            self._merge_now(messages)
        finally:
            self._applying = False

    def _merge_now(self, messages: list[SmsMessage]) -> None:
        anchor = self._capture_anchor()
        for message in messages:
            if message.id in self._versions or self._index.position(message.id) is not None:
                self._versions[message.id] = self._versions.get(message.id, 0) + 1
        self._index.merge(messages)
        if self._selected_id is None or self._index.position(self._selected_id) is None:
            last = self._index.last()
            self._selected_id = last.id if last else None
        self._sync_size(anchor)

    # ------------------------------------------------------------------ selection
    def _selected_pos(self) -> int | None:
        return None if self._selected_id is None else self._index.position(self._selected_id)

    def _select(self, pos: int, *, center: bool = False) -> None:
        self._selected_id = self._index.message(pos).id
        if not self._index.is_exact(pos):
            anchor = self._capture_anchor()
            if self._index.make_exact(pos):
                self._sync_size(anchor)
        top = STATUS_ROWS + self._index.top_of(pos)
        height = self._index.height(pos)
        view = self._viewport_height()
        y = round(self.scroll_y)
        if center:
            target = top - max(0, (view - height) // 2)
        elif top < y:
            target = top
        elif top + height > y + view:
            target = min(top, top + height - view)
        else:
            target = y
        if pos == self._index.first_pos and top - STATUS_ROWS < view:
            target = min(target, 0) if top + height <= view else target
        self._scroll_to_y(max(0, min(target, self.max_scroll_y)))
        self.refresh()

    def _select_at_row(self, row: int) -> None:
        located = self._index.locate(round(self.scroll_y) + row - STATUS_ROWS)
        if located is None:
            located = self._index.locate(round(self.scroll_y) + row + 1 - STATUS_ROWS)
        if located is not None:
            self._selected_id = self._index.message(located[0]).id
        self.refresh()

    def _selected_visible(self) -> bool:
        pos = self._selected_pos()
        if pos is None:
            return False
        top = STATUS_ROWS + self._index.top_of(pos)
        y = round(self.scroll_y)
        return top < y + self._viewport_height() and top + self._index.height(pos) > y

    def action_cursor_down(self) -> None:
        pos = self._selected_pos()
        if pos is None:
            return
        if pos < self._index.last_pos:
            self._select(pos + 1)
        else:
            self._scroll_to_y(self.max_scroll_y)

    def action_cursor_up(self) -> None:
        pos = self._selected_pos()
        if pos is None:
            return
        if pos > self._index.first_pos:
            self._select(pos - 1)
        else:
            self._scroll_to_y(0)

    def action_first(self) -> None:
        """Go to the first message, loading older pages until the beginning (any move
        away from the first message stops that)."""
        if len(self._index):
            self._selected_id = self._index.message(self._index.first_pos).id
        self._seeking_first = self._selected_id
        self._scroll_to_y(0)
        self.refresh()
        self._maybe_prefetch()

    def action_last(self) -> None:
        if len(self._index):
            self._selected_id = self._index.message(self._index.last_pos).id
        self._scroll_to_y(self.max_scroll_y)
        self.refresh()

    def _scroll_lines(self, delta: int) -> None:
        y = max(0, min(round(self.scroll_y) + delta, self.max_scroll_y))
        self._scroll_to_y(y)
        if not self._selected_visible():
            self._select_at_row(0 if delta < 0 else self._viewport_height() - 1)
        self.refresh()

    def action_half_page(self, direction: int) -> None:
        self._scroll_lines(direction * max(1, self._viewport_height() // 2))

    def action_page(self, direction: int) -> None:
        self._scroll_lines(direction * max(1, self._viewport_height() - 1))

    def on_click(self, event: events.Click) -> None:
        """Click selects a message; a double click opens its detail."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        located = self._index.locate(round(self.scroll_y) + offset.y - STATUS_ROWS)
        if located is None:
            return
        self._selected_id = self._index.message(located[0]).id
        self.refresh()
        if event.chain >= 2:
            self.action_detail()

    # ------------------------------------------------------------------ actions on a message
    def action_detail(self) -> None:
        message = self.selected_message
        if message is not None:
            self.post_message(self.DetailRequested(message))

    def action_copy_body(self) -> None:
        message = self.selected_message
        if message is None:
            return
        self.app.copy_to_clipboard(sanitize(message.body))
        self.notify("copied message text", timeout=2)

    def action_copy_number(self) -> None:
        message = self.selected_message
        number = (
            message.contact
            if message
            else (self.conversation.contact if self.conversation else None)
        )
        if not number:
            return
        self.app.copy_to_clipboard(number)
        self.notify(f"copied {number}", markup=False, timeout=2)

    def action_open_url(self) -> None:
        message = self.selected_message
        url = first_url(message) if message else None
        if not url:
            self.notify("no link or media in this message", severity="warning", timeout=3)
            return
        if not openable(url):
            self.app.copy_to_clipboard(url)
            self.notify(
                f"{one_line(url, 300)}\n(copied; not opened: only http and https links are)",
                title="link not opened",
                severity="warning",
                markup=False,
                timeout=15,
            )
            return
        if can_open_browser():
            self.run_worker(lambda: webbrowser.open(url), thread=True, group="thread-open")
            self.notify(f"opening {url}", markup=False, timeout=3)
        else:  # the toast goes; the clipboard keeps it
            self.app.copy_to_clipboard(url)
            self.notify(
                f"{url}\n(copied)", title="link (no browser here)", markup=False, timeout=15
            )

    def action_next_match(self, direction: int) -> None:
        if self._search is not None:
            self._search_step(direction)
            return
        if self._highlight is None:
            self.notify("no active filter to jump between", timeout=2)
            return
        pos = self._selected_pos()
        if pos is None:
            return
        step = 1 if direction > 0 else -1
        candidate = pos + step
        while self._index.first_pos <= candidate <= self._index.last_pos:
            if self._highlight.matches(self._index.message(candidate)):
                self._select(candidate, center=True)
                return
            candidate += step
        self.notify("no more matches in the loaded messages", timeout=2)

    def remove_messages(self, ids: set[str]) -> None:
        """Take shown messages out (a send that was undone or replaced by the server's)."""
        kept = [m for m in self._index.messages() if m.id not in ids]
        if len(kept) == len(self._index):
            return
        anchor = self._capture_anchor()
        self._index.rebuild(kept)
        self._strips.clear()
        if self._selected_id in ids:
            last = self._index.last()
            self._selected_id = last.id if last else None
        self._sync_size(anchor)
        self.refresh()

    def action_retry(self) -> None:
        """``ctrl+r``: retry the failed load; with nothing failed, let the app refresh."""
        if self._error is None:
            raise SkipAction()
        self.retry()

    def refresh_newer(self) -> None:
        """Ask the pager for messages newer than the newest shown (cheap revalidation)."""
        if self._pager is not None:
            self.run_worker(
                self._load_newer(self._generation, self._pager),
                group="thread-newer",
                exclusive=True,
                exit_on_error=False,
            )

    async def _load_newer(self, generation: int, pager: MessagePager) -> None:
        try:
            batch = await pager.newer()
        except Exception as error:
            if generation == self._generation:
                self.post_message(self.LoadFailed(error, self.refresh_newer))
            return
        if generation == self._generation and batch:
            self.add_messages(batch)
