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


ROUND_MESSAGES = 20_000  # at most this many messages per write job (then others may write)


def enforce_limit(
    conn: sqlite3.Connection, max_bytes: int, protected_keys: frozenset[str] = frozenset()
) -> int:
    """Evict until ``used_bytes <= max_bytes`` or nothing evictable is left (all rounds in
    one call: for the CLI; the app runs :func:`evict_round` one write job at a time).
    Returns the number of messages removed."""
    evicted, position, done = 0, None, False
    while not done:
        removed, position, done = evict_round(conn, max_bytes, protected_keys, position)
        evicted += removed
    return evicted


Position = tuple[int, str] | None


def evict_round(
    conn: sqlite3.Connection,
    max_bytes: int,
    protected_keys: frozenset[str] = frozenset(),
    position: Position = None,
    budget: int = ROUND_MESSAGES,
) -> tuple[int, Position, bool]:
    """One bounded round: estimate how many messages must go (from the average size of a
    message), delete whole threads, oldest activity first, until that many (at most
    ``budget``, at least one thread) are gone, in one transaction. Returns (messages
    removed, where the next round continues, whether the cache is done)."""
    used = used_bytes(conn)
    if used <= max_bytes:
        return 0, position, True
    (count,) = conn.execute("SELECT count(*) FROM messages").fetchone()
    if count == 0:
        return 0, position, True
    per_message = max(1, used // count)
    goal = min(budget, max(1, (used - max_bytes) // per_message))
    keys, position = _oldest_threads(conn, goal, position, protected_keys)
    if not keys:
        return 0, position, True
    evicted = 0
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
    return evicted, position, False


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
