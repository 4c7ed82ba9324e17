"""The Textual app: a shell over :class:`~inbox_tui.core.session.Session`.

It composes the panes, binds keys, lays them out for the terminal's width and routes what
the session returns to the widgets. Every session call runs in a worker through
:meth:`InboxApp._attempt`, which turns a failure into the error banner (with the request id
and a retry) and a log line, so no failure can end the app or paint a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import tzinfo

from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message as TextualMessage
from textual.widgets import Footer

from inbox_tui.clock import Clock, utc_now
from inbox_tui.config import Profile
from inbox_tui.core.backend import Backend
from inbox_tui.core.poller import Poller
from inbox_tui.core.session import Session, Source, StoreOpener
from inbox_tui.filters import Filters
from inbox_tui.models import Conversation, Message
from inbox_tui.paths import styles_dir
from inbox_tui.store import SearchHit, Store
from inbox_tui.ui import layout
from inbox_tui.ui.background import Background
from inbox_tui.ui.error_router import ErrorRouter, Failed
from inbox_tui.ui.key_overrides import apply_overrides
from inbox_tui.ui.keymap import identify
from inbox_tui.ui.list_follow import CursorKeeper
from inbox_tui.ui.list_loader import ListLoader
from inbox_tui.ui.list_previews import ListPreviews
from inbox_tui.ui.palette import InboxCommands
from inbox_tui.ui.saved_views import BINDINGS as SAVED_VIEW_KEYS
from inbox_tui.ui.saved_views import SavedViews
from inbox_tui.ui.screens.inbox_picker import ALL_INBOXES, InboxPicker
from inbox_tui.ui.theme_state import apply_start_theme
from inbox_tui.ui.thread_loader import ThreadLoader
from inbox_tui.ui.triage_keys import TriageKeys
from inbox_tui.ui.waiting_feed import WaitingFeed
from inbox_tui.ui.widgets.banner import ErrorBanner
from inbox_tui.ui.widgets.conversation_list import ConversationList, contact_label
from inbox_tui.ui.widgets.filter_pane import FilterPane
from inbox_tui.ui.widgets.status_bar import AppHeader, Connection, StatusLine
from inbox_tui.ui.widgets.thread_view import ThreadView

log = logging.getLogger(__name__)

ENFORCE_DELAY_SECONDS = 3.0  # after start, before the cache limit is enforced


class RetryNotice(TextualMessage):
    """The HTTP layer is about to retry a request (posted from the backend's retry hook)."""

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
            Binding("ctrl+r,f5", "refresh", "Refresh/retry"),
            Binding("e", "export", "Export"),
            Binding("i", "pick_inbox", "Inbox"),
            Binding("w", "reply_queue", "Waiting"),
            Binding("x", "dismiss_error", "Dismiss error", show=False),
            Binding("ctrl+p", "command_palette", "Commands", show=False),
            *SAVED_VIEW_KEYS,
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
        store: Store | StoreOpener | None = None,
        settings: Profile | None = None,
        clock: Clock = utc_now,
        tz: tzinfo | None = None,
    ) -> None:
        """``store``: the cache, or an async opener the app awaits at mount (SQLite runs
        on the store's threads); None: a cache in memory for this run only."""
        super().__init__()
        self.session = Session(
            backend, store=store, offline=offline, inbox_id=inbox_id, settings=settings, clock=clock
        )
        self.profile_name = profile_name
        self.insecure = insecure
        self.tz = tz  # thread times; None = the local zone (tests and screenshots fix it)
        self.keymap_overrides: dict[str, str] = {}
        self.thread_pane_open = False  # narrow layout: which of list/thread is shown
        self.filter_pane: FilterPane | None = None  # built when first opened (startup cost)
        self.side_loads_pending = False
        self.background = Background(self)
        self.lists = ListLoader(self)
        self.threads = ThreadLoader(self)
        self.keeper = CursorKeeper(self)
        self.waiting = WaitingFeed(self)
        self.triage_keys = TriageKeys(self)
        self.saved_views = SavedViews(self)
        self.previews = ListPreviews(self)

    @property
    def offline(self) -> bool:
        return self.session.offline

    @property
    def clock(self) -> Clock:
        return self.session.clock

    @property
    def filters(self) -> Filters:
        return self.session.filters

    @property
    def inbox_id(self) -> str | None:
        return self.session.inbox_id

    @property
    def poller(self) -> Poller | None:
        return self.session.poller

    # ---------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        # Widgets are kept as attributes: messages can still arrive while the app shuts
        # down, when a query would no longer find them.
        label = f"{self.profile_name}: {self.session.backend.label}"
        self.header = AppHeader(label, insecure=self.insecure, id="header")
        self.banner = ErrorBanner(id="banner")
        self.conversation_list = ConversationList(clock=self.clock, tz=self.tz, id="list")
        self.thread = ThreadView(id="thread", tz=self.tz)
        self.thread.cache_search = self.session.find_in_thread
        self.status = StatusLine(id="status")
        self.errors = ErrorRouter(self.banner, self.header, offline=self.offline)
        yield self.header
        yield self.banner
        with Horizontal(id="body") as self.body:
            yield self.conversation_list
            with Vertical(id="thread-pane") as self.thread_pane:  # compose mounts under it
                yield self.thread
        yield self.status
        # The footer (one widget per key hint) is mounted right after the first frame.

    async def on_mount(self) -> None:
        self.keymap_overrides = apply_overrides(self, self.session.settings.keys)
        apply_start_theme(self, self.session.settings.theme)
        if self.offline:
            self.header.set_state(Connection.OFFLINE)
        self.header.set_inbox(self.session.inbox_label())  # "inbox 413" until names load
        layout.apply(self)
        self.session.watch_retries(lambda reason: self.post_message(RetryNotice(reason)))
        # First paint first: the count and the inbox list wait until the first page of
        # conversations is in, so they don't compete with it for the server and the loop.
        self.side_loads_pending = True
        opening = await self.session.open(on_slow=self._cache_is_slow)
        if opening.error is not None:
            self.show_error(opening.error, None, Source.CACHE)
            self.notify("The cache is in memory for this run: nothing is kept after you quit.")
        if opening.notice:
            self.notify(opening.notice, severity="warning", timeout=8, markup=False)
        self.reload(count=False)
        self.triage_keys.start()
        self.previews.start()
        self.set_interval(60, self.background.tick)
        # The cache limit is enforced a little later: not competing with first paint.
        self.set_timer(self.enforce_delay, self.background.start_upkeep)
        self.session.start_poller(self.background.on_poll, self.background.on_poll_error)

    def _cache_is_slow(self) -> None:
        self.notify(
            "Waiting for the cache: another inbox-tui is using it (up to 5 s, then this run "
            "reads a copy or keeps the cache in memory)…",
            timeout=6,
        )

    async def on_ready(self) -> None:
        await self.mount(Footer())
        if self.focused is None:
            self.conversation_list.focus()
        # The footer shows the focused widget's keys once told they changed: without this
        # it stayed blank until the focus moved.
        self.screen.refresh_bindings()

    async def on_unmount(self) -> None:
        await self.session.close()

    def on_resize(self, event: events.Resize) -> None:
        # This handler runs before App's own, which is what updates self.size.
        layout.apply(self, event.size.width)

    @property
    def narrow(self) -> bool:
        return self.body.has_class("-narrow")  # as laid out (a resize may be in flight)

    @property
    def filters_open(self) -> bool:
        return self.body.has_class("-filters-open")

    def show_error(
        self, error: BaseException, retry: Callable[[], object] | None, source: Source
    ) -> None:
        self.errors.show(error, retry, source)

    @on(RetryNotice)
    def _on_retry_notice(self, event: RetryNotice) -> None:
        self.header.set_state(Connection.RETRYING, event.reason)

    # ---------------------------------------------------------------- the list

    def reload(self, *, count: bool = True) -> None:
        """(Re)load the conversation list (and the count) for the inbox and filters."""
        self.lists.reload(count=count)

    async def resync_list(self) -> None:
        await self.lists.resync()

    # ---------------------------------------------------------------- the thread

    def open_conversation(self, conversation: Conversation, hit: SearchHit | None = None) -> None:
        self.triage_keys.leave_compose(conversation)
        self.threads.open(conversation, hit)
        self.conversation_list.select_key(conversation.key)  # the cursor follows
        self.header.set_conversation(contact_label(conversation))
        self.thread_pane_open = True
        layout.apply(self)
        self.thread.focus()

    # ---------------------------------------------------------------- widget events

    @on(ConversationList.LoadFailed)
    def _on_list_failed(self, event: ConversationList.LoadFailed) -> None:
        self.show_error(event.error, event.retry, Source.LIST)
        self.lists.start_side_loads()

    @on(ThreadView.LoadFailed)
    def _on_thread_failed(self, event: ThreadView.LoadFailed) -> None:
        self.show_error(event.error, event.retry, Source.THREAD)

    @on(ThreadView.SearchProgress)
    def _on_thread_search(self, event: ThreadView.SearchProgress) -> None:
        self.status.set_search(event.text)

    @on(ThreadView.OlderLoaded)
    def _on_thread_loaded(self) -> None:
        self.errors.resolved(Source.THREAD)

    @on(ConversationList.Loaded)
    def _on_list_loaded(self, event: ConversationList.Loaded) -> None:
        self.status.set_listed(event.total)
        self.keeper.on_loaded(event.exhausted)
        self.refresh_queue()
        self.previews.schedule()
        self.errors.resolved(Source.LIST)
        self.lists.start_side_loads()

    @on(ConversationList.Opened)
    def _on_opened(self, event: ConversationList.Opened) -> None:
        self.open_conversation(event.conversation)

    @on(ThreadView.DetailRequested)
    def _on_detail(self, event: ThreadView.DetailRequested) -> None:
        self.run_worker(self._show_detail(event.message), group="detail", exit_on_error=False)

    async def _show_detail(self, message: Message) -> None:
        from inbox_tui.ui.screens.detail import DetailScreen  # on first use: startup cost

        full = await self.session.full_message(message)  # the payload is in the cache
        self.push_screen(DetailScreen(full, tz=self.tz))

    @on(FilterPane.Applied)
    def _on_filters(self, event: FilterPane.Applied) -> None:
        self.apply_filters(event.filters)

    @on(FilterPane.Closed)
    def _on_filters_closed(self) -> None:
        layout.set_filters_open(self, False)

    # ---------------------------------------------------------------- filters and search

    def apply_filters(self, filters: Filters) -> None:
        if filters == self.filters:
            return
        self.session.filters = filters
        self.saved_views.filters_changed(filters)
        self.thread.set_highlight(filters.message_part())
        self.reload()

    def action_toggle_filters(self) -> None:
        layout.set_filters_open(self, not self.filters_open)

    def action_clear_filters(self) -> None:
        if self.filter_pane is not None:
            self.filter_pane.set_filters(Filters())
        self.apply_filters(Filters())
        self.notify("Filters cleared", timeout=2)

    def action_search(self) -> None:
        """``/``: full-text search over the cache (a screen with live results); ``enter``
        with no result picked filters the list by the text instead."""
        from inbox_tui.ui.screens.search import FilterByText, SearchScreen  # on first use

        def chosen(result: SearchHit | FilterByText | None) -> None:
            if isinstance(result, FilterByText):
                filters = self.filters.model_copy(update={"text": str(result) or None})
                if self.filter_pane is not None:
                    self.filter_pane.set_filters(filters)
                self.apply_filters(filters)
            elif result is not None:
                self.threads.open_hit(result)

        screen = SearchScreen(self.session.store, inbox_id=self.inbox_id, clock=self.clock)
        self.push_screen(screen, chosen)

    # ---------------------------------------------------------------- actions

    def action_go_back(self) -> None:
        if self.filters_open and self.filter_pane and self.filter_pane.has_focus_within:
            layout.set_filters_open(self, False)
            return
        if self.banner.showing and self.focused is self.conversation_list:
            self.banner.dismiss()
            return
        self.thread_pane_open = False
        layout.apply(self)
        self.conversation_list.focus()

    def action_cycle_pane(self, step: int) -> None:
        layout.cycle_focus(self, step)

    def action_refresh(self) -> None:
        """Retry whatever failed; with nothing failed, reload the list, count and thread."""
        retries = self.banner.take_retries()
        if not self.offline:
            self.header.set_state(Connection.RETRYING if retries else Connection.CONNECTING)
        if retries:
            for retry in retries:
                retry()
            if self.status.count is None and not self.status.counting:
                self.lists.count()
            return
        self.keeper.remember()
        self.reload()
        if self.poller is not None:
            self.poller.poke()
        if self.thread.conversation is not None and not self.offline:
            self.threads.revalidate()

    def action_reply_queue(self) -> None:
        self.waiting.open_screen()

    def refresh_queue(self) -> None:
        self.waiting.refresh()

    def action_triage(self, what: str) -> None:
        """Reply, note, send, undo, close, read, assign, views: see ui/triage_keys.py."""
        self.triage_keys.run(what)

    def action_saved_view(self, number: int) -> None:
        self.saved_views.apply(number)

    def action_dismiss_error(self) -> None:
        self.banner.dismiss()

    def action_help(self) -> None:
        from inbox_tui.ui.screens.help import HelpScreen, help_sections

        self.push_screen(HelpScreen(help_sections(self.BINDINGS)))

    def action_pick_inbox(self) -> None:
        if not self.session.inboxes:
            self.notify("No inboxes loaded yet (press ctrl+r to retry)", timeout=3)
            return

        def chosen(result: str | None) -> None:
            if result is None:
                return
            self.session.switch_inbox(None if result == ALL_INBOXES else result)
            self.header.set_inbox(self.session.inbox_label())
            self.thread.clear()
            self.header.set_conversation("")
            self.thread_pane_open = False
            layout.apply(self)
            self.reload()

        self.push_screen(InboxPicker(self.session.inboxes, self.inbox_id), chosen)

    def action_export(self) -> None:
        conversation = self.thread.conversation or self.conversation_list.highlighted
        if conversation is None:
            self.notify("Open a conversation to export it", timeout=3)
            return
        self._export(conversation)

    @work(group="export", exclusive=True, exit_on_error=False)
    async def _export(self, conversation: Conversation) -> None:
        from inbox_tui.ui.export_path import default_path

        path = default_path(conversation, self.clock())
        self.notify(f"Exporting to {path}…", timeout=4, markup=False)
        count = await self.errors.attempt(
            Source.EXPORT,
            lambda: self._export(conversation),
            self.session.export(conversation, path),
        )
        if not isinstance(count, Failed):
            self.errors.resolved(Source.EXPORT)  # an earlier failed export left the header
            self.notify(f"Exported {count} messages to {path}", timeout=5, markup=False)
