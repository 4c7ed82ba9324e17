"""Keeping the cache under its size limit.

The conversation list (one row per conversation, with its last message as preview) is
never evicted; the message bodies of the least recently active threads are, oldest first,
and those threads forget that they were complete so opening them later refetches from the
server. A thread in ``protected_keys`` (the one the user has open) is never touched.
"""

from __future__ import annotations

import sqlite3

from inbox_tui.store.db import transaction

_BATCH = 5  # conversations evicted between two size checks (bounds the overshoot)


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

    Returns the number of messages removed. Each batch is one transaction.
    """
    evicted = 0
    if used_bytes(conn) <= max_bytes:
        return 0
    skip = sorted(protected_keys)
    while used_bytes(conn) > max_bytes:
        marks = ",".join("?" * len(skip))
        exclude = f"AND c.key NOT IN ({marks})" if skip else ""
        keys = [
            key
            for (key,) in conn.execute(
                "SELECT c.key FROM conversations c WHERE EXISTS "
                "(SELECT 1 FROM messages m WHERE m.conversation_key = c.key) "
                f"{exclude} ORDER BY c.last_us, c.key LIMIT ?",
                [*skip, _BATCH],
            )
        ]
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
            conn.execute("INSERT INTO messages_fts (messages_fts, rank) VALUES ('merge', 64)")
    (mode,) = conn.execute("PRAGMA auto_vacuum").fetchone()
    if evicted and mode == 2:  # incremental: hand the free pages back to the filesystem
        conn.execute("PRAGMA incremental_vacuum")
    return evicted
