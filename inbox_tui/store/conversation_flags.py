"""Facts about whole conversations for the list's conversation flags, from every cached
message of each one (never only the last): whether any message failed, and since when the
customer has been waiting on a reply (the reply queue's own query in
:mod:`inbox_tui.store.waiting`, so it counts heymarket's ``last_inbound``/``replied``
columns as the queue does).

One query per chunk of keys, walking each conversation's messages through the thread index
``(conversation_key, created_us, id)``."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from inbox_tui.store.waiting import FAILED_LIST, waiting_since_by_key

_CHUNK = 500

_QUERY = f"""
SELECT c.key,
       EXISTS (SELECT 1 FROM messages f
               WHERE f.conversation_key = c.key AND f.status IN ({FAILED_LIST}))
FROM conversations c
WHERE c.key IN ({{marks}})
"""


@dataclass(frozen=True)
class ConversationFacts:
    has_failed: bool  # some cached message of it failed
    waiting_since_us: int | None  # since when it waits, as in the queue (None: nobody waits)


def conversation_facts(
    conn: sqlite3.Connection, keys: Iterable[str]
) -> dict[str, ConversationFacts]:
    """The facts of the cached conversations among ``keys`` (missing ones left out)."""
    unique = list(dict.fromkeys(keys))
    out: dict[str, ConversationFacts] = {}
    for start in range(0, len(unique), _CHUNK):
        chunk = unique[start : start + _CHUNK]
        sql = _QUERY.format(marks=",".join("?" * len(chunk)))
        waits = waiting_since_by_key(conn, chunk)
        for key, failed in conn.execute(sql, chunk):
            out[key] = ConversationFacts(bool(failed), waits.get(key))
    return out
