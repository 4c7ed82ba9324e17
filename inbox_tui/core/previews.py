"""Previews for conversation-list rows that came without a message (heymarket's
conversations API lists conversations, not their text).

The newest message comes from the cache when it holds any of the conversation; otherwise
one request for the conversation's latest messages (``GET /v1/messages`` on heymarket),
stored like any thread revalidation, so the thread then opens from the cache and the reply
queue sees them. The UI asks only for the rows on screen; this bounds how many requests
run at once and asks the server at most once per conversation and run (a request that
failed on the network may be asked again), which keeps a scroll through a long list far
below the vendor's rate limit.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from inbox_tui.core.backend import Backend
from inbox_tui.core.sync import CachedThread
from inbox_tui.errors import NetworkError
from inbox_tui.models import Conversation, Message
from inbox_tui.store import Store

log = logging.getLogger(__name__)
MAX_IN_FLIGHT = 4


class PreviewSource:
    def __init__(
        self, store: Store, backend: Backend | None, *, in_flight: int = MAX_IN_FLIGHT
    ) -> None:
        self.store = store
        self.backend = backend
        self._gate = asyncio.Semaphore(max(1, in_flight))
        self._asked: set[str] = set()  # conversations already asked of the server this run
        self.requests = 0  # server requests made (tests, benches)

    async def _cached(self, key: str) -> Message | None:
        rows = await self.store.thread_window(key, limit=1)
        return rows[-1] if rows else None

    async def latest(
        self, conversation: Conversation, wanted: Callable[[], bool] = lambda: True
    ) -> Message | None:
        """The newest message of ``conversation``: cached, else fetched (once per run). A
        request waiting for its turn is dropped when ``wanted()`` has turned false (the row
        scrolled away, the list changed); None when there is no message to show."""
        cached = await self._cached(conversation.key)
        if cached is not None or self.backend is None or conversation.key in self._asked:
            return cached
        async with self._gate:
            if not wanted() or conversation.key in self._asked:
                return await self._cached(conversation.key)
            self._asked.add(conversation.key)
            thread = CachedThread(self.store, self.backend, conversation, max_revalidate_pages=1)
            try:
                await thread.revalidate()
            except (asyncio.CancelledError, NetworkError):
                self._asked.discard(conversation.key)  # worth asking again later
                raise
            finally:
                self.requests += thread.requests
        return await self._cached(conversation.key)
