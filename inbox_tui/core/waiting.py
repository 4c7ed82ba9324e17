"""Who is waiting on us: the time since the oldest inbound message with no later reply.

A *reply* is an outbound message that reached (or is on its way to) the customer: private
notes and failed sends do not count. A burst of inbound messages waits from its first
unanswered one. :mod:`inbox_tui.store.waiting` computes the same rule in SQL for many
conversations; this module is the reference over a list of messages, plus the labels.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from inbox_tui.models import Conversation, Direction, Message


def is_reply(message: Message) -> bool:
    """An outbound message the customer gets (not a note, not a failed send)."""
    return message.direction == Direction.OUTBOUND and not message.is_note and not message.is_failed


def is_customer_message(message: Message) -> bool:
    return message.direction == Direction.INBOUND and not message.is_note


def waiting_since(messages: Iterable[Message]) -> datetime | None:
    """When the customer started waiting (the first inbound after the last reply), or
    None when every inbound message has been answered. Order of ``messages`` is free."""
    last_reply: tuple[datetime, str] | None = None
    inbound: list[Message] = []
    for message in messages:
        if is_reply(message):
            if last_reply is None or message.sort_key > last_reply:
                last_reply = message.sort_key
        elif is_customer_message(message):
            inbound.append(message)
    # A reply in the same instant as an inbound message answers it (clock resolution).
    pending = [m.created_at for m in inbound if last_reply is None or m.created_at > last_reply[0]]
    return min(pending) if pending else None


def waiting_from_fields(conversation: Conversation) -> datetime | None:
    """The vendor's own answer, where the conversation carries it (heymarket's
    ``last_inbound`` / ``replied``): waiting since the last inbound when nothing was sent
    after it. A lower bound: the messages may show an earlier unanswered one."""
    last_inbound = getattr(conversation, "last_inbound_at", None)
    replied = getattr(conversation, "replied_at", None)
    if not isinstance(last_inbound, datetime):
        return None
    if isinstance(replied, datetime) and replied >= last_inbound:
        return None
    return last_inbound


def waiting_since_with_fields(
    messages: Iterable[Message], last_inbound: datetime | None, replied: datetime | None
) -> datetime | None:
    """The waiting rule over the cached ``messages`` and the conversation list's
    ``last_inbound`` / ``replied`` (heymarket ``POST /v1/conversations``), which come first
    (at start, offline, before a conversation's messages are fetched). Precedence:

    1. The messages decide alone when they are at least as new as both fields (the cache
       has seen what the fields describe): the rule exactly, so a note or a failed send the
       vendor may count as "replied" does not end a wait.
    2. Otherwise the fields know of newer activity: a reply from either source (the
       newest of the cached replies and ``replied``) answers everything before it, and the
       wait starts at the oldest inbound after it, a cached one or ``last_inbound``.
    3. With neither messages nor fields: not waiting.

    :mod:`inbox_tui.store.waiting` computes the same in SQL (the reply queue)."""
    messages = list(messages)
    known = [t for t in (last_inbound, replied) if t is not None]
    newest = max((m.created_at for m in messages), default=None)
    if not known or (newest is not None and newest >= max(known)):
        return waiting_since(messages)
    replies = [m.created_at for m in messages if is_reply(m)]
    if replied is not None:
        replies.append(replied)
    answered = max(replies, default=None)
    pending = [
        m.created_at
        for m in messages
        if is_customer_message(m) and (answered is None or m.created_at > answered)
    ]
    if last_inbound is not None and (answered is None or last_inbound > answered):
        pending.append(last_inbound)
    return min(pending, default=None)


@dataclass(frozen=True)
class WaitingConversation:
    """One row of the reply queue."""

    conversation: Conversation
    since: datetime
    unanswered: int = 1  # inbound messages since the last reply

    def waited(self, now: datetime) -> timedelta:
        return max(now - self.since, timedelta(0))


def queue_order(rows: Iterable[WaitingConversation]) -> list[WaitingConversation]:
    """Oldest wait first (ties by key, so the order is stable)."""
    return sorted(rows, key=lambda row: (row.since, row.conversation.key))


def wait_text(waited: timedelta) -> str:
    """``45s``, ``12m``, ``2h 14m``, ``3d 4h``: short, and exact enough to triage by."""
    seconds = max(int(waited.total_seconds()), 0)
    if seconds < 60:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h" if hours else f"{days}d"


def overdue(waited: timedelta, threshold: timedelta | None) -> bool:
    return threshold is not None and waited > threshold
