"""The repository: every read and write of messages, conversations and thread state.

Plain functions over a ``sqlite3.Connection`` (blocking). :class:`~inbox_tui.store.store.Store`
runs them on its worker threads; the CLI and benches may call them directly.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from inbox_tui.models import Conversation, Direction, Message
from inbox_tui.store.codec import (
    CONVERSATION_COLUMNS,
    MESSAGE_COLUMNS,
    MESSAGE_READ_COLUMNS,
    MessagePosition,
    clean,
    compact_from_row,
    conversation_from_row,
    conversation_row,
    dump_json,
    from_us,
    message_from_row,
    message_row,
    to_us,
)
from inbox_tui.store.db import transaction


class ConversationCursor(NamedTuple):
    """Keyset position in the conversation list (ordered by last activity, then key)."""

    last_us: int
    key: str

    @classmethod
    def of(cls, conv: Conversation) -> ConversationCursor:
        return cls(to_us(conv.last_at), conv.key)


@dataclass(frozen=True)
class ThreadState:
    """How much of a thread the cache holds without gaps.

    Every message with ``oldest <= sort key <= newest`` is cached; with ``complete`` there is
    nothing older than ``oldest`` on the server either.
    """

    conversation_key: str
    oldest: MessagePosition | None = None
    newest: MessagePosition | None = None
    complete: bool = False
    synced_us: int | None = None

    @property
    def synced_at(self) -> datetime | None:
        return None if self.synced_us is None else from_us(self.synced_us)


@dataclass
class UpsertResult:
    """What a batch changed. ``inserted`` were never cached before; ``updated`` were, and
    came back different (status, flag, body...). Both hold the stored (new) versions."""

    inserted: list[Message] = field(default_factory=list)
    updated: list[Message] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.updated)

    def new_inbound(self) -> dict[str, list[Message]]:
        """Newly cached inbound messages grouped by conversation key (for notifications)."""
        out: dict[str, list[Message]] = {}
        for msg in self.inserted:
            if msg.direction == Direction.INBOUND and not msg.is_note:
                out.setdefault(msg.conversation_key, []).append(msg)
        return out


_CHUNK = 500


def _chunks(items: Sequence, size: int = _CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _names(conn: sqlite3.Connection, keys: set[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    key_list = sorted(clean(k) for k in keys)
    for chunk in _chunks(key_list):
        marks = ",".join("?" * len(chunk))
        for key, name in conn.execute(
            f"SELECT key, name FROM conversations WHERE key IN ({marks}) AND name IS NOT NULL",
            chunk,
        ):
            out[key] = name
    return out


_UPSERT_MESSAGE = f"""
INSERT INTO messages ({MESSAGE_COLUMNS}) VALUES ({",".join("?" * 13)})
ON CONFLICT (source, id) DO UPDATE SET
    conversation_key = excluded.conversation_key,
    inbox_id = excluded.inbox_id,
    contact = excluded.contact,
    created_us = excluded.created_us,
    status = excluded.status,
    direction = excluded.direction,
    flagged = excluded.flagged,
    body = excluded.body,
    json = excluded.json,
    search_name = CASE WHEN excluded.search_name != '' THEN excluded.search_name
                       ELSE messages.search_name END,
    search_numbers = excluded.search_numbers
WHERE messages.json IS NOT excluded.json OR messages.body IS NOT excluded.body
    OR messages.status IS NOT excluded.status OR messages.flagged IS NOT excluded.flagged
    OR messages.created_us IS NOT excluded.created_us
    OR messages.direction IS NOT excluded.direction
    OR messages.conversation_key IS NOT excluded.conversation_key
    OR messages.contact IS NOT excluded.contact OR messages.inbox_id IS NOT excluded.inbox_id
RETURNING rowid
"""

# The message is the conversation's newest: newer than the row's activity, or (a row from a
# conversation list, whose ``updated`` may be later than any message, e.g. a status change)
# the newest message cached for it. Then it becomes the row's preview.
_NEWEST = """(excluded.last_us >= conversations.last_us OR excluded.last_us >= (
    SELECT max(m.created_us) FROM messages m WHERE m.conversation_key = excluded.key))"""
_UPSERT_CONVERSATION_FROM_MESSAGE = """
INSERT INTO conversations (key, contact, name, inbox_id, last_us, unread, flagged, has_failed,
                           preview, last_json)
VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)
ON CONFLICT (key) DO UPDATE SET
    -- A new inbound message older than what the row already accounts for (a conversation
    -- list row's ``updated`` says the server's read state covers it) does not make it unread.
    unread = conversations.unread OR (excluded.unread AND excluded.last_us > conversations.last_us),
    has_failed = CASE WHEN {newest} THEN excluded.has_failed ELSE conversations.has_failed END,
    preview = CASE WHEN {newest} THEN excluded.preview ELSE conversations.preview END,
    last_json = CASE WHEN {newest} THEN excluded.last_json ELSE conversations.last_json END,
    name = coalesce(conversations.name, excluded.name),
    last_us = max(conversations.last_us, excluded.last_us)
""".replace("{newest}", _NEWEST)


def upsert_messages(
    conn: sqlite3.Connection, messages: Sequence[Message], *, mark_unread: bool = False
) -> UpsertResult:
    """Insert or update ``messages`` (idempotent by ``(source, id)``) in one transaction.

    Each touched conversation row is created or moved to its newest message. With
    ``mark_unread`` conversations receiving a *new* inbound message become unread.
    """
    result = UpsertResult()
    if not messages:
        return result
    # The last occurrence of an id in the batch wins, as it would over two batches.
    unique = list({(m.source, m.id): m for m in messages}.values())
    with transaction(conn):
        names = _names(conn, {m.conversation_key for m in unique})
        (max_rowid,) = conn.execute("SELECT coalesce(max(rowid), 0) FROM messages").fetchone()
        for msg in unique:
            row = conn.execute(
                _UPSERT_MESSAGE, message_row(msg, names.get(msg.conversation_key))
            ).fetchone()
            if row is None:
                continue
            (result.inserted if row[0] > max_rowid else result.updated).append(msg)
        newest: dict[str, Message] = {}
        for msg in unique:
            best = newest.get(msg.conversation_key)
            if best is None or msg.sort_key > best.sort_key:
                newest[msg.conversation_key] = msg
        unread_keys = set(result.new_inbound()) if mark_unread else set()
        conn.executemany(
            _UPSERT_CONVERSATION_FROM_MESSAGE,
            [
                tuple(
                    map(
                        clean,
                        (
                            key,
                            msg.contact,
                            msg.contact_name,
                            msg.inbox_id,
                            to_us(msg.created_at),
                            int(key in unread_keys),
                            int(msg.is_failed),
                            msg.body,
                            dump_json(msg),
                        ),
                    )
                )
                for key, msg in newest.items()
            ],
        )
    return result


_UPSERT_CONVERSATION = f"""
INSERT INTO conversations ({CONVERSATION_COLUMNS}, synced_us)
VALUES ({",".join("?" * (len(CONVERSATION_COLUMNS.split(",")) + 1))})
ON CONFLICT (key) DO UPDATE SET
    contact = excluded.contact,
    name = coalesce(excluded.name, conversations.name),
    inbox_id = excluded.inbox_id,
    unread = excluded.unread,
    flagged = excluded.flagged,
    has_failed = excluded.has_failed,
    status = excluded.status,
    synced_us = excluded.synced_us,
    triage = coalesce(excluded.triage, conversations.triage),
    -- The vendor's times only move forward; a list without them keeps the cached ones.
    last_inbound_us = coalesce(max(excluded.last_inbound_us, conversations.last_inbound_us),
                               excluded.last_inbound_us, conversations.last_inbound_us),
    replied_us = coalesce(max(excluded.replied_us, conversations.replied_us),
                          excluded.replied_us, conversations.replied_us),
    preview = CASE WHEN excluded.last_us >= conversations.last_us
                        AND excluded.last_json IS NOT NULL THEN excluded.preview
                   ELSE conversations.preview END,
    last_json = CASE WHEN excluded.last_us >= conversations.last_us
                     THEN coalesce(excluded.last_json, conversations.last_json)
                     ELSE conversations.last_json END,
    last_us = max(conversations.last_us, excluded.last_us)
"""


def upsert_conversations(conn: sqlite3.Connection, conversations: Sequence[Conversation]) -> None:
    """Store conversations as the server lists them (their last message is cached too)."""
    if not conversations:
        return
    now = int(time.time() * 1_000_000)
    lasts = [c.last_message for c in conversations if c.last_message is not None]
    with transaction(conn):
        conn.executemany(_UPSERT_CONVERSATION, [(*conversation_row(c), now) for c in conversations])
        conn.executemany(
            "UPDATE messages SET search_name = ? WHERE conversation_key = ? AND search_name = ''",
            [(clean(c.name), clean(c.key)) for c in conversations if c.name],
        )
    if lasts:
        upsert_messages(conn, lasts)


def conversation_page(
    conn: sqlite3.Connection,
    *,
    inbox_id: str | None = None,
    after: ConversationCursor | None = None,
    limit: int = 50,
    unread_only: bool = False,
    flagged_only: bool = False,
    failed_only: bool = False,
) -> list[Conversation]:
    """Conversations by last activity, newest first, strictly after ``after``."""
    where: list[str] = []
    args: list[object] = []
    if inbox_id is not None:
        where.append("inbox_id = ?")
        args.append(inbox_id)
    if after is not None:
        where.append("(last_us, key) < (?, ?)")
        args.extend(after)
    if unread_only:
        where.append("unread = 1")
    if flagged_only:
        where.append("flagged = 1")
    if failed_only:
        where.append("has_failed = 1")
    sql = f"SELECT {CONVERSATION_COLUMNS} FROM conversations"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY last_us DESC, key DESC LIMIT ?"
    args.append(limit)
    return [conversation_from_row(row) for row in conn.execute(sql, args)]


def get_conversation(conn: sqlite3.Connection, key: str) -> Conversation | None:
    row = conn.execute(
        f"SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE key = ?", (key,)
    ).fetchone()
    return conversation_from_row(row) if row else None


def get_conversations(conn: sqlite3.Connection, keys: Iterable[str]) -> list[Conversation]:
    """The cached conversations among ``keys`` (missing ones are left out), in one query
    per chunk of keys rather than one per key."""
    out: list[Conversation] = []
    for chunk in _chunks(list(dict.fromkeys(clean(k) for k in keys))):
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            f"SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE key IN ({marks})", chunk
        )
        out.extend(conversation_from_row(row) for row in rows)
    return out


def count_conversations(conn: sqlite3.Connection, inbox_id: str | None = None) -> int:
    if inbox_id is None:
        return conn.execute("SELECT count(*) FROM conversations").fetchone()[0]
    return conn.execute(
        "SELECT count(*) FROM conversations WHERE inbox_id = ?", (inbox_id,)
    ).fetchone()[0]


def count_messages(conn: sqlite3.Connection, conversation_key: str | None = None) -> int:
    if conversation_key is None:
        return conn.execute("SELECT count(*) FROM messages").fetchone()[0]
    return conn.execute(
        "SELECT count(*) FROM messages WHERE conversation_key = ?", (conversation_key,)
    ).fetchone()[0]


def thread_window(
    conn: sqlite3.Connection,
    conversation_key: str,
    *,
    before: MessagePosition | None = None,
    limit: int = 50,
    not_before: MessagePosition | None = None,
    compact: bool = False,
) -> list[Message]:
    """Up to ``limit`` messages older than ``before`` (newest if None), oldest first.
    ``not_before`` bounds the walk from below (inclusive). ``compact``: as
    :class:`~inbox_tui.compact.CompactMessage`, the vendor payload not read."""
    where = ["conversation_key = ?"]
    args: list[object] = [conversation_key]
    if before is not None:
        where.append("(created_us, id) < (?, ?)")
        args.extend(before)
    if not_before is not None:
        where.append("(created_us, id) >= (?, ?)")
        args.extend(not_before)
    args.append(limit)
    rows = conn.execute(
        f"SELECT {MESSAGE_READ_COLUMNS} FROM messages WHERE {' AND '.join(where)} "
        "ORDER BY created_us DESC, id DESC LIMIT ?",
        args,
    ).fetchall()
    convert = compact_from_row if compact else message_from_row
    return [convert(row) for row in reversed(rows)]


def thread_after(
    conn: sqlite3.Connection,
    conversation_key: str,
    *,
    after: MessagePosition,
    limit: int = 50,
    compact: bool = False,
) -> list[Message]:
    """Up to ``limit`` messages newer than ``after``, oldest first."""
    rows = conn.execute(
        f"SELECT {MESSAGE_READ_COLUMNS} FROM messages "
        "WHERE conversation_key = ? AND (created_us, id) > (?, ?) "
        "ORDER BY created_us, id LIMIT ?",
        (conversation_key, *after, limit),
    ).fetchall()
    convert = compact_from_row if compact else message_from_row
    return [convert(row) for row in rows]


def get_message(
    conn: sqlite3.Connection, message_id: str, source: str | None = None
) -> Message | None:
    if source is None:
        row = conn.execute(
            f"SELECT {MESSAGE_READ_COLUMNS} FROM messages WHERE id = ?", (message_id,)
        ).fetchone()
    else:
        row = conn.execute(
            f"SELECT {MESSAGE_READ_COLUMNS} FROM messages WHERE source = ? AND id = ?",
            (source, message_id),
        ).fetchone()
    return message_from_row(row) if row else None


def thread_around(
    conn: sqlite3.Connection,
    conversation_key: str,
    cursor: MessagePosition,
    *,
    before: int = 25,
    after: int = 25,
    compact: bool = False,
) -> list[Message]:
    """The message at ``cursor`` with up to ``before`` older and ``after`` newer ones."""
    older = thread_window(conn, conversation_key, before=cursor, limit=before, compact=compact)
    newer = thread_after(conn, conversation_key, after=cursor, limit=after, compact=compact)
    rows = conn.execute(
        f"SELECT {MESSAGE_READ_COLUMNS} FROM messages "
        "WHERE conversation_key = ? AND created_us = ? AND id = ?",
        (conversation_key, *cursor),
    ).fetchall()
    convert = compact_from_row if compact else message_from_row
    return older + [convert(row) for row in rows] + newer


def get_thread_state(conn: sqlite3.Connection, conversation_key: str) -> ThreadState:
    row = conn.execute(
        "SELECT oldest_us, oldest_id, newest_us, newest_id, complete, synced_us "
        "FROM thread_state WHERE conversation_key = ?",
        (conversation_key,),
    ).fetchone()
    if row is None:
        return ThreadState(conversation_key)
    o_us, o_id, n_us, n_id, complete, synced = row
    return ThreadState(
        conversation_key,
        oldest=MessagePosition(o_us, o_id) if o_us is not None else None,
        newest=MessagePosition(n_us, n_id) if n_us is not None else None,
        complete=bool(complete),
        synced_us=synced,
    )


def set_thread_state(conn: sqlite3.Connection, state: ThreadState) -> None:
    oldest = state.oldest or (None, None)
    newest = state.newest or (None, None)
    with transaction(conn):
        conn.execute(
            "INSERT OR REPLACE INTO thread_state (conversation_key, oldest_us, oldest_id, "
            "newest_us, newest_id, complete, synced_us) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                state.conversation_key,
                *oldest,
                *newest,
                int(state.complete),
                state.synced_us,
            ),
        )


def set_unread(conn: sqlite3.Connection, conversation_key: str, unread: bool) -> None:
    with transaction(conn):
        conn.execute(
            "UPDATE conversations SET unread = ? WHERE key = ?", (int(unread), conversation_key)
        )


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def set_meta(conn: sqlite3.Connection, key: str, value: str | None) -> None:
    with transaction(conn):
        if value is None:
            conn.execute("DELETE FROM meta WHERE key = ?", (key,))
        else:
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))
