"""Message factories shared by the store, search and sync tests (no tests here)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from inbox_tui.core.sync import CachedThread
from inbox_tui.models import Direction, Message, conversation_key
from inbox_tui.store import MessagePosition

T0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def contact_of(n: int) -> str:
    return f"+1415555{n:04d}"


def msg(
    conv: int,
    n: int,
    *,
    body: str | None = None,
    status: str | None = None,
    seconds: float | None = None,
    inbound: bool | None = None,
    inbox_id: str | None = None,
    name: str | None = None,
    source: str = "workspace",
) -> Message:
    """Message ``n`` of conversation ``conv``; later ``n`` is newer (one minute apart)."""
    contact = contact_of(conv)
    inbound = (n % 2 == 0) if inbound is None else inbound
    return Message(
        id=f"c{conv}-m{n}",
        source=source,
        conversation_key=conversation_key(contact, inbox_id),
        contact=contact,
        inbox_id=inbox_id,
        direction=Direction.INBOUND if inbound else Direction.OUTBOUND,
        status=status or ("received" if inbound else "delivered"),
        body=body if body is not None else f"message {n} of thread {conv}",
        created_at=T0 + timedelta(seconds=60 * n if seconds is None else seconds),
        contact_name=name,
        raw={"id": f"c{conv}-m{n}", "nested": {"n": n}},
    )


async def walk_back(thread: CachedThread, limit: int) -> list[Message]:
    """Everything ``older()`` yields from the newest to the start, oldest first."""
    out: list[Message] = []
    before: MessagePosition | None = None
    while True:
        page = await thread.older(before, limit)
        if not page.messages:
            return out
        out = page.messages + out
        before = page.cursor
        if page.complete:
            return out


def ids(messages: Iterable[Message]) -> list[str]:
    return [m.id for m in messages]
