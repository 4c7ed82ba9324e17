"""The reply queue in SQL: for each conversation, when the customer started waiting.

Same rule as :func:`inbox_tui.core.waiting.waiting_since_with_fields`: the first inbound
message (not a note) after the last reply, a reply being an outbound message that is
neither a private note nor a failed send; the conversation list's ``last_inbound`` /
``replied`` (columns since schema 4) count where they are newer than the cached messages,
so a conversation whose messages are not cached yet still shows its wait. Per conversation
it walks the thread index ``(conversation_key, created_us, id)`` backwards to the last reply
and then forwards over the few messages after it, so the cost grows with conversations,
not with messages.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from inbox_tui.models import FAILED_STATUSES, Conversation
from inbox_tui.store.codec import CONVERSATION_COLUMNS, conversation_from_row, from_us

# The message kind lives in the JSON (absent = the default "sms"); see Message.is_note.
_KIND = "lower(coalesce(json_extract({t}.json, '$.kind'), 'sms'))"
_NOT_NOTE = "NOT ({k} LIKE '%private%' OR {k} IN ('note', 'comment'))"
FAILED_LIST = ", ".join(f"'{s}'" for s in sorted(FAILED_STATUSES))
_KEY_CHUNK = 500  # keys per query, well under SQLite's bound-parameter limit


def not_note(table: str) -> str:
    """SQL: the message in ``table`` is not a private note (see Message.is_note)."""
    return _NOT_NOTE.format(k=_KIND.format(t=table))


# The newest reply of conversation ``c`` (shared with store.conversation_flags).
LAST_REPLY = f"""
SELECT r.created_us FROM messages r
WHERE r.conversation_key = c.key AND r.direction = 'outbound'
  AND r.status NOT IN ({FAILED_LIST}) AND {not_note("r")}
ORDER BY r.created_us DESC LIMIT 1
"""

_MIN = "-9223372036854775808"
# Per open conversation: the reply that answers everything before it (``upto``), then the
# oldest inbound after it. ``fields``: the conversation list's ``last_inbound`` /
# ``replied`` know of activity newer than every cached message, so they take part
# (precedence in :func:`inbox_tui.core.waiting.waiting_since_with_fields`).
_QUERY = f"""
WITH base AS (
    SELECT c.key AS key, c.last_inbound_us AS li, c.replied_us AS rp,
           coalesce(({LAST_REPLY}), {_MIN}) AS reply_us,
           (SELECT max(n.created_us) FROM messages n WHERE n.conversation_key = c.key) AS newest
    FROM conversations c
    WHERE coalesce(c.status, '') != 'closed' {{inbox}}
), answered AS (
    SELECT key, li, fields,
           CASE WHEN fields THEN max(reply_us, coalesce(rp, {_MIN})) ELSE reply_us END AS upto
    FROM (
        SELECT key, li, rp, reply_us,
               (li IS NOT NULL OR rp IS NOT NULL) AND coalesce(newest, {_MIN})
                   < max(coalesce(li, {_MIN}), coalesce(rp, {_MIN})) AS fields
        FROM base
    )
), waits AS (
    SELECT a.key AS key, min(m.created_us) AS msg_since, count(m.created_us) AS msg_count,
           CASE WHEN a.fields AND a.li > a.upto THEN a.li END AS field_since
    FROM answered a
    LEFT JOIN messages m ON m.conversation_key = a.key AND m.direction = 'inbound'
        AND {not_note("m")} AND m.created_us > a.upto
    GROUP BY a.key
)
SELECT {", ".join("c." + col.strip() for col in CONVERSATION_COLUMNS.split(","))},
       coalesce(min(w.msg_since, w.field_since), w.msg_since, w.field_since) AS since_us,
       max(w.msg_count, 1) AS unanswered
FROM waits w JOIN conversations c ON c.key = w.key
WHERE w.msg_since IS NOT NULL OR w.field_since IS NOT NULL
ORDER BY since_us, c.key
"""


@dataclass(frozen=True)
class WaitingRow:
    conversation: Conversation
    since_us: int
    unanswered: int

    @property
    def since(self) -> datetime:
        return from_us(self.since_us)


def waiting_conversations(
    conn: sqlite3.Connection, inbox_ids: list[str] | None = None
) -> list[WaitingRow]:
    """Every cached open conversation with an unanswered inbound message, oldest wait
    first; ``inbox_ids`` narrows it to those inboxes (None: all)."""
    args: list[object] = []
    inbox = ""
    if inbox_ids is not None:
        if not inbox_ids:
            return []
        inbox = f"AND c.inbox_id IN ({','.join('?' * len(inbox_ids))})"
        args.extend(inbox_ids)
    rows = conn.execute(_QUERY.format(inbox=inbox), args).fetchall()
    return [WaitingRow(conversation_from_row(row[:-2]), row[-2], row[-1]) for row in rows]


def waiting_since_by_key(conn: sqlite3.Connection, keys: list[str]) -> dict[str, int]:
    """For the open cached conversations among ``keys`` that wait on a reply: since when
    (microseconds), by the queue's own rule, so a conversation flag and the queue agree."""
    out: dict[str, int] = {}
    for start in range(0, len(keys), _KEY_CHUNK):
        chunk = keys[start : start + _KEY_CHUNK]
        sql = _QUERY.format(inbox=f"AND c.key IN ({','.join('?' * len(chunk))})")
        for row in conn.execute(sql, chunk):
            out[conversation_from_row(row[:-2]).key] = row[-2]
    return out
