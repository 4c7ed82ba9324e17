"""The async face of the cache: every SQLite call runs off the event loop.

One writer thread owns the read-write connection (so writes are serialised and each batch
is one transaction); one reader thread owns a second connection, so a long write never
delays what the UI reads (WAL lets readers see the last committed state meanwhile).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from inbox_tui import paths
from inbox_tui.models import Conversation, Message
from inbox_tui.store import evict, messages, search
from inbox_tui.store.codec import MessagePosition
from inbox_tui.store.db import CacheError, CacheTooNew, connect
from inbox_tui.store.messages import ConversationCursor, ThreadState, UpsertResult
from inbox_tui.store.search import Order, SearchHit

T = TypeVar("T")
log = logging.getLogger(__name__)


def profile_path(profile: str = "default") -> Path:
    """The cache file of a profile: ``cache_dir()/<profile>.sqlite3``."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in profile) or "default"
    return paths.cache_dir() / f"{safe}.sqlite3"


class StoreClosed(RuntimeError):
    """The store was used after :meth:`Store.close`."""


class Store:
    """Open with ``store = await Store.open(path)`` (or ``Store.open_profile(name)``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-reader")
        self._wconn: sqlite3.Connection | None = None
        self._rconn: sqlite3.Connection | None = None
        self.recovered_from: Path | None = None  # set when a damaged cache was moved aside
        self._temporary_dir: Path | None = None  # removed on close (see open_temporary)

    @classmethod
    async def open(cls, path: Path) -> Store:
        store = cls(path)
        loop = asyncio.get_running_loop()
        try:
            store._wconn = await loop.run_in_executor(store._writer, connect, path)
            store._rconn = await loop.run_in_executor(
                store._reader, partial(connect, path, migrate_schema=False)
            )
        except BaseException:
            await store.close()
            raise
        return store

    @classmethod
    async def open_profile(cls, profile: str = "default", *, recover: bool = True) -> Store:
        """The profile's cache. With ``recover`` a damaged file (not one from a newer
        inbox-tui) is moved aside as ``<name>.corrupt-<time>`` and a fresh cache started;
        :attr:`recovered_from` then names the moved file (tell the user)."""
        path = profile_path(profile)
        try:
            return await cls.open(path)
        except CacheTooNew:
            raise
        except CacheError as exc:
            if not recover or not path.exists():
                raise
            moved = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
            path.replace(moved)
            for suffix in ("-wal", "-shm"):
                path.with_name(path.name + suffix).unlink(missing_ok=True)
            log.warning("cache %s unusable (%s); moved to %s", path, exc, moved)
            store = await cls.open(path)
            store.recovered_from = moved
            return store

    @classmethod
    async def open_temporary(cls) -> Store:
        """A private cache that lives until :meth:`close` (then it is deleted): what a run
        uses when its own cache cannot be opened, so the app keeps one data path."""
        directory = Path(tempfile.mkdtemp(prefix="inbox-tui-"))
        store = await cls.open(directory / "cache.sqlite3")
        store._temporary_dir = directory
        return store

    @property
    def temporary(self) -> bool:
        return self._temporary_dir is not None

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        for executor, attr in ((self._reader, "_rconn"), (self._writer, "_wconn")):
            conn = getattr(self, attr)
            if conn is not None:
                setattr(self, attr, None)
                await loop.run_in_executor(executor, _close, conn)
            executor.shutdown(wait=True)
        if self._temporary_dir is not None:
            shutil.rmtree(self._temporary_dir, ignore_errors=True)
            self._temporary_dir = None

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- plumbing -------------------------------------------------------------------------

    async def write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn(connection, *args, **kwargs)`` on the writer thread."""
        if self._wconn is None:
            raise StoreClosed("the cache is closed")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer, partial(fn, self._wconn, *args, **kwargs))

    async def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn(connection, *args, **kwargs)`` on the reader thread."""
        if self._rconn is None:
            raise StoreClosed("the cache is closed")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._reader, partial(fn, self._rconn, *args, **kwargs))

    # -- writes ---------------------------------------------------------------------------

    async def upsert_messages(
        self, items: Sequence[Message], *, mark_unread: bool = False
    ) -> UpsertResult:
        return await self.write(messages.upsert_messages, list(items), mark_unread=mark_unread)

    async def upsert_conversations(self, items: Sequence[Conversation]) -> None:
        await self.write(messages.upsert_conversations, list(items))

    async def set_thread_state(self, state: ThreadState) -> None:
        await self.write(messages.set_thread_state, state)

    async def set_unread(self, conversation_key: str, unread: bool = False) -> None:
        await self.write(messages.set_unread, conversation_key, unread)

    async def set_meta(self, key: str, value: str | None) -> None:
        await self.write(messages.set_meta, key, value)

    async def enforce_limit(
        self, max_bytes: int, protected_keys: frozenset[str] = frozenset()
    ) -> int:
        """Evict the oldest threads' messages until the file fits; returns messages evicted."""
        return await self.write(evict.enforce_limit, max_bytes, protected_keys)

    # -- reads ----------------------------------------------------------------------------

    async def conversation_page(
        self,
        *,
        inbox_id: str | None = None,
        after: ConversationCursor | None = None,
        limit: int = 50,
        unread_only: bool = False,
        flagged_only: bool = False,
        failed_only: bool = False,
    ) -> list[Conversation]:
        return await self.read(
            messages.conversation_page,
            inbox_id=inbox_id,
            after=after,
            limit=limit,
            unread_only=unread_only,
            flagged_only=flagged_only,
            failed_only=failed_only,
        )

    async def get_conversation(self, key: str) -> Conversation | None:
        return await self.read(messages.get_conversation, key)

    async def get_conversations(self, keys: Sequence[str]) -> list[Conversation]:
        """The cached conversations among ``keys`` in one reader hop (missing ones left out)."""
        return await self.read(messages.get_conversations, list(keys))

    async def get_message(self, message_id: str, source: str | None = None) -> Message | None:
        return await self.read(messages.get_message, message_id, source)

    async def thread_window(
        self,
        conversation_key: str,
        *,
        before: MessagePosition | None = None,
        limit: int = 50,
        not_before: MessagePosition | None = None,
    ) -> list[Message]:
        return await self.read(
            messages.thread_window,
            conversation_key,
            before=before,
            limit=limit,
            not_before=not_before,
        )

    async def thread_after(
        self, conversation_key: str, *, after: MessagePosition, limit: int = 50
    ) -> list[Message]:
        return await self.read(messages.thread_after, conversation_key, after=after, limit=limit)

    async def thread_around(
        self, conversation_key: str, cursor: MessagePosition, *, before: int = 25, after: int = 25
    ) -> list[Message]:
        return await self.read(
            messages.thread_around, conversation_key, cursor, before=before, after=after
        )

    async def thread_state(self, conversation_key: str) -> ThreadState:
        return await self.read(messages.get_thread_state, conversation_key)

    async def count_messages(self, conversation_key: str | None = None) -> int:
        return await self.read(messages.count_messages, conversation_key)

    async def count_conversations(self, inbox_id: str | None = None) -> int:
        return await self.read(messages.count_conversations, inbox_id)

    async def get_meta(self, key: str) -> str | None:
        return await self.read(messages.get_meta, key)

    async def search(
        self,
        query: str,
        *,
        limit: int = 50,
        inbox_id: str | None = None,
        conversation_key: str | None = None,
        order: Order = "recent",
    ) -> list[SearchHit]:
        return await self.read(
            search.search,
            query,
            limit=limit,
            inbox_id=inbox_id,
            conversation_key=conversation_key,
            order=order,
        )


def _close(conn: sqlite3.Connection) -> None:
    with contextlib.suppress(sqlite3.Error):
        conn.execute("PRAGMA optimize")
    conn.close()
