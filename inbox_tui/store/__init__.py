"""The local SQLite cache: see :class:`Store` (async facade) and ``store/commands.py``."""

from inbox_tui.store.codec import MessagePosition
from inbox_tui.store.db import SCHEMA_VERSION, CacheError, CacheTooNew
from inbox_tui.store.evict import DEFAULT_CACHE_MAX_MB
from inbox_tui.store.messages import ConversationCursor, ThreadState, UpsertResult
from inbox_tui.store.search import SearchHit, build_match
from inbox_tui.store.store import Store, StoreClosed, profile_path

__all__ = [
    "DEFAULT_CACHE_MAX_MB",
    "SCHEMA_VERSION",
    "CacheError",
    "CacheTooNew",
    "ConversationCursor",
    "MessagePosition",
    "SearchHit",
    "Store",
    "StoreClosed",
    "ThreadState",
    "UpsertResult",
    "build_match",
    "profile_path",
]
