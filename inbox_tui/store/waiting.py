"""The reply queue in SQL: for each conversation, when the customer started waiting.

Same rule as :func:`inbox_tui.core.waiting.waiting_since`: the first inbound message
(not a note) after the last reply, a reply being an outbound message that is neither a
private note nor a failed send. Per conversation it walks the thread index
``(conversation_key, created_us, id)`` backwards to the last reply and then forwards over
the few messages after it, so the cost grows with conversations, not with messages.
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

_QUERY = f"""
SELECT {", ".join("c." + col.strip() for col in CONVERSATION_COLUMNS.split(","))},
       w.since_us, w.unanswered
FROM conversations c
JOIN (
    SELECT c.key AS key, min(m.created_us) AS since_us, count(*) AS unanswered
    FROM conversations c
    JOIN messages m ON m.conversation_key = c.key
    WHERE m.direction = 'inbound' AND {not_note("m")}
      AND m.created_us > coalesce(({LAST_REPLY}), -9223372036854775808)
      {{inbox}}
    GROUP BY c.key
) w ON w.key = c.key
WHERE coalesce(c.status, '') != 'closed'
ORDER BY w.since_us, c.key
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
