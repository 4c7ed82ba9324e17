"""``/`` in an open thread, like a pager: the term's occurrences are marked, ``n`` walks to
older matches (loading older pages as needed, with progress), ``N`` to newer ones, ``esc``
clears. Mixed into :class:`~inbox_tui.ui.widgets.thread_view.ThreadView`, whose index,
pager and selection it uses; the cache is asked first (``cache_search``), so a thread the
cache holds to its beginning answers "no older match" without walking its pages."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from textual.actions import SkipAction
from textual.message import Message

from inbox_tui.models import Message as SmsMessage
from inbox_tui.store.codec import MessagePosition
from inbox_tui.store.thread_search import body_matches
from inbox_tui.text import one_line

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

CacheAnswer = tuple[MessagePosition | None, bool, int | None]


def _counted(term: str, count: int) -> str:
    return f"/{term} · {count:,} cached {'match' if count == 1 else 'matches'}"


class ThreadSearch:
    """The search half of the thread view (state: ``_search``, ``cache_search``)."""

    _search: str | None = None  # the `/` term of this thread
    # The cache's answer for one conversation: (key, term, before, count=) ->
    # (newest older match, cache holds the thread to its start, count); set by the app.
    cache_search: Callable[..., Awaitable[CacheAnswer]] | None = None

    class SearchProgress(Message):
        """Where a search of the thread is ("searching older… 3,200 messages"; "" = done)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    @property
    def search_term(self) -> str | None:
        return self._search

    def _is_match(self, message: SmsMessage) -> bool:
        if self._search is not None:
            return body_matches(message.body, self._search)
        return self._highlight is not None and self._highlight.matches(message)

    def action_search_thread(self) -> None:
        """``/`` with a thread open searches it; with none, the app's full-text search."""
        if self.conversation is None:
            raise SkipAction()
        from inbox_tui.ui.screens.thread_search import ThreadSearchPrompt

        def chosen(term: str | None) -> None:
            if term is not None:
                self.search(term)

        self.app.push_screen(ThreadSearchPrompt(self._search or ""), chosen)

    def search(self, term: str) -> None:
        """Highlight ``term`` and go to the nearest match at or above the selection."""
        term = one_line(term, 200).strip()
        if not term:
            self.clear_search()
            return
        self._search = term
        self._strips.clear()
        self.refresh()
        self._search_step(1, include_current=True, count=True)

    def clear_search(self) -> None:
        self._search = None
        self._strips.clear()
        self.refresh()
        self.post_message(self.SearchProgress(""))

    def action_clear_search(self) -> None:
        if self._search is None:
            raise SkipAction()  # esc keeps meaning "back"
        self.clear_search()

    def _search_step(
        self, direction: int, *, include_current: bool = False, count: bool = False
    ) -> None:
        """``n`` (direction 1) walks to older matches, ``N`` to newer ones."""
        term = self._search
        if term is None:
            return
        step = -1 if direction > 0 else 1
        pos = self._selected_pos()
        if pos is not None:
            candidate = pos if include_current else pos + step
            while self._index.first_pos <= candidate <= self._index.last_pos:
                if body_matches(self._index.message(candidate).body, term):
                    self._select(candidate, center=True)
                    self.post_message(self.SearchProgress(f"/{term}"))
                    if count:
                        self._count_matches(term)
                    return
                candidate += step
        if step > 0:
            self.notify(f"no newer match for {term!r}", timeout=3, markup=False)
            return
        self.run_worker(
            self._search_older(self._generation, term, count),
            name="thread-search",
            group="thread",
            exclusive=True,
            exit_on_error=False,
        )

    def _count_matches(self, term: str) -> None:
        async def count() -> None:
            found = await self._ask_cache(term, None, count=True)
            if found is not None and found[2] is not None and term == self._search:
                self.post_message(self.SearchProgress(_counted(term, found[2])))

        self.run_worker(count(), group="thread-search-count", exclusive=True, exit_on_error=False)

    async def _ask_cache(
        self, term: str, before: MessagePosition | None, *, count: bool = False
    ) -> CacheAnswer | None:
        if self.cache_search is None or self.conversation is None:
            return None
        try:
            return await self.cache_search(self.conversation.key, term, before, count=count)
        except Exception:  # the cache is a shortcut: without it, walk the pages
            log.warning("thread search in the cache failed", exc_info=True)
            return None

    async def _search_older(self, generation: int, term: str, count: bool) -> None:
        """Load older pages until one holds a match, showing how far the search went."""
        pager = self._pager
        if pager is None:
            return
        oldest = self._index.message(self._index.first_pos) if len(self._index) else None
        before = MessagePosition.of(oldest) if oldest is not None else None
        answer = await self._ask_cache(term, before, count=count)
        if generation != self._generation:
            return
        if answer is not None and answer[2] is not None:
            self.post_message(self.SearchProgress(_counted(term, answer[2])))
        nothing_cached = answer is not None and answer[0] is None
        if pager.exhausted or (nothing_cached and answer is not None and answer[1]):
            self._no_older_match(term)
            return
        self._loading = True
        self.refresh()
        try:
            while not pager.exhausted:
                self.post_message(
                    self.SearchProgress(f"searching older… {len(self._index):,} messages")
                )
                batch = await pager.older()
                if generation != self._generation or term != self._search:
                    return
                self._merge(batch)
                hits = [m for m in batch if body_matches(m.body, term)]
                if hits:
                    pos = self._index.position(max(hits, key=lambda m: m.sort_key).id)
                    if pos is not None:
                        self._select(pos, center=True)
                    self.post_message(self.SearchProgress(f"/{term}"))
                    return
                if not batch:
                    break
        except asyncio.CancelledError:
            raise
        except Exception as error:  # like a failed scroll-back: a banner with a retry
            self._error = error
            self.post_message(self.SearchProgress(""))
            self.post_message(self.LoadFailed(error, self.retry))
            return
        finally:
            if generation == self._generation:
                self._loading = False
                self.refresh()
        self._no_older_match(term)

    def _no_older_match(self, term: str) -> None:
        where = "to the beginning" if self.exhausted else "in what could be loaded"
        self.post_message(self.SearchProgress(f"/{term}"))
        self.notify(f"no older match for {term!r} ({where})", timeout=3, markup=False)
