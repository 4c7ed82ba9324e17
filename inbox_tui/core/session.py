"""One inbox session, without Textual: backend + store + the cached conversation list +
the open thread + the poller, and which of them last failed.

The app is a shell over this: it asks the session for what to show (pagers, pages,
updates), runs those calls in its workers and routes failures by :class:`Source`. There is
always a store: when the profile's cache cannot be opened the session runs on one in
memory and says so, so there is one data path (cache first, then the server).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from inbox_tui.clock import Clock, utc_now
from inbox_tui.config import ConfigError, Profile
from inbox_tui.core import endpoints
from inbox_tui.core.actions import SessionTriage
from inbox_tui.core.backend import Backend, ConversationPager, RetryListener
from inbox_tui.core.conversation_filters import FlagCheck, FlaggedPager
from inbox_tui.core.notify import Notice
from inbox_tui.core.poller import ErrorCallback, Poller, PollResult, ResultCallback
from inbox_tui.core.sync import (
    CacheConversationPager,
    CachedConversations,
    CachedThread,
    CacheMessagePager,
    ThreadPage,
    without_raw,
)
from inbox_tui.core.triage import TriageActions
from inbox_tui.core.waiting import WaitingConversation, queue_order
from inbox_tui.errors import NetworkError
from inbox_tui.filters import Filters
from inbox_tui.models import Conversation, Inbox, Message
from inbox_tui.store import DEFAULT_CACHE_MAX_MB, MessagePosition, SearchHit, Store
from inbox_tui.text import one_line

if TYPE_CHECKING:
    from inbox_tui.core.previews import PreviewSource

log = logging.getLogger(__name__)

# Filters the cached list serves as well as the server would (they need the cache anyway):
# with only these active, the list still comes from the cache first. Not "has a failed
# message": the cache holds only the threads opened so far, so the server's message walk
# finds the failures (offline, the cache answers alone).
CACHED_FLAGS = frozenset({"waiting_only", "mine_only"})

StoreOpener = Callable[[], Awaitable[Store]]
SLOW_OPEN = 0.5  # seconds before a cache that is slow to open is announced


class Source(StrEnum):
    """What failed; a later success of the same source clears its error."""

    LIST = "list"
    THREAD = "thread"
    INBOXES = "inboxes"
    CACHE = "cache"
    POLL = "poll"
    EXPORT = "export"


@dataclass(frozen=True)
class ListSource:
    """What the conversation list pages over, and the filters it applies itself."""

    pager: ConversationPager
    local_fields: frozenset[str]
    local: Filters


@dataclass(frozen=True)
class CachedListStart:
    """The cached list before the server answered: ``has_rows`` False means the cache is
    empty (a first run), so the list waits for the server instead of painting nothing."""

    synced_at: datetime | None
    has_rows: bool


@dataclass(frozen=True)
class OpenedThread:
    thread: CachedThread
    page: ThreadPage
    pager: CacheMessagePager


@dataclass
class ThreadUpdate:
    """What a revalidation of the open thread brought: messages to add, ones to re-render."""

    added: list[Message] = field(default_factory=list)
    updated: list[Message] = field(default_factory=list)
    changed: bool = False


@dataclass(frozen=True)
class StoreOpening:
    """How the cache opened: ``error`` when the profile's file could not be used (the
    session then runs on a cache in memory), ``notice`` for a warning worth showing (a
    damaged cache was reset, a read-only copy, a locked file: see ``Store.notice``)."""

    error: Exception | None = None
    notice: str | None = None


class CachedCount(int):
    """A count of the conversations in the cache, not of messages on the server (the
    status line labels it so)."""


class Session:
    def __init__(
        self,
        backend: Backend,
        *,
        store: Store | StoreOpener | None = None,
        offline: bool = False,
        inbox_id: str | None = None,
        settings: Profile | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.backend = backend
        self.offline = offline
        self.inbox_id = inbox_id
        self.settings = settings or Profile()
        self.clock = clock
        self._store: Store | None = store if isinstance(store, Store) else None
        self._open_store = None if isinstance(store, Store) else store
        self.filters = Filters()  # the filter pane's (or a saved view's)
        self.view_closed: bool | None = None  # the Open (False) / Closed (True) list views
        self.inboxes: list[Inbox] = []
        self.conversations: CachedConversations | None = None
        self.thread: CachedThread | None = None
        self.poller: Poller | None = None
        self._prefetch: asyncio.Future[object] | None = None
        # The write path (issue 12): reply, notes, close, assign, mark read, drafts.
        self.triage: TriageActions = SessionTriage(self)
        self._announced: set[str] = set()  # missing endpoints already said
        self._previews: PreviewSource | None = None

    # ------------------------------------------------------------ lifecycle

    @property
    def store(self) -> Store:
        if self._store is None:
            raise RuntimeError("Session.open() has not run")
        return self._store

    async def open(
        self, *, on_slow: Callable[[], None] | None = None, slow_after: float = SLOW_OPEN
    ) -> StoreOpening:
        """Open the cache; when the profile's cannot be opened, one in memory. ``on_slow``
        is called once when opening takes longer than ``slow_after`` seconds (another
        inbox-tui holds the file, e.g. while it migrates a large cache): say so."""
        if self._store is not None:
            return StoreOpening(notice=self._store.notice)
        if not self.offline:
            self._prefetch_list()
        opener, self._open_store = self._open_store, None
        if opener is not None:
            try:
                self._store = await _announce_if_slow(opener(), on_slow, slow_after)
            except Exception as error:
                self._store = await Store.memory()
                return StoreOpening(error=error)
            if not self.offline:
                await endpoints.recall(self._store, self.backend, self.clock())
            return StoreOpening(notice=self._store.notice)
        self._store = await Store.memory()  # no cache asked for: this run's memory only
        return StoreOpening()

    def _prefetch_list(self) -> None:
        """Start what the list's first request needs (heymarket's conversations API: the
        inbox ids) while the cache opens; the list shares it (``prefetch_list``, when the
        backend has one). Its failure is the list's to report: it asks again."""
        prefetch = getattr(self.backend, "prefetch_list", None)
        if prefetch is None:
            return
        task = asyncio.ensure_future(prefetch(self.inbox_id))
        task.add_done_callback(lambda t: t.cancelled() or t.exception())
        self._prefetch = task  # a reference, so the task is not collected

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.triage.close()  # sends in their undo window stay drafts
        if self.poller is not None:
            with contextlib.suppress(Exception):
                await self.poller.stop()
        with contextlib.suppress(Exception):
            await self.backend.aclose()
        if self._store is not None:
            with contextlib.suppress(Exception):
                await self._store.close()

    def watch_retries(self, listener: RetryListener) -> None:
        if not self.offline:
            self.backend.watch_retries(listener)

    # ------------------------------------------------------------ conversation list

    @property
    def list_filters(self) -> Filters:
        """What the list applies: the filters and the Open/Closed view (``closed``)."""
        if self.view_closed is None:
            return self.filters
        return self.filters.model_copy(update={"closed": self.view_closed})

    @property
    def list_is_cached(self) -> bool:
        """The list comes from the cache (then the server) unless server filters apply."""
        return self.offline or self.list_filters.active_fields() <= CACHED_FLAGS

    def direct_list(self) -> ListSource:
        """The filtered list straight from the server (filtered lists are not cached)."""
        filters = self.list_filters
        local = filters.local_part(self.backend.server_filter_fields(filters))
        pager = self.backend.conversations(filters, self.inbox_id)
        # ``closed`` is checked on every row even when the server applied it: a list that
        # fell back to walking messages cannot apply it, and the check costs nothing.
        applied = local.model_copy(update={"closed": filters.closed})
        return ListSource(self._flagged(pager, filters), local.active_fields(), applied)

    def cached_list(self) -> ListSource:
        """The cached list of the current inbox, paged from the cache."""
        filters = self.list_filters
        local = filters.active_fields()  # offline: every filter is applied locally
        pager = CacheConversationPager(self._require_conversations())
        return ListSource(self._flagged(pager, filters), local, filters.only(local))

    def flag_check(self, filters: Filters | None = None) -> FlagCheck:
        """The conversation flags of ``filters`` (default: the list's) over the cache."""
        member = self.settings.member_id
        return FlagCheck(
            self.store,
            filters or self.list_filters,
            None if member is None else str(member),
            self.settings.reply_threshold,
            self.clock,
        )

    def _flagged(self, pager: ConversationPager, filters: Filters) -> ConversationPager:
        check = self.flag_check(filters)
        return FlaggedPager(pager, check) if check.active else pager

    async def cached_list_start(self) -> CachedListStart:
        convs = self._require_conversations()
        synced = await convs.synced_at()
        cached = await convs.cached(limit=1)
        return CachedListStart(synced, bool(cached))

    async def revalidate_list(self) -> bool:
        """Ask the server what changed; True when the cached list did."""
        changes = await self._require_conversations().revalidate()
        await endpoints.remember(self.store, self.backend, self.clock())
        return changes.changed

    async def synced_at(self) -> datetime | None:
        return await self._require_conversations().synced_at()

    async def remember_endpoints(self) -> None:
        """Record for the next start what the server lacked this run (a first start pages
        the list straight from the server, with no revalidation to do it)."""
        await endpoints.remember(self.store, self.backend, self.clock())

    def endpoint_notice(self) -> str | None:
        """Once per run and endpoint: the server lacks an optional endpoint (e.g. heymarket's
        conversations API) and the app works without it; None when there is nothing new."""
        return endpoints.announce(self.backend, self._announced)

    async def top_rows(self, shown: int) -> tuple[list[Conversation], ConversationPager] | None:
        """The top of the cached list again (after a sync or a poll), as many rows as are
        shown, and a pager that continues after them; None when the list is not cached."""
        convs = self.conversations
        if convs is None or not self.list_is_cached:
            return None
        rows = await convs.cached(limit=max(shown, convs.page_size))
        pager = CacheConversationPager(convs, after=rows[-1] if rows else None)
        check = self.flag_check()
        if not check.active:
            return rows, pager
        return await check.keep(rows), FlaggedPager(pager, check)

    def _require_conversations(self) -> CachedConversations:
        """The cached conversations: made on first use and again after an inbox switch."""
        convs = self.conversations
        if convs is None or convs.inbox_id != self.inbox_id:
            convs = self.conversations = CachedConversations(
                self.store,
                None if self.offline else self.backend,
                inbox_id=self.inbox_id,
                offline=self.offline,
            )
            if self.poller is not None:
                self.poller.inbox_id = self.inbox_id
        return convs

    async def count(self) -> int | None:
        """The server's count of matching messages; when the server cannot count (heymarket
        counts team-wide only, not per inbox) and no filter applies, the cache's count of
        conversations as a :class:`CachedCount`; None offline or when neither is known."""
        if self.offline:
            return None
        filters = self.list_filters
        if self.backend.capabilities.count:
            counted = await self.backend.count(filters, self.inbox_id)
            if counted is not None:
                return counted
        if not filters.is_empty():
            return None
        return CachedCount(await self.store.count_conversations(self.inbox_id))

    async def load_inboxes(self) -> list[Inbox]:
        """The visible inboxes. An ``inbox_id`` that is not among them raises a
        :class:`ConfigError` naming the ones there are (else the list is just empty)."""
        self.inboxes = await self.backend.inboxes()
        ids = {inbox.id for inbox in self.inboxes}
        if self.inbox_id and self.inboxes and self.inbox_id not in ids:
            known = ", ".join(f"{inbox.id} ({one_line(inbox.name, 30)})" for inbox in self.inboxes)
            raise ConfigError(
                f"inbox {self.inbox_id} does not exist or is not visible to these credentials; "
                f"visible: {known} (press i to pick one)"
            )
        return self.inboxes

    def inbox_label(self) -> str:
        names = {inbox.id: inbox.name for inbox in self.inboxes}
        if self.inbox_id:
            return names.get(self.inbox_id, f"inbox {self.inbox_id}")
        if len(self.inboxes) == 1:
            return self.inboxes[0].name
        return "All inboxes"

    def switch_inbox(self, inbox_id: str | None) -> None:
        self.inbox_id = inbox_id
        self.thread = None

    # ------------------------------------------------------------ the open thread

    async def open_thread(
        self, conversation: Conversation, hit: SearchHit | None = None
    ) -> OpenedThread:
        """Cached messages at once (around ``hit`` for a search result)."""
        thread = CachedThread(
            self.store,
            None if self.offline else self.backend,
            conversation,
            offline=self.offline,
        )
        page = await (thread.around(hit.cursor) if hit is not None else thread.cached())
        self.thread = thread
        top = MessagePosition.of(page.messages[-1]) if page.messages else None
        pager = CacheMessagePager(thread, start=page.cursor, top=top)
        if self.poller is not None:
            self.poller.active_key = conversation.key
        if conversation.unread:
            with contextlib.suppress(Exception):
                await self.store.set_unread(conversation.key, False)
        return OpenedThread(thread, replace(page, messages=without_raw(page.messages)), pager)

    async def full_message(self, message: Message) -> Message:
        """``message`` with its vendor payload: the open thread holds messages without it
        (see :func:`~inbox_tui.core.sync.without_raw`); the cache has it."""
        if message.raw:
            return message
        try:
            stored = await self.store.get_message(message.id, message.source)
        except Exception:  # the detail screen still shows every field it has
            return message
        return stored or message

    async def revalidate_thread(
        self, thread: CachedThread, shown: list[Message]
    ) -> ThreadUpdate | None:
        """New and changed messages of ``thread``; None when another thread was opened
        meanwhile. ``shown``: what the view holds (everything the cache now has above it,
        e.g. stored by a scroll-back that ran the revalidation first, comes back too)."""
        try:
            changes = await thread.revalidate()
        except Exception:
            if self.thread is not thread:  # nobody is looking at that thread any more
                return None
            raise
        if self.thread is not thread:
            return None
        newer: list[Message] = []
        if shown:
            with contextlib.suppress(Exception):
                newer = await thread.store.thread_after(
                    thread.key, after=MessagePosition.of(shown[-1]), limit=1000, compact=True
                )
            if self.thread is not thread:
                return None
        added = without_raw([*changes.inserted, *newer])
        return ThreadUpdate(added, without_raw(changes.updated), changes.changed)

    async def find_in_thread(
        self, key: str, term: str, before: MessagePosition | None, *, count: bool = False
    ) -> tuple[MessagePosition | None, bool, int | None]:
        """Search the cached messages of one conversation (``/`` in a thread): the newest
        match older than ``before``, whether the cache holds the thread to its beginning
        (then no match there means none at all), and with ``count`` how many cached
        messages match."""
        from inbox_tui.store import thread_search

        found = await self.store.read(thread_search.match_before, key, term, before)
        state = await self.store.thread_state(key)
        total = await self.store.read(thread_search.count_matches, key, term) if count else None
        return found, state.complete, total

    async def preview_of(
        self, conversation: Conversation, wanted: Callable[[], bool] = lambda: True
    ) -> Message | None:
        """The newest message of a list row that came without one (heymarket's conversations
        API): cached, else fetched once (see :mod:`inbox_tui.core.previews`)."""
        if self._previews is None:
            from inbox_tui.core.previews import PreviewSource

            self._previews = PreviewSource(self.store, None if self.offline else self.backend)
        return await self._previews.latest(conversation, wanted)

    async def conversation_of(self, hit: SearchHit) -> Conversation | None:
        return await self.store.get_conversation(hit.conversation_key)

    # ------------------------------------------------------------ who is waiting on us

    async def reply_queue(self) -> list[WaitingConversation]:
        """Conversations waiting on a reply, oldest wait first, across every inbox in the
        cache (the profile's account): from the cache alone, so it works offline. A reply
        stored by a send or a poll takes its conversation out."""
        from inbox_tui.store.waiting import waiting_conversations

        rows = await self.store.read(waiting_conversations, None)
        return queue_order(
            WaitingConversation(row.conversation, row.since, row.unanswered) for row in rows
        )

    # ------------------------------------------------------------ cache upkeep

    async def enforce_limit(self, open_key: str | None) -> int:
        """Keep the cache under the profile's ``cache_max_mb`` (never the open thread)."""
        limit_mb = self.settings.cache_max_mb or DEFAULT_CACHE_MAX_MB
        evicted = await self.store.enforce_limit(
            limit_mb * 1024 * 1024, frozenset({open_key} if open_key else ())
        )
        if evicted:
            log.info("cache limit %d MB: evicted %d messages", limit_mb, evicted)
        return evicted

    # ------------------------------------------------------------ live updates

    def start_poller(self, on_result: ResultCallback, on_error: ErrorCallback) -> None:
        if self.offline:
            return
        self.poller = Poller(
            self.store,
            self.backend,
            poll_seconds=float(self.settings.poll_seconds),
            inbox_id=self.inbox_id,
            on_result=on_result,
            on_error=on_error,
        )
        self.poller.start()

    # ------------------------------------------------------------ export

    async def export(self, conversation: Conversation, path: Path) -> int:
        """Online: what is newer than the cache from the server, the rest from the cache
        when it holds the thread whole, else the whole thread from the server (a whole
        cached thread is also the fallback when the network fails). Offline: from the
        cache, when it is whole."""
        from inbox_tui.core.export import export_cached, export_conversation  # on first use

        if self.offline:
            return await export_cached(self.store, conversation, path)
        try:
            return await export_conversation(self.backend, conversation, path, store=self.store)
        except NetworkError:
            if not (await self.store.thread_state(conversation.key)).complete:
                raise
            log.info("export: network failed; writing the complete cached thread")
            return await export_cached(self.store, conversation, path)


async def _announce_if_slow(
    opening: Awaitable[Store], on_slow: Callable[[], None] | None, after: float
) -> Store:
    task = asyncio.ensure_future(opening)
    if on_slow is not None:
        done, _ = await asyncio.wait({task}, timeout=after)
        if not done:
            on_slow()
    return await task


def new_message_notice(result: PollResult, inboxes: list[Inbox]) -> Notice:
    """What a desktop notification / ``notify_command`` gets for a poll's new messages."""
    from inbox_tui.phone import pretty

    messages = [m for batch in result.new_inbound.values() for m in batch]
    last = max(messages, key=lambda m: m.sort_key)
    names = {inbox.id: inbox.name for inbox in inboxes}
    inbox = names.get(last.inbox_id or "", last.inbox_id or "")
    body = last.body or ("[media]" if last.media_url else "")
    return Notice(last.contact_name or pretty(last.contact), inbox, body, len(messages))


def new_message_summary(result: PollResult) -> str:
    """``New message from Ana: text (+2 more)`` for a poll that brought inbound messages."""
    messages = [m for batch in result.new_inbound.values() for m in batch]
    last = max(messages, key=lambda m: m.sort_key)
    who = last.contact_name or last.contact
    more = f" (+{len(messages) - 1} more)" if len(messages) > 1 else ""
    return f"New message from {one_line(who, 40)}: {one_line(last.body, 60)}{more}"
