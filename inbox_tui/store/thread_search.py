"""Search inside one cached conversation (``/`` in an open thread), as a pager does.

Matching is a case-insensitive substring of the body, the same rule the thread view
highlights with (not the FTS index: a pager finds ``fund`` inside ``refund``). The thread
index ``(conversation_key, created_us, id)`` bounds the scan to one conversation; an ASCII
term is pre-filtered by SQLite's ``LIKE`` (ASCII case-insensitive), the rest in Python.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from inbox_tui.store.codec import MessagePosition

_BATCH = 500


def body_matches(body: str, term: str) -> bool:
    return term.casefold() in body.casefold()


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _candidates(
    conn: sqlite3.Connection, key: str, term: str, before: MessagePosition | None
) -> Iterator[tuple[int, str, str]]:
    """(created_us, id, body) of the thread, newest first, older than ``before``."""
    where = ["conversation_key = ?"]
    args: list[object] = [key]
    if before is not None:
        where.append("(created_us, id) < (?, ?)")
        args.extend(before)
    if term.isascii():
        where.append("body LIKE ? ESCAPE '\\'")
        args.append(_like(term))
    cursor = conn.execute(
        f"SELECT created_us, id, body FROM messages WHERE {' AND '.join(where)} "
        "ORDER BY created_us DESC, id DESC",
        args,
    )
    while rows := cursor.fetchmany(_BATCH):
        yield from rows


def match_before(
    conn: sqlite3.Connection, key: str, term: str, before: MessagePosition | None = None
) -> MessagePosition | None:
    """The newest cached message of conversation ``key`` older than ``before`` (None: the
    newest overall) whose body contains ``term``; None when there is none in the cache."""
    if not term:
        return None
    for created_us, mid, body in _candidates(conn, key, term, before):
        if body_matches(body, term):
            return MessagePosition(created_us, mid)
    return None


def count_matches(conn: sqlite3.Connection, key: str, term: str) -> int:
    """How many cached messages of conversation ``key`` contain ``term``."""
    if not term:
        return 0
    return sum(1 for _, _, body in _candidates(conn, key, term, None) if body_matches(body, term))
