"""Stale-while-revalidate between the SQLite cache and a :class:`Backend`.

The UI shows ``cached()`` at once, then calls ``revalidate()`` in a worker and merges what
changed. Scroll-back (``older()``) is served from the cache inside the range the cache
knows to be gap-free (:class:`~inbox_tui.store.ThreadState`) and asks the server only for
what lies beyond it, resuming the pager from the cache's oldest cursor. With
``offline=True`` (or no backend) nothing but the cache is read.

How a screen uses it::

    store = await Store.open_profile(profile)                 # once, at app start
    convs = CachedConversations(store, backend, inbox_id=..., offline=offline)
    conversation_list.load(CacheConversationPager(convs))     # instant, from SQLite
    changes = await convs.revalidate()                        # worker; then reload/merge

    thread = CachedThread(store, backend, conversation, offline=offline)
    page = await thread.cached()                              # instant
    top = MessagePosition.of(page.messages[-1]) if page.messages else None
    pager = CacheMessagePager(thread, start=page.cursor, top=top)
    thread_view.show(conversation, pager, initial=page.messages)
    changes = await thread.revalidate()                       # new + status-changed

Errors from the server (``ApiError``) propagate from ``revalidate``/``older``/``more``;
the cache is left as it was and the cached views stay valid.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from inbox_tui.compact import CompactMessage
from inbox_tui.core.backend import Backend, ConversationPager, MessagePager
from inbox_tui.dates import shifted
from inbox_tui.filters import Filters
from inbox_tui.models import Conversation, Message
from inbox_tui.store import ConversationCursor, MessagePosition, Store, ThreadState, UpsertResult
from inbox_tui.store.codec import from_us, to_us

log = logging.getLogger(__name__)

PagerFactory = Callable[[Conversation, datetime | None, frozenset[str]], MessagePager]
"""``(conversation, start_before, known_ids) -> pager``; ``start_before`` None: from the top."""


def _now_us() -> int:
    return int(time.time() * 1_000_000)


# Messages a live server pager may return before the walk continues with a fresh one.
RESUME_AFTER = 2_000


def default_pager_factory(backend: Backend) -> tuple[PagerFactory, bool]:
    """A factory over ``backend.thread`` and whether it can resume from a cursor."""
    resumable = backend.capabilities.resume

    def factory(
        conversation: Conversation, start_before: datetime | None, known_ids: frozenset[str]
    ) -> MessagePager:
        if resumable and start_before is not None:
            return backend.thread(
                conversation, None, start_before=start_before, known_ids=known_ids
            )
        return backend.thread(conversation)

    return factory, resumable


@dataclass
class ThreadPage:
    """Messages for the thread view, oldest first."""

    messages: list[Message]
    from_cache: bool  # served without asking the server
    complete: bool  # nothing older than ``messages[0]`` exists (as far as known)
    synced_at: datetime | None  # when the server last confirmed the thread's top

    @property
    def cursor(self) -> MessagePosition | None:
        """Pass to ``older(before=...)`` for the page above this one."""
        return MessagePosition.of(self.messages[0]) if self.messages else None


@dataclass
class Changes(UpsertResult):
    """What a revalidation brought: new messages and ones whose status/flag/body changed
    (summed over the batches it stored), and the server requests it took."""

    requests: int = 0


class CachedThread:
    """One conversation's messages, cache first. Safe to call concurrently (one lock)."""

    def __init__(
        self,
        store: Store,
        backend: Backend | None,
        conversation: Conversation,
        *,
        offline: bool = False,
        page_size: int = 50,
        max_revalidate_pages: int = 10,
        max_server_batches: int = 5,
        pager_factory: PagerFactory | None = None,
    ) -> None:
        self.store = store
        self.backend = backend
        self.conversation = conversation
        self.key = conversation.key
        self.offline = offline or backend is None
        self.page_size = page_size
        self.max_revalidate_pages = max_revalidate_pages
        self.max_server_batches = max_server_batches
        if pager_factory is not None:
            self._factory, self._resumable = pager_factory, True
        elif backend is not None:
            self._factory, self._resumable = default_pager_factory(backend)
        else:
            self._factory, self._resumable = None, False
        self._lock = asyncio.Lock()
        self._pager: MessagePager | None = None
        self._pager_at: MessagePosition | None = None  # oldest message the live pager has returned
        self._pager_fetched = 0  # messages the live pager has returned
        self.requests = 0  # server batches asked for (for tests and benches)

    async def state(self) -> ThreadState:
        return await self.store.thread_state(self.key)

    async def cached(self, limit: int | None = None) -> ThreadPage:
        """The newest messages the cache holds, instantly, without touching the network."""
        state = await self.store.thread_state(self.key)
        rows = await self.store.thread_window(self.key, limit=limit or self.page_size, compact=True)
        complete = state.complete and (
            not rows or state.oldest is None or MessagePosition.of(rows[0]) <= state.oldest
        )
        return ThreadPage(rows, True, complete, state.synced_at)

    async def around(
        self, cursor: MessagePosition, *, before: int = 25, after: int = 25
    ) -> ThreadPage:
        """The cached neighbourhood of one message (a search hit), oldest first."""
        state = await self.store.thread_state(self.key)
        rows = await self.store.thread_around(
            self.key, cursor, before=before, after=after, compact=True
        )
        return ThreadPage(rows, True, False, state.synced_at)

    async def revalidate(self) -> Changes:
        """Fetch from the top until meeting the cached gap-free range; merge; return changes."""
        changes = Changes()
        if self.offline or self._factory is None:
            return changes
        async with self._lock:
            state = await self.store.thread_state(self.key)
            pager = self._factory(self.conversation, None, frozenset())
            fetched_oldest: MessagePosition | None = None
            fetched_newest: MessagePosition | None = None
            overlap = False
            for _ in range(self.max_revalidate_pages):
                batch = await pager.older()
                changes.requests += 1
                if batch:
                    await self._merge(batch, changes)
                    fetched_oldest = MessagePosition.of(batch[0])
                    top = MessagePosition.of(batch[-1])
                    fetched_newest = max(top, fetched_newest) if fetched_newest else top
                    if state.newest is not None and fetched_oldest <= state.newest:
                        overlap = True
                # First sync of this thread: one page is enough to show it.
                if overlap or pager.exhausted or not batch or state.newest is None:
                    break
            newest = (
                max(c for c in (fetched_newest, state.newest) if c is not None)
                if (fetched_newest or state.newest)
                else None
            )
            if pager.exhausted:
                oldest, complete = fetched_oldest, pager.complete
                if fetched_oldest is None:  # the thread is empty on the server
                    oldest, newest = None, None
            elif overlap:
                oldest, complete = state.oldest, state.complete
            else:  # the old range (if any) is no longer known to join the top
                oldest, complete = fetched_oldest, False
            await self.store.set_thread_state(
                ThreadState(self.key, oldest, newest, complete, _now_us())
            )
            self._pager, self._pager_at = (None, None) if overlap else (pager, fetched_oldest)
            self._pager_fetched = 0
            self.requests += changes.requests
        return changes

    async def older(
        self, before: MessagePosition | None = None, limit: int | None = None
    ) -> ThreadPage:
        """Up to ``limit`` messages older than ``before`` (the newest if None), oldest first.

        Served from the cache while inside the known gap-free range; beyond it the server is
        asked (at most ``max_server_batches`` batches per call) and the range extended.
        """
        limit = limit or self.page_size
        if self.offline:
            rows = await self.store.thread_window(
                self.key, before=before, limit=limit, compact=True
            )
            state = await self.store.thread_state(self.key)
            return ThreadPage(rows, True, len(rows) < limit and state.complete, state.synced_at)
        state = await self.store.thread_state(self.key)
        if state.newest is None:
            await self.revalidate()
            state = await self.store.thread_state(self.key)
        from_cache = True
        for _ in range(self.max_server_batches + 1):
            floor = None if state.complete else state.oldest
            rows = await self.store.thread_window(
                self.key, before=before, limit=limit, not_before=floor, compact=True
            )
            if len(rows) >= limit or state.complete or state.oldest is None:
                break
            fetched = await self._fetch_older(state)
            from_cache = False
            state = await self.store.thread_state(self.key)
            if not fetched and not state.complete:
                break
        else:
            rows = await self.store.thread_window(
                self.key, before=before, limit=limit, compact=True
            )
        complete = state.complete and len(rows) < limit
        return ThreadPage(rows, from_cache, complete, state.synced_at)

    # -- internals ------------------------------------------------------------------------

    async def _merge(self, batch: list[Message], changes: Changes) -> None:
        result = await self.store.upsert_messages(batch)
        changes.inserted.extend(result.inserted)
        changes.updated.extend(result.updated)

    async def _fetch_older(self, seen: ThreadState) -> bool:
        """One server batch below the gap-free range; returns whether anything came."""
        assert self._factory is not None
        async with self._lock:
            state = await self.store.thread_state(self.key)
            if state != seen:  # someone else moved the range meanwhile: re-read the cache
                return True
            assert state.oldest is not None
            pager = self._pager if self._pager_at == state.oldest else None
            if pager is None:
                pager = await self._resume(state.oldest)
                self._pager_fetched = 0
            changes = Changes()
            batch: list[Message] = []
            while not pager.exhausted:
                batch = await pager.older()
                self.requests += 1
                self._pager_fetched += len(batch)
                if batch:
                    await self._merge(batch, changes)
                # A pager that cannot resume walks from the top: skip what is cached.
                if not batch or MessagePosition.of(batch[0]) < state.oldest:
                    break
            oldest = state.oldest
            if batch and MessagePosition.of(batch[0]) < oldest:
                oldest = MessagePosition.of(batch[0])
            complete = pager.complete if pager.exhausted else False
            await self.store.set_thread_state(
                ThreadState(self.key, oldest, state.newest, complete, state.synced_us)
            )
            self._pager, self._pager_at = pager, oldest
            if self._resumable and self._pager_fetched >= RESUME_AFTER:
                # A live pager remembers every id it returned (for de-duplication): a walk
                # to the start of 100k messages kept 100k ids. The cache knows where the
                # walk stands; the next batch resumes from it with a fresh pager.
                self._pager, self._pager_at = None, None
            return bool(batch) or complete

    async def _resume(self, oldest: MessagePosition) -> MessagePager:
        assert self._factory is not None
        if not self._resumable:
            return self._factory(self.conversation, None, frozenset())
        start = from_us(oldest.at_us)
        second = start.replace(microsecond=0)
        rows = await self.store.thread_window(
            self.key,
            before=MessagePosition(to_us(shifted(second, timedelta(seconds=1))), ""),
            not_before=MessagePosition(to_us(second), ""),
            limit=10_000,
            compact=True,
        )
        return self._factory(self.conversation, start, frozenset(m.id for m in rows))


@dataclass
class ConversationChanges:
    """Which conversations a revalidation found new or moved."""

    new_keys: list[str] = field(default_factory=list)
    changed_keys: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.new_keys or self.changed_keys)


def _shown(conv: Conversation) -> tuple[object, ...]:
    """What the list shows of a conversation: a change of any of it re-renders the row."""
    return (
        conv.last_at,
        conv.unread,
        conv.flagged,
        conv.has_failed,
        conv.name,
        conv.status,
        conv.assigned_to,
    )


class CachedConversations:
    """The conversation list, cache first. Filters beyond the inbox are applied by the
    caller (the cache holds the unfiltered list)."""

    def __init__(
        self,
        store: Store,
        backend: Backend | None,
        *,
        inbox_id: str | None = None,
        offline: bool = False,
        page_size: int = 50,
    ) -> None:
        self.store = store
        self.backend = backend
        self.inbox_id = inbox_id
        self.offline = offline or backend is None
        self.page_size = page_size
        self._pager: ConversationPager | None = None
        # A revalidation that failed: its pager, what it changed so far, pages left.
        self._interrupted: tuple[ConversationPager, ConversationChanges, int] | None = None
        self._lock = asyncio.Lock()

    @property
    def _meta_key(self) -> str:
        return f"conversations_synced:{self.inbox_id or '*'}"

    async def synced_at(self) -> datetime | None:
        """When the server last confirmed the top of the list (None: never)."""
        value = await self.store.get_meta(self._meta_key)
        return from_us(int(value)) if value else None

    async def cached(
        self, after: Conversation | None = None, limit: int | None = None, **kw: bool
    ) -> list[Conversation]:
        """A page of the cached list after ``after`` (keyset), newest activity first.
        ``unread_only``/``flagged_only``/``failed_only`` may be passed through."""
        cursor = ConversationCursor.of(after) if after is not None else None
        return await self.store.conversation_page(
            inbox_id=self.inbox_id, after=cursor, limit=limit or self.page_size, **kw
        )

    async def revalidate(self, pages: int = 1) -> ConversationChanges:
        """Fetch the first ``pages`` pages from the server and merge them. A revalidation
        that failed part-way is resumed where it stopped (the same pager: what it had found
        is kept and nothing is skipped) instead of walking from the newest page again."""
        if self.offline or self.backend is None:
            return ConversationChanges()
        async with self._lock:
            resumed = self._interrupted
            if resumed is None:
                self._pager = self.backend.conversations(Filters(), self.inbox_id)
                changes, left = ConversationChanges(), pages
            else:
                self._pager, changes, left = resumed
                self._interrupted = None
            while left > 0 and not self._pager.exhausted:
                try:
                    await self._next_page(changes)
                except BaseException:
                    self._interrupted = (self._pager, changes, left)
                    raise
                left -= 1
            await self.store.set_meta(self._meta_key, str(_now_us()))
            return changes

    async def more(self) -> ConversationChanges:
        """The next server page (for scrolling past the end of the cached list). With no
        walk begun (an empty cache), the walk starts at the top and its first page comes
        as soon as one request found rows: the first paint."""
        if self.offline or self.backend is None:
            return ConversationChanges()
        async with self._lock:
            top = self._pager is None
            if self._pager is None:
                self._pager = self.backend.conversations(Filters(), self.inbox_id)
                if hasattr(self._pager, "early_first"):
                    self._pager.early_first = True
            changes = ConversationChanges()
            if not self._pager.exhausted:
                await self._next_page(changes)
            if top:  # the walk began at the top: the list is as fresh as a revalidation
                await self.store.set_meta(self._meta_key, str(_now_us()))
            return changes

    @property
    def exhausted(self) -> bool:
        return self.offline or (self._pager is not None and self._pager.exhausted)

    async def _next_page(self, changes: ConversationChanges) -> None:
        assert self._pager is not None
        page = await self._pager.next_page()
        if not page:
            return
        before = {c.key: c for c in await self.store.get_conversations([c.key for c in page])}
        await self.store.upsert_conversations(page)
        for conv in page:
            old = before.get(conv.key)
            if old is None:
                changes.new_keys.append(conv.key)
            elif _shown(old) != _shown(conv):
                changes.changed_keys.append(conv.key)


def without_raw(messages: list[Message]) -> list[Message]:
    """Compact copies for what a view holds for long (a long thread): slotted, without the
    vendor payload (only the detail screen shows it, read back from the cache by
    :meth:`Session.full_message`), repeated strings shared (see ``inbox_tui/compact.py``)."""
    return [CompactMessage.of(m) for m in messages]  # type: ignore[misc]


class CacheMessagePager:
    """A :class:`MessagePager` over a :class:`CachedThread`, for widgets that take a pager
    (``ThreadView.show(conv, pager, initial=page.messages)``).

    ``older()`` continues above ``start`` (pass ``ThreadPage.cursor`` of what is already
    shown) through the cache first, then the server; ``newer()`` revalidates and returns
    the messages newer than anything returned or shown so far. Status changes of messages
    already shown come from :meth:`CachedThread.revalidate` (``Changes.updated``).
    """

    def __init__(
        self,
        thread: CachedThread,
        *,
        start: MessagePosition | None = None,
        top: MessagePosition | None = None,
    ) -> None:
        self.thread = thread
        self._before = start
        self._top = top
        self._exhausted = False
        self.partial = False  # offline: stopped where the cache ends, not at the start

    @property
    def exhausted(self) -> bool:
        return self._exhausted

    @property
    def complete(self) -> bool:
        return self._exhausted and not self.partial

    rejected = 0  # the cache holds only what was read

    @property
    def requests(self) -> int:
        return self.thread.requests

    async def older(self) -> list[Message]:
        page = await self.thread.older(self._before)
        if page.messages:
            self._before = page.cursor
            newest = MessagePosition.of(page.messages[-1])
            self._top = newest if self._top is None else max(self._top, newest)
        if page.complete or not page.messages:
            self._exhausted = True
            if self.thread.offline:
                self.partial = not (await self.thread.state()).complete
        return without_raw(page.messages)

    async def newer(self) -> list[Message]:
        await self.thread.revalidate()
        if self._top is None:
            return await self.older()
        rows = await self.thread.store.thread_after(
            self.thread.key, after=self._top, limit=10_000, compact=True
        )
        if rows:
            self._top = MessagePosition.of(rows[-1])
        return without_raw(rows)


class CacheConversationPager:
    """A :class:`ConversationPager` over the cached list (``ConversationList.load(pager)``):
    pages come from SQLite; past the cached end (online) the server is walked further.
    ``after`` (keyset) starts after a row the list already shows, so the app can refresh the
    top of the list without losing the rest."""

    def __init__(
        self,
        conversations: CachedConversations,
        *,
        after: Conversation | None = None,
        page_size: int | None = None,
    ) -> None:
        self.conversations = conversations
        self.page_size = page_size or conversations.page_size
        self._last = after
        self._exhausted = False

    @property
    def exhausted(self) -> bool:
        return self._exhausted

    async def next_page(self) -> list[Conversation]:
        """Cached rows are returned at once, even a short page: the server is asked (and
        waited for) only when nothing cached is left past the last row returned, so a
        warm start paints before any answer and a down server leaves the list usable."""
        convs = self.conversations
        page = await convs.cached(after=self._last, limit=self.page_size)
        while not page and not convs.exhausted:
            await convs.more()
            page = await convs.cached(after=self._last, limit=self.page_size)
        if not page or (len(page) < self.page_size and convs.exhausted):
            self._exhausted = True
        if page:
            self._last = page[-1]
        return page
