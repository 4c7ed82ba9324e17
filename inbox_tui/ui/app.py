"""The Textual app: conversation list, thread, filter pane, header, status line, footer.

Widgets never touch HTTP: the app hands them pagers from the backend and every backend
call runs in a worker that catches its own errors (shown in the error banner with the
request id and a retry), so no failure can end the app or paint a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from datetime import tzinfo
from typing import Any

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message as TextualMessage
from textual.widget import AwaitMount, Widget
from textual.widgets import Footer, Input

from inbox_tui.core.backend import Backend
from inbox_tui.core.poller import Poller, PollResult, PollState
from inbox_tui.core.sync import CacheConversationPager, CachedConversations, CachedThread
from inbox_tui.models import Conversation, Filters, Inbox
from inbox_tui.paths import styles_dir
from inbox_tui.store import Cursor, SearchHit, Store
from inbox_tui.text import one_line
from inbox_tui.ui.banner import ErrorBanner, error_text
from inbox_tui.ui.cache_support import (
    DEFAULT_CACHE_MAX_MB,
    ThreadPager,
    cache_age_text,
)
from inbox_tui.ui.commands import InboxCommands
from inbox_tui.ui.conversation_list import ConversationList, contact_label
from inbox_tui.ui.filter_pane import FilterPane
from inbox_tui.ui.help_screen import HelpScreen
from inbox_tui.ui.inbox_picker import ALL_INBOXES, InboxPicker
from inbox_tui.ui.keymap import identify, resolve
from inbox_tui.ui.status_bar import AppHeader, Connection, StatusLine
from inbox_tui.ui.thread_view import ThreadView
from inbox_tui.ui.timefmt import Clock, utc_now

log = logging.getLogger(__name__)

NARROW_WIDTH = 100  # below: list OR thread, not both
WIDE_WIDTH = 140  # at or above: the filter pane docks as a column beside the list

ENFORCE_DELAY_SECONDS = 3.0  # after start, before the cache limit is enforced

StoreSource = Store | Callable[[], Awaitable[Store]] | None


class RetryNotice(TextualMessage):
    """The HTTP layer is about to retry a request (posted from its ``on_retry`` hook)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__()


class InboxApp(App[None]):
    CSS_PATH = sorted(styles_dir().glob("*.tcss"))
    TITLE = "inbox-tui"
    COMMANDS = App.COMMANDS | {InboxCommands}
    enforce_delay = ENFORCE_DELAY_SECONDS
    AUTO_FOCUS = "#list"

    BINDINGS = identify(
        "app",
        [
            # Footer order: "back" first, so an 80-column footer still shows how to leave a thread.
            Binding("h,escape", "go_back", "Back"),
            Binding("q", "quit", "Quit"),
            Binding("question_mark", "help", "Help", key_display="?"),
            Binding("tab", "cycle_pane(1)", "Next pane", show=False),
            Binding("shift+tab", "cycle_pane(-1)", "Previous pane", show=False),
            Binding("slash", "search", "Search", key_display="/"),
            Binding("f", "toggle_filters", "Filters"),
            Binding("F", "clear_filters", "Clear filters", show=False),
            Binding("r", "refresh", "Refresh/retry"),
            Binding("e", "export", "Export"),
            Binding("i", "pick_inbox", "Inbox"),
            Binding("x", "dismiss_error", "Dismiss error", show=False),
            Binding("ctrl+p", "command_palette", "Commands", show=False),
        ],
    )

    def __init__(
        self,
        backend: Backend,
        *,
        profile_name: str = "demo",
        inbox_id: str | None = None,
        insecure: bool = False,
        offline: bool = False,
        store: StoreSource = None,
        settings: Any = None,
        clock: Clock = utc_now,
        tz: tzinfo | None = None,
    ) -> None:
        super().__init__()
        self.backend = backend
        self.profile_name = profile_name
        self.inbox_id = inbox_id
        self.insecure = insecure
        self.offline = offline
        # The cache: a Store, or an async factory the app awaits at mount (off the UI
        # thread: the Store runs SQLite on its own threads). None: no cache at all.
        self.store: Store | None = store if isinstance(store, Store) else None
        self._store_factory = None if isinstance(store, Store) else store
        self.cached_conversations: CachedConversations | None = None
        self.cached_thread: CachedThread | None = None
        self.poller: Poller | None = None
        self.settings = settings
        self.keymap_overrides: dict[str, str] = {}
        self.clock = clock
        self.tz = tz  # thread times; None = the local zone (tests and screenshots fix it)
        self.filters = Filters()
        self.inboxes: list[Inbox] = []
        self._thread_pane_open = False  # narrow layout: which of list/thread is shown
        self._side_loads_pending = False

    # ---------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        # Widgets are kept as attributes: messages can still arrive while the app shuts
        # down, when a query would no longer find them.
        label = f"{self.profile_name}: {self.backend.label}"
        self.header = AppHeader(label, insecure=self.insecure, id="header")
        self.banner = ErrorBanner(id="banner")
        self.filter_pane: FilterPane | None = None  # built when first opened (startup cost)
        self.conversation_list = ConversationList(clock=self.clock, id="list")
        self.thread = ThreadView(id="thread", tz=self.tz)
        self.search_input = Input(
            placeholder="search text (enter applies, esc cancels)", id="search"
        )
        self.status = StatusLine(id="status")
        yield self.header
        yield self.banner
        with Horizontal(id="body") as self.body:
            yield self.conversation_list
            yield self.thread
        yield self.search_input
        yield self.status
        # The footer (one widget per key hint) is mounted right after the first frame.

    async def on_mount(self) -> None:
        self._apply_key_overrides()
        if self.offline:
            self.header.set_state(Connection.OFFLINE)
        self._apply_layout()
        self._watch_http_retries()
        # First paint first: the count and the inbox list wait until the first page of
        # conversations is in, so they don't compete with it for the server and the loop.
        self._side_loads_pending = True
        await self._open_store()
        self.reload(count=False)
        self.set_interval(60, self._tick)
        if self.store is not None:
            # The cache limit is enforced a little later: not competing with first paint.
            self.set_timer(self.enforce_delay, self._enforce_limit)
            if not self.offline:
                self._start_poller()

    def on_ready(self) -> None:
        self.mount(Footer())
        if self.focused is None:
            self.conversation_list.focus()

    async def on_unmount(self) -> None:
        if self.poller is not None:
            with contextlib.suppress(Exception):
                await self.poller.stop()
        with contextlib.suppress(Exception):
            await self.backend.aclose()
        if self.store is not None:
            with contextlib.suppress(Exception):
                await self.store.close()

    def on_resize(self) -> None:
        self._apply_layout()

    def _apply_layout(self) -> None:
        width = self.size.width
        body = self.body
        body.set_class(width < NARROW_WIDTH, "-narrow")
        body.set_class(width >= WIDE_WIDTH, "-wide")
        body.set_class(self._thread_pane_open, "-show-thread")

    @property
    def narrow(self) -> bool:
        return self.size.width < NARROW_WIDTH

    @property
    def filters_open(self) -> bool:
        return self.body.has_class("-filters-open")

    # ---------------------------------------------------------------- loading

    def reload(self, *, count: bool = True) -> None:
        """(Re)load the conversation list and the count for the current inbox and filters.
        Exclusive workers: whatever was in flight for the old filters is cancelled.
        With a cache and no filters (or offline) the list comes from SQLite at once and is
        then revalidated against the server."""
        if self.store is not None and (self.offline or self.filters.is_empty()):
            self._reload_cached(count=count)
            return
        self.header.set_cache_note("")
        server = self.backend.server_filter_fields(self.filters)
        local = self.filters.active_fields() - server
        try:
            pager = self.backend.conversations(self.filters, self.inbox_id)
        except Exception as error:  # a backend may validate filters eagerly
            self.show_error(error, self.reload, "list")
            return
        self.conversation_list.load(pager, self.filters.only(local))
        self.status.set_filters(self.filters, local)
        self.status.set_listed(0)
        if count:
            self._count()

    def _start_side_loads(self) -> None:
        if self._side_loads_pending:
            self._side_loads_pending = False
            if self.offline:  # nothing but the cache: no count, no inbox list
                self._show_inbox_label()
                return
            self._count()
            self._load_inboxes()

    @work(group="count", exclusive=True, exit_on_error=False)
    async def _count(self) -> None:
        self.status.set_count(None, counting=True)
        try:
            count = await self.backend.count(self.filters, self.inbox_id)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.info("count failed: %s", error_text(error))
            self.status.set_count(None)
            return
        self.status.set_count(count)

    @work(group="inboxes", exclusive=True, exit_on_error=False)
    async def _load_inboxes(self) -> None:
        try:
            self.inboxes = await self.backend.inboxes()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self.show_error(error, self._load_inboxes, "inboxes")
            return
        self._resolved("inboxes")
        self.conversation_list.set_inbox_names({i.id: i.name for i in self.inboxes})
        self._show_inbox_label()

    def _show_inbox_label(self) -> None:
        names = {inbox.id: inbox.name for inbox in self.inboxes}
        if self.inbox_id:
            self.header.set_inbox(names.get(self.inbox_id, f"inbox {self.inbox_id}"))
        elif len(self.inboxes) == 1:
            self.header.set_inbox(self.inboxes[0].name)
        else:
            self.header.set_inbox("All inboxes")

    def open_conversation(self, conversation: Conversation, hit: SearchHit | None = None) -> None:
        if self.store is not None:
            self._open_cached(conversation, hit)
        else:
            highlight = None if self.filters.is_empty() else self.filters
            try:
                pager = self.backend.thread(conversation)
            except Exception as error:
                self.show_error(error, lambda: self.open_conversation(conversation), "thread")
                return
            self.thread.show(conversation, pager, highlight=highlight)
        self.header.set_conversation(contact_label(conversation))
        self._thread_pane_open = True
        self._apply_layout()
        self.thread.focus()

    # ---------------------------------------------------------------- cache

    async def _open_store(self) -> None:
        """Open the cache (when given a factory). A damaged or too-new cache becomes a
        banner; the app then runs without one (offline: with nothing to show)."""
        if self._store_factory is not None:
            factory, self._store_factory = self._store_factory, None
            try:
                self.store = await factory()
            except Exception as error:
                self.show_error(error, None, "cache")
                return
        store = self.store
        if store is None:
            return
        # Why the cache is reset, a read-only copy or in memory (None: all is well).
        if notice := getattr(store, "notice", None):
            self.notify(notice, severity="warning", timeout=8, markup=False)

    def _reload_cached(self, *, count: bool) -> None:
        convs = self.cached_conversations
        assert self.store is not None
        # Made here, on the first reload and after an inbox switch, not when the store opens.
        if convs is None or convs.inbox_id != self.inbox_id:
            convs = self.cached_conversations = CachedConversations(
                self.store,
                None if self.offline else self.backend,
                inbox_id=self.inbox_id,
                offline=self.offline,
            )
            if self.poller is not None:
                self.poller.inbox_id = self.inbox_id
        local = self.filters.active_fields()  # offline: every filter is applied locally
        self.status.set_filters(self.filters, local)
        self.status.set_listed(0)
        self._load_cached_list(convs)
        if count and not self.offline:
            self._count()
        elif self.offline:
            self.status.set_count(None)

    @work(group="list-sync", exclusive=True, exit_on_error=False)
    async def _load_cached_list(self, convs: CachedConversations) -> None:
        """Paint the cached list at once, then revalidate it against the server. A first
        run (empty cache) asks the server first so the list fills in one go."""
        try:
            synced = await convs.synced_at()
            cached = await convs.cached(limit=1)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self.show_error(error, lambda: self._load_cached_list(convs), "cache")
            return
        local = self.filters.only(self.filters.active_fields())
        if cached or self.offline:
            self.conversation_list.load(CacheConversationPager(convs), local)
            self.header.set_cache_note(
                cache_age_text(synced, self.clock(), offline=self.offline, tz=self.tz)
            )
        if self.offline:
            return
        try:
            changes = await convs.revalidate()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self.show_error(error, self.reload, "list")
            if not cached:  # nothing to show from the cache: let the list say so
                self.conversation_list.load(CacheConversationPager(convs), local)
            self._start_side_loads()
            return
        self.header.set_cache_note("")
        self._resolved("list")
        if not cached:
            self.conversation_list.load(CacheConversationPager(convs), local)
        elif changes.changed:
            await self._resync_list()
        self._enforce_limit()

    async def _resync_list(self) -> None:
        """Re-read the top of the cached list (after a sync or a poll) without losing the
        cursor: new activity moves conversations up, unread marks appear."""
        convs = self.cached_conversations
        if convs is None or not (self.offline or self.filters.is_empty()):
            return
        shown = self.conversation_list.conversations
        rows = await convs.cached(limit=max(len(shown), convs.page_size))
        pager = CacheConversationPager(convs, after=rows[-1] if rows else None)
        self.conversation_list.replace_rows(rows, pager)

    @work(group="open", exclusive=True, exit_on_error=False)
    async def _open_cached(self, conversation: Conversation, hit: SearchHit | None) -> None:
        """Cached messages at once (around ``hit`` for a search result), then revalidate."""
        assert self.store is not None
        store = self.store
        thread = CachedThread(
            store, None if self.offline else self.backend, conversation, offline=self.offline
        )
        try:
            page = await (thread.around(hit.cursor) if hit is not None else thread.cached())
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self.show_error(error, lambda: self.open_conversation(conversation, hit), "thread")
            return
        self.cached_thread = thread
        top = Cursor.of(page.messages[-1]) if page.messages else None
        highlight = None if self.filters.is_empty() else self.filters
        pager = ThreadPager(thread, start=page.cursor, top=top)
        self.thread.show(conversation, pager, highlight=highlight, initial=page.messages)
        if self.poller is not None:
            self.poller.active_key = conversation.key
        if hit is not None:
            self.thread.jump_to(hit.message_id)
            self.thread.refresh_newer()  # the messages after the hit's neighbourhood
        elif page.messages and not self.offline:
            self._revalidate_thread(thread)
        if conversation.unread:
            with contextlib.suppress(Exception):
                await store.set_unread(conversation.key, False)
            self.conversation_list.update_row(conversation.model_copy(update={"unread": False}))

    @work(group="thread-sync", exclusive=True, exit_on_error=False)
    async def _revalidate_thread(self, thread: CachedThread) -> None:
        """New messages merge in (no jump), changed statuses re-render in place."""
        try:
            changes = await thread.revalidate()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            if self.cached_thread is thread:
                self.show_error(error, lambda: self._revalidate_thread(thread), "thread")
            return
        if self.cached_thread is not thread or self.thread.conversation is None:
            return
        if self.thread.conversation.key != thread.key:
            return
        self._resolved("thread")
        # Everything the cache now holds above what is shown (a scroll-back load may have
        # run the revalidation first and stored some of it): a cheap local read.
        shown = self.thread.messages
        newer: list[Any] = []
        if shown:
            with contextlib.suppress(Exception):
                newer = await thread.store.thread_after(
                    thread.key, after=Cursor.of(shown[-1]), limit=1000
                )
            if self.cached_thread is not thread:
                return
        if changes.inserted or newer:
            self.thread.add_messages([*changes.inserted, *newer])
        if changes.updated:
            self.thread.update_messages(changes.updated)
        if changes.changed:
            self._enforce_limit()

    @work(group="search-open", exclusive=True, exit_on_error=False)
    async def _open_hit(self, hit: SearchHit) -> None:
        assert self.store is not None
        try:
            conversation = await self.store.get_conversation(hit.conversation_key)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self.show_error(error, None, "cache")
            return
        if conversation is None:
            self.notify("That conversation is no longer in the cache.", severity="warning")
            return
        self.open_conversation(conversation, hit)

    @work(group="evict", exclusive=True, exit_on_error=False)
    async def _enforce_limit(self) -> None:
        """Keep the cache under the profile's ``cache_max_mb`` (never the open thread)."""
        if self.store is None:
            return
        limit_mb = getattr(self.settings, "cache_max_mb", None) or DEFAULT_CACHE_MAX_MB
        open_key = self.thread.conversation.key if self.thread.conversation else None
        try:
            evicted = await self.store.enforce_limit(
                limit_mb * 1024 * 1024, frozenset({open_key} if open_key else ())
            )
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.warning("cache limit: %s", error_text(error))
            return
        if evicted:
            log.info("cache limit %d MB: evicted %d messages", limit_mb, evicted)

    def _tick(self) -> None:
        self.conversation_list.tick()
        if self.header.cache_note and self.cached_conversations is not None:
            self._refresh_cache_note()

    @work(group="cache-note", exclusive=True, exit_on_error=False)
    async def _refresh_cache_note(self) -> None:
        convs = self.cached_conversations
        if convs is None or not self.header.cache_note:
            return
        with contextlib.suppress(Exception):
            synced = await convs.synced_at()
            self.header.set_cache_note(
                cache_age_text(synced, self.clock(), offline=self.offline, tz=self.tz)
            )

    # ---------------------------------------------------------------- live updates

    def _start_poller(self) -> None:
        assert self.store is not None
        seconds = float(getattr(self.settings, "poll_seconds", None) or 15.0)
        self.poller = Poller(
            self.store,
            self.backend,
            poll_seconds=seconds,
            inbox_id=self.inbox_id,
            on_result=self._on_poll,
            on_error=self._on_poll_error,
        )
        self.poller.start()

    async def _on_poll(self, result: PollResult) -> None:
        self._resolved("poll")  # the poller only runs online
        if result.inserted or result.updated:
            await self._resync_list()
        conversation = self.thread.conversation
        if conversation is not None:
            key = conversation.key
            new = [m for m in result.inserted if m.conversation_key == key]
            changed = [m for m in result.updated if m.conversation_key == key]
            if new:
                self.thread.add_messages(new)
            if changed:
                self.thread.update_messages(changed)
        if result.new_inbound and not result.initial:
            self._announce(result)
        if result.inserted:
            self._enforce_limit()

    def _announce(self, result: PollResult) -> None:
        messages = [m for batch in result.new_inbound.values() for m in batch]
        last = max(messages, key=lambda m: m.sort_key)
        who = last.contact_name or last.contact
        more = f" (+{len(messages) - 1} more)" if len(messages) > 1 else ""
        self.notify(
            f"New message from {one_line(who, 40)}: {one_line(last.body, 60)}{more}",
            title="New message",
            timeout=6,
            markup=False,
        )
        if getattr(self.settings, "bell", False):
            self.bell()

    def _on_poll_error(self, error: Exception, state: PollState) -> None:
        if state is PollState.PAUSED:  # credentials refused: polling stopped
            self.show_error(error, self._resume_poller, "poll")
            return
        poller = self.poller
        delay = f"next try in {poller.next_delay():.0f}s" if poller else ""
        if state is PollState.OFFLINE:
            self.header.set_state(Connection.OFFLINE, f"no network; {delay}")
        else:
            self.header.set_state(Connection.RETRYING, f"{type(error).__name__}; {delay}")

    def _resume_poller(self) -> None:
        if self.poller is not None:
            self.poller.resume()

    # ---------------------------------------------------------------- HTTP retries

    def _watch_http_retries(self) -> None:
        """Show the HTTP layer's retries ("retrying (HTTP 429)…") in the header: hook the
        client's ``on_retry`` (settings are frozen: replace them, chaining any hook)."""
        client = getattr(self.backend, "client", None)
        settings = getattr(client, "settings", None)
        if self.offline or client is None or not dataclasses.is_dataclass(settings):
            return
        if not hasattr(settings, "on_retry"):
            return
        previous = settings.on_retry

        def on_retry(event: Any) -> None:
            if previous is not None:
                previous(event)
            self.post_message(RetryNotice(str(getattr(event, "reason", "retry"))))

        with contextlib.suppress(Exception):
            client.settings = dataclasses.replace(settings, on_retry=on_retry)  # type: ignore[type-var]

    @on(RetryNotice)
    def _on_retry_notice(self, event: RetryNotice) -> None:
        self.header.set_state(Connection.RETRYING, event.reason)

    # ---------------------------------------------------------------- errors

    def show_error(
        self, error: BaseException, retry: Callable[[], object] | None = None, source: str = ""
    ) -> None:
        """Banner + log; never a traceback on screen. A later success from the same
        ``source`` ("list", "thread", ...) clears the banner."""
        message = error_text(error)
        if hasattr(error, "user_message"):
            log.warning("%s", message)
        else:
            log.error("unexpected error: %s", message, exc_info=error)
        self.banner.show_error(error, retry, source)
        self.header.set_state(Connection.ERROR, type(error).__name__)

    def _resolved(self, source: str) -> None:
        self.banner.resolve(source)
        if not self.offline and not self.banner.showing:
            self.header.set_state(Connection.CONNECTED)

    @on(ConversationList.LoadFailed)
    def _on_list_failed(self, event: ConversationList.LoadFailed) -> None:
        self.show_error(event.error, event.retry, "list")
        self._start_side_loads()

    @on(ThreadView.LoadFailed)
    def _on_thread_failed(self, event: ThreadView.LoadFailed) -> None:
        self.show_error(event.error, event.retry, "thread")

    @on(ThreadView.OlderLoaded)
    def _on_thread_loaded(self) -> None:
        self._resolved("thread")

    @on(ConversationList.Loaded)
    def _on_list_loaded(self, event: ConversationList.Loaded) -> None:
        self.status.set_listed(event.total)
        self._resolved("list")
        self._start_side_loads()

    @on(ConversationList.Opened)
    def _on_opened(self, event: ConversationList.Opened) -> None:
        self.open_conversation(event.conversation)

    @on(ThreadView.DetailRequested)
    def _on_detail(self, event: ThreadView.DetailRequested) -> None:
        from inbox_tui.ui.detail_screen import DetailScreen  # on first use: startup cost

        self.push_screen(DetailScreen(event.message, tz=self.tz))

    # ---------------------------------------------------------------- filters and search

    @on(FilterPane.Applied)
    def _on_filters(self, event: FilterPane.Applied) -> None:
        self.apply_filters(event.filters)

    @on(FilterPane.Closed)
    def _on_filters_closed(self) -> None:
        self._set_filters_open(False)

    def apply_filters(self, filters: Filters) -> None:
        if filters == self.filters:
            return
        self.filters = filters
        self.thread.set_highlight(None if filters.is_empty() else filters)
        self.reload()

    def _set_filters_open(self, open_: bool) -> None:
        mounting: AwaitMount | None = None
        if open_ and self.filter_pane is None:
            self.filter_pane = FilterPane(
                self.backend.server_filter_fields, initial=self.filters, id="filters"
            )
            mounting = self.body.mount(self.filter_pane, before=self.conversation_list)
        self.body.set_class(open_, "-filters-open")
        if open_ and self.filter_pane is not None:
            # A freshly mounted pane has no children until its mount completes: focusing
            # "after the next refresh" raced with that on a busy machine (NoMatches).
            self.call_later(self._focus_filters_when_mounted, mounting, self.filter_pane)
        else:
            self._focus_main()

    async def _focus_filters_when_mounted(
        self, mounting: AwaitMount | None, pane: FilterPane
    ) -> None:
        if mounting is not None:
            await mounting
        pane.focus_first()

    def _focus_main(self) -> None:
        if self.narrow and self._thread_pane_open:
            self.thread.focus()
        else:
            self.conversation_list.focus()

    def action_toggle_filters(self) -> None:
        self._set_filters_open(not self.filters_open)

    def action_clear_filters(self) -> None:
        if self.filter_pane is not None:
            self.filter_pane.set_filters(Filters())
        self.apply_filters(Filters())
        self.notify("Filters cleared", timeout=2)

    def action_search(self) -> None:
        """``/``: full-text search over the cache (a screen with live results); without a
        cache, the text filter (local or server, as the backend applies ``text``)."""
        if self.store is not None:
            from inbox_tui.ui.search_screen import FilterByText, SearchScreen  # on first use

            def chosen(result: SearchHit | FilterByText | None) -> None:
                if isinstance(result, FilterByText):
                    self._filter_by_text(str(result) or None)
                elif result is not None:
                    self._open_hit(result)

            self.push_screen(
                SearchScreen(self.store, inbox_id=self.inbox_id, clock=self.clock),
                chosen,
            )
            return
        search = self.search_input
        search.value = self.filters.text or ""
        search.add_class("-visible")
        search.focus()

    @on(Input.Submitted, "#search")
    def _on_search(self, event: Input.Submitted) -> None:
        event.stop()
        self._close_search()
        self._filter_by_text(event.value.strip() or None)

    def _filter_by_text(self, text: str | None) -> None:
        filters = self.filters.model_copy(update={"text": text})
        if self.filter_pane is not None:
            self.filter_pane.set_filters(filters)
        self.apply_filters(filters)

    def _close_search(self) -> None:
        self.search_input.remove_class("-visible")
        self._focus_main()

    # ---------------------------------------------------------------- actions

    def action_go_back(self) -> None:
        search = self.search_input
        if search.has_class("-visible"):
            self._close_search()
            return
        if self.filters_open and self.filter_pane and self.filter_pane.has_focus_within:
            self._set_filters_open(False)
            return
        if self.banner.showing and self.focused is self.conversation_list:
            self.banner.dismiss()
            return
        self._thread_pane_open = False
        self._apply_layout()
        self.conversation_list.focus()

    def _panes(self) -> list[Widget]:
        panes: list[Widget] = []
        if self.filters_open and self.filter_pane is not None:
            panes.append(self.filter_pane)
        if not (self.narrow and self._thread_pane_open) and not (
            self.filters_open and not self.body.has_class("-wide")
        ):
            panes.append(self.conversation_list)
        if not self.narrow or self._thread_pane_open:
            panes.append(self.thread)
        return panes

    def action_cycle_pane(self, step: int) -> None:
        focused = self.focused
        pane = self.filter_pane
        if focused is not None and pane is not None and pane in focused.ancestors:
            fields = [w for w in pane.query("*") if w.focusable]
            if fields and focused in fields:
                index = fields.index(focused) + step
                if 0 <= index < len(fields):
                    fields[index].focus()
                    return
        panes = self._panes()
        ancestors = focused.ancestors if focused is not None else []
        current = next(
            (
                n
                for n, candidate in enumerate(panes)
                if candidate is focused or candidate in ancestors
            ),
            -1,
        )
        target = panes[(current + step) % len(panes)]
        if pane is not None and target is pane:
            pane.focus_first()
        else:
            target.focus()

    def action_refresh(self) -> None:
        """Retry whatever failed; with nothing failed, reload the list, count and thread."""
        retries = self.banner.take_retries()
        if not self.offline:
            self.header.set_state(Connection.RETRYING if retries else Connection.CONNECTING)
        if retries:
            for retry in retries:
                retry()
            if self.status.count is None and not self.status.counting:
                self._count()
            return
        self.reload()
        if self.poller is not None:
            self.poller.poke()
        if self.cached_thread is not None and self.thread.conversation is not None:
            if not self.offline:
                self._revalidate_thread(self.cached_thread)
        elif self.thread.conversation is not None:
            self.thread.refresh_newer()  # fetch newer messages in place

    def _apply_key_overrides(self) -> None:
        """Rebind keys from the profile's ``keys`` table (ids as the help screen lists)."""
        overrides = getattr(self.settings, "keys", None) or {}
        if not overrides:
            return
        from inbox_tui.ui.detail_screen import DetailScreen
        from inbox_tui.ui.search_screen import SearchScreen

        bindings = [
            *self.BINDINGS,
            *ConversationList.BINDINGS,
            *ThreadView.BINDINGS,
            *FilterPane.BINDINGS,
            *SearchScreen.BINDINGS,
            *DetailScreen.BINDINGS,
            *InboxPicker.BINDINGS,
        ]
        self.keymap_overrides, unknown = resolve(overrides, bindings)
        self.set_keymap(self.keymap_overrides)
        if unknown:
            names = ", ".join(sorted(unknown))
            log.warning("keys: no action named %s", names)
            self.notify(
                f"keys: no action named {names} (? lists the action ids)",
                severity="warning",
                timeout=8,
                markup=False,
            )

    def action_dismiss_error(self) -> None:
        self.banner.dismiss()

    def action_help(self) -> None:
        sections = [
            ("Everywhere", self.BINDINGS),
            ("Conversation list", ConversationList.BINDINGS),
            ("Thread", ThreadView.BINDINGS),
            ("Filter pane", FilterPane.BINDINGS),
        ]
        if self.store is not None:
            from inbox_tui.ui.search_screen import SearchScreen

            sections.append(("Search (/)", SearchScreen.BINDINGS))
        self.push_screen(HelpScreen(sections))

    def action_pick_inbox(self) -> None:
        if not self.inboxes:
            self.notify("No inboxes loaded yet (press r to retry)", timeout=3)
            return

        def chosen(result: str | None) -> None:
            if result is None:
                return
            self.inbox_id = None if result == ALL_INBOXES else result
            self._show_inbox_label()
            self.thread.clear()
            self.header.set_conversation("")
            self._thread_pane_open = False
            self._apply_layout()
            self.reload()

        self.push_screen(InboxPicker(self.inboxes, self.inbox_id), chosen)

    def action_export(self) -> None:
        conversation = self.thread.conversation or self.conversation_list.highlighted
        if conversation is None:
            self.notify("Open a conversation to export it", timeout=3)
            return
        self._export(conversation)

    @work(group="export", exclusive=True, exit_on_error=False)
    async def _export(self, conversation: Conversation) -> None:
        from inbox_tui.export import export_conversation
        from inbox_tui.ui.export_action import default_path

        path = default_path(conversation, self.clock())
        self.notify(f"Exporting to {path.name}…", timeout=2, markup=False)
        try:
            count = await export_conversation(self.backend, conversation, path)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self.show_error(error, lambda: self._export(conversation), "export")
            return
        self.notify(f"Exported {count} messages to {path}", timeout=5, markup=False)
