"""``inbox-tui export`` of a thread the cache already holds: ask the server only for what
is newer than the cache, and read the rest from SQLite.

Walking a whole thread from the server is one request per 50 messages, each waiting for
the one before (the next cursor is in its answer): 200 sequential requests for 10,000
messages, and against the vendor's 500 requests a minute the rate limit, not the
machine, sets the pace. When the cache holds the thread back to its beginning (opened in
the app and walked to the top with ``g``, or exported before), the export revalidates it
from the top until it meets the cached range, exactly as opening the thread does, and
then reads the cached part.

The cached part is what the server said when it was fetched: a status that changed
since (a send that failed later) is as cached. ``--fresh`` walks the whole thread instead.
"""

from __future__ import annotations

import logging

from inbox_tui.core.backend import Backend
from inbox_tui.core.sync import CachedThread, CacheMessagePager
from inbox_tui.filters import Filters
from inbox_tui.models import Conversation
from inbox_tui.store import Store

log = logging.getLogger(__name__)
# Messages read from SQLite per page of the export.
CACHE_PAGE = 500
# Pages fetched from the top to meet the cached range before giving up on the cache (the
# thread grew by more than this since it was cached: the full walk is as cheap).
MAX_NEWER_PAGES = 40


async def walk_through_cache(
    store: Store, backend: Backend, conversation: Conversation, filters: Filters
) -> CacheMessagePager | None:
    """A walk served mostly by the cache (newest first: what is newer than the cache from the
    server, merged into it, then the cached part), or None when the cache cannot serve it:
    the thread is not cached back to its beginning, the server filters this export (then
    the server's own filtered walk is cheaper than the whole thread), or the cached range
    no longer joins the server's newest messages."""
    if backend.server_filter_fields(filters):
        return None
    if not (await store.thread_state(conversation.key)).complete:
        return None
    thread = CachedThread(
        store,
        backend,
        conversation,
        page_size=CACHE_PAGE,
        max_revalidate_pages=MAX_NEWER_PAGES,
    )
    changes = await thread.revalidate()
    if not (await thread.state()).complete:
        log.info("export: the cached thread no longer joins the server's; walking it all")
        return None
    log.info(
        "export: %d new message(s) from the server, the rest of the thread from the cache",
        len(changes.inserted),
    )
    return CacheMessagePager(thread)
