"""Keeping the cache under its size limit.

The conversation list (one row per conversation, with its last message as preview) is
never evicted; the message bodies of the least recently active threads are, oldest first,
and those threads forget that they were complete so opening them later refetches from the
server. A thread in ``protected_keys`` (the one the user has open) is never touched.
"""

from __future__ import annotations

import sqlite3

from inbox_tui.store.db import transaction

DEFAULT_CACHE_MAX_MB = 500  # the profile's ``cache_max_mb`` when it sets none


def used_bytes(conn: sqlite3.Connection) -> int:
    """Bytes of the database that hold data (free pages excluded)."""
    (page_size,) = conn.execute("PRAGMA page_size").fetchone()
    (pages,) = conn.execute("PRAGMA page_count").fetchone()
    (free,) = conn.execute("PRAGMA freelist_count").fetchone()
    return (pages - free) * page_size


def enforce_limit(
    conn: sqlite3.Connection, max_bytes: int, protected_keys: frozenset[str] = frozenset()
) -> int:
    """Evict until ``used_bytes <= max_bytes`` or nothing evictable is left.

    Each round estimates how many messages must go (from the average size of a message),
    deletes whole threads, oldest activity first, until that many are gone (one
    transaction), then measures again. Returns the number of messages removed.
    """
    evicted = 0
    position: tuple[int, str] | None = None  # keyset: threads before it are done
    while (used := used_bytes(conn)) > max_bytes:
        (count,) = conn.execute("SELECT count(*) FROM messages").fetchone()
        if count == 0:
            break
        per_message = max(1, used // count)
        goal = max(1, (used - max_bytes) // per_message)
        keys, position = _oldest_threads(conn, goal, position, protected_keys)
        if not keys:
            break
        with transaction(conn):
            for key in keys:
                evicted += conn.execute(
                    "DELETE FROM messages WHERE conversation_key = ?", (key,)
                ).rowcount
                conn.execute("DELETE FROM thread_state WHERE conversation_key = ?", (key,))
        # Fold FTS delete markers into the index so the freed pages show up.
        with transaction(conn):
            conn.execute("INSERT INTO messages_fts (messages_fts, rank) VALUES ('merge', 256)")
    (mode,) = conn.execute("PRAGMA auto_vacuum").fetchone()
    if evicted and mode == 2:  # incremental: hand the free pages back to the filesystem
        conn.execute("PRAGMA incremental_vacuum")
    return evicted


def _oldest_threads(
    conn: sqlite3.Connection,
    goal: int,
    position: tuple[int, str] | None,
    protected: frozenset[str],
) -> tuple[list[str], tuple[int, str] | None]:
    """Least recently active conversations (after ``position``) holding >= ``goal``
    messages in total, and the new position."""
    keys: list[str] = []
    total = 0
    # The count is a correlated subquery: SQLite computes it row by row as the loop steps,
    # so stopping early costs no more than asking per key, without a round trip each.
    sql = (
        "SELECT last_us, key, (SELECT count(*) FROM messages m WHERE m.conversation_key = c.key)"
        " FROM conversations c"
    )
    args: list[object] = []
    if position is not None:
        sql += " WHERE (last_us, key) > (?, ?)"
        args.extend(position)
    sql += " ORDER BY last_us, key"
    for last_us, key, n in conn.execute(sql, args):
        position = (last_us, key)
        if key in protected:
            continue
        if n:
            keys.append(key)
            total += n
            if total >= goal:
                break
    return keys, position
