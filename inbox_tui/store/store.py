"""The async face of the cache: every SQLite call runs off the event loop.

One writer thread owns the read-write connection (so writes are serialised and each batch
is one transaction); one reader thread owns a second connection, so a long write never
delays what the UI reads (WAL lets readers see the last committed state meanwhile).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import sqlite3
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, Literal, TypeVar

from inbox_tui import paths
from inbox_tui.models import Conversation, Message
from inbox_tui.store import evict, messages, search
from inbox_tui.store.codec import MessagePosition
from inbox_tui.store.db import (
    BUSY_TIMEOUT,
    READER_CACHE_KB,
    SCHEMA_VERSION,
    WRITER_CACHE_KB,
    CacheCorrupt,
    CacheError,
    CacheFull,
    CacheLocked,
    CacheReadOnly,
    CacheTooNew,
    classify,
    configure_memory,
    connect,
    private_dir,
    schema_version,
)
from inbox_tui.store.messages import ConversationCursor, ThreadState, UpsertResult
from inbox_tui.store.search import Order, SearchHit

T = TypeVar("T")
Mode = Literal["normal", "read-only", "memory"]
log = logging.getLogger(__name__)
SNAPSHOT_MAX_BYTES = 512 * 1024 * 1024  # larger read-only caches are not copied into memory
NOT_SAVED = "changes this session are not saved"


def _slug(profile: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in profile) or "default"


def account_digest(account: str) -> str:
    """A short, stable digest of an account key (``backend|base_url|account``)."""
    return hashlib.sha256(account.encode("utf-8")).hexdigest()[:12]


def profile_path(profile: str = "default", account: str | None = None) -> Path:
    """The cache file of a profile: ``cache_dir()/<profile>-<digest of account>.sqlite3``,
    or ``<profile>.sqlite3`` (the pre-account name) when ``account`` is None."""
    if account is None:
        return paths.cache_dir() / f"{_slug(profile)}.sqlite3"
    return paths.cache_dir() / f"{_slug(profile)}-{account_digest(account)}.sqlite3"


ACCOUNT_META = "account"


def adopt_legacy(profile: str, account: str, backend: str, *, shared: bool = False) -> bool:
    """Rename the pre-account ``<profile>.sqlite3`` to the account's file when that is
    safe: the new file does not exist yet, and the old one provably holds only this
    account (its recorded account matches; or, unless ``shared`` (a name several accounts
    used, such as command-line), it holds messages of ``backend`` only). Returns whether
    it was renamed."""
    old, new = profile_path(profile), profile_path(profile, account)
    if not old.exists() or new.exists():
        return False
    try:
        conn = sqlite3.connect(f"{old.resolve().as_uri()}?mode=ro", uri=True, timeout=0.2)
        try:
            owner = _recorded_account(conn)
            sources = {row[0] for row in conn.execute("SELECT DISTINCT source FROM messages")}
        finally:
            conn.close()
    except sqlite3.Error as exc:
        log.info("not adopting %s: %s", old, exc)
        return False
    if owner != account and (owner is not None or shared or not sources <= {backend}):
        log.info("not adopting %s for %s (sources %s)", old, account, sorted(sources))
        return False
    try:
        for suffix in ("", "-wal", "-shm"):
            src = old.with_name(old.name + suffix)
            if src.exists():
                src.replace(new.with_name(new.name + suffix))
    except OSError as exc:
        log.warning("cannot rename %s to %s: %s", old, new, exc)
        return False
    log.info("cache %s renamed to %s (one account)", old, new)
    return True


def _recorded_account(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (ACCOUNT_META,)).fetchone()
    except sqlite3.Error:  # v1 has no meta table
        return None
    return row[0] if row else None


class StoreClosed(RuntimeError):
    """The store was used after :meth:`Store.close`."""


class Store:
    """Open with ``store = await Store.open(path)`` (or ``Store.open_profile(name)``).

    ``mode`` says what backs it: ``"normal"`` (the file), ``"read-only"`` (an in-memory
    copy of a file that cannot be written now: changes are not saved) or ``"memory"``
    (nothing from disk). ``notice`` is then one line for the user saying why.
    """

    def __init__(self, path: Path, *, mode: Mode = "normal", notice: str | None = None) -> None:
        self.path = path
        self.mode: Mode = mode
        self.notice = notice
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")
        # In memory one connection serves both (a private :memory: database is per connection).
        self._reader = (
            self._writer
            if mode != "normal"
            else ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-reader")
        )
        self._wconn: sqlite3.Connection | None = None
        self._rconn: sqlite3.Connection | None = None
        self.recovered_from: Path | None = None  # set when a damaged cache was moved aside

    @classmethod
    async def open(
        cls, path: Path, *, busy_timeout: float = BUSY_TIMEOUT, check: bool = False
    ) -> Store:
        """The file at ``path`` (created at the current schema if new). Errors are typed
        :class:`CacheError` subclasses; ``check`` runs SQLite's quick check first."""
        store = cls(path)
        loop = asyncio.get_running_loop()
        try:
            store._wconn = await loop.run_in_executor(
                store._writer,
                partial(
                    connect,
                    path,
                    busy_timeout=busy_timeout,
                    check=check,
                    cache_kb=WRITER_CACHE_KB,
                ),
            )
            store._rconn = await loop.run_in_executor(
                store._reader,
                partial(
                    connect,
                    path,
                    migrate_schema=False,
                    busy_timeout=busy_timeout,
                    cache_kb=READER_CACHE_KB,
                ),
            )
        except BaseException:
            await store.close()
            raise
        return store

    @classmethod
    async def memory(
        cls, notice: str | None = None, *, path: Path | None = None, source: Path | None = None
    ) -> Store:
        """An in-memory store (never fails). With ``source``, it starts as a copy of that
        file (``mode == "read-only"``: the file is only read); else empty (``"memory"``)."""
        store = cls(path or Path(":memory:"), mode="read-only" if source else "memory")
        store.notice = notice
        loop = asyncio.get_running_loop()
        conn = await loop.run_in_executor(store._writer, partial(_memory_copy, source))
        store._wconn = store._rconn = conn
        return store

    @classmethod
    async def open_profile(
        cls,
        profile: str = "default",
        *,
        account: str | None = None,
        recover: bool = True,
        busy_timeout: float = BUSY_TIMEOUT,
    ) -> Store:
        """The cache of ``profile`` for ``account`` (see :func:`profile_path`).

        With ``recover`` this always returns a store: a damaged file (integrity check
        failed, not a database) is moved aside as ``<name>.corrupt-<time>`` and a fresh
        cache started (:attr:`recovered_from` names the moved file); a locked or read-only
        file is shown from a read-only copy; anything else (a newer inbox-tui's file, a
        full disk, an unusable directory) gives an empty in-memory store. :attr:`notice`
        then says why, in one line. Without ``recover`` the :class:`CacheError` is raised.
        """
        path = profile_path(profile, account)
        try:
            private_dir(path.parent)
        except OSError as exc:
            log.warning("cache directory %s: %s", path.parent, exc)
        try:
            store = await cls.open(path, busy_timeout=busy_timeout, check=True)
        except CacheError as exc:
            if not recover:
                raise
            log.warning("cache %s: %s", path, exc)
            return await cls._fallback(path, exc, busy_timeout)
        if account is not None:
            with contextlib.suppress(CacheError):
                await store.set_meta(ACCOUNT_META, account)
        return store

    @classmethod
    async def _fallback(cls, path: Path, exc: CacheError, busy_timeout: float) -> Store:
        if isinstance(exc, CacheTooNew):
            return await cls.memory(
                f"The cache {path} was written by a newer inbox-tui and is left untouched: "
                "running without it this session (upgrade, or run `inbox-tui cache clear`)",
                path=path,
            )
        if isinstance(exc, CacheCorrupt) and path.exists():
            moved = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
            try:
                path.replace(moved)
                for suffix in ("-wal", "-shm"):
                    path.with_name(path.name + suffix).unlink(missing_ok=True)
                store = await cls.open(path, busy_timeout=busy_timeout)
            except (OSError, CacheError) as again:
                return await cls.memory(f"{exc.user_message()} ({again})", path=path)
            log.warning("cache %s damaged; moved to %s", path, moved)
            store.recovered_from = moved
            store.notice = f"The cache was damaged and has been reset; the old file is {moved}"
            return store
        if isinstance(exc, CacheLocked | CacheReadOnly) and path.exists():
            try:
                return await cls.memory(
                    f"{exc.user_message()}; showing a read-only copy: {NOT_SAVED}",
                    path=path,
                    source=path,
                )
            except (sqlite3.Error, OSError, CacheError) as again:
                log.warning("cannot copy %s into memory: %s", path, again)
        return await cls.memory(
            f"{exc.user_message()}; running without the cache this session", path=path
        )

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        rconn, wconn = self._rconn, self._wconn
        self._rconn = self._wconn = None
        if rconn is not None and rconn is not wconn:  # a memory store has one connection
            await loop.run_in_executor(self._reader, _close, rconn)
        if wconn is not None:
            await loop.run_in_executor(self._writer, _close, wconn)
        self._reader.shutdown(wait=True)
        self._writer.shutdown(wait=True)

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- plumbing -------------------------------------------------------------------------

    async def write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn(connection, *args, **kwargs)`` on the writer thread.

        SQLite errors become typed :class:`CacheError` errors with a one-line user message. A
        full disk or a file that became read-only also switches the store to an in-memory
        copy (``mode == "read-only"``), so the next call works again (from the server)."""
        if self._wconn is None:
            raise StoreClosed("the cache is closed")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                self._writer, partial(fn, self._wconn, *args, **kwargs)
            )
        except (sqlite3.Error, OSError) as exc:
            error = classify(exc, self.path)
            if isinstance(error, CacheFull | CacheReadOnly) and self.mode == "normal":
                await self._degrade(error)
            raise error from exc

    async def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn(connection, *args, **kwargs)`` on the reader thread."""
        if self._rconn is None:
            raise StoreClosed("the cache is closed")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                self._reader, partial(fn, self._rconn, *args, **kwargs)
            )
        except (sqlite3.OperationalError, sqlite3.DatabaseError) as exc:
            if type(exc) is sqlite3.OperationalError and "fts5" in str(exc).lower():
                raise  # a search syntax error, the caller's to explain
            raise classify(exc, self.path) from exc

    async def _degrade(self, error: CacheError) -> None:
        """Carry on in memory from what the file holds: writes to the file fail now."""
        loop = asyncio.get_running_loop()
        old_reader, rconn, wconn = self._reader, self._rconn, self._wconn
        if rconn is None or wconn is None:
            return
        try:
            conn = await loop.run_in_executor(old_reader, _memory_from, rconn)
        except sqlite3.Error as exc:
            log.warning("cannot copy the cache into memory: %s", exc)
            conn = await loop.run_in_executor(self._writer, partial(_memory_copy, None))
        self._rconn = self._wconn = conn
        self._reader = self._writer
        await loop.run_in_executor(old_reader, _close, rconn)
        old_reader.shutdown(wait=False)
        await loop.run_in_executor(self._writer, _close, wconn)
        self.mode = "read-only"
        self.notice = f"{error.user_message()}; continuing in memory: {NOT_SAVED}"
        log.warning("cache %s: %s; continuing in memory", self.path, error)

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
        """Evict the oldest threads' messages until the file fits; returns messages evicted.
        One bounded round per write job, so the app's own writes (a page arriving) are not
        queued behind a whole eviction of a big cache."""
        evicted, position, done = 0, None, False
        while not done:
            removed, position, done = await self.write(
                evict.evict_round, max_bytes, protected_keys, position
            )
            evicted += removed
        return evicted

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
        compact: bool = False,
    ) -> list[Message]:
        """``compact``: slotted messages without the vendor payload (what a view holds)."""
        return await self.read(
            messages.thread_window,
            conversation_key,
            before=before,
            limit=limit,
            not_before=not_before,
            compact=compact,
        )

    async def thread_after(
        self,
        conversation_key: str,
        *,
        after: MessagePosition,
        limit: int = 50,
        compact: bool = False,
    ) -> list[Message]:
        return await self.read(
            messages.thread_after, conversation_key, after=after, limit=limit, compact=compact
        )

    async def thread_around(
        self,
        conversation_key: str,
        cursor: MessagePosition,
        *,
        before: int = 25,
        after: int = 25,
        compact: bool = False,
    ) -> list[Message]:
        return await self.read(
            messages.thread_around,
            conversation_key,
            cursor,
            before=before,
            after=after,
            compact=compact,
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
    with contextlib.suppress(sqlite3.Error):
        conn.close()


def _memory_from(source: sqlite3.Connection) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    source.backup(conn)
    configure_memory(conn)
    return conn


def _memory_copy(source: Path | None) -> sqlite3.Connection:
    """A private in-memory database: a copy of ``source`` (read, never written) or empty
    at the current schema."""
    if source is None:
        conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        configure_memory(conn)
        return conn
    if source.stat().st_size > SNAPSHOT_MAX_BYTES:
        raise CacheError(f"{source} is too large to copy into memory")
    uri = source.resolve().as_uri()
    last: sqlite3.Error | None = None
    # mode=ro needs a writable -shm for a WAL file; immutable=1 reads a file nobody writes.
    for query in ("mode=ro", "immutable=1"):
        try:
            src = sqlite3.connect(f"{uri}?{query}", uri=True, timeout=0.2)
            try:
                if schema_version(src) != SCHEMA_VERSION:
                    raise CacheError(f"{source} has another schema version")
                return _memory_from(src)
            finally:
                src.close()
        except sqlite3.Error as exc:
            last = exc
    assert last is not None
    raise last
