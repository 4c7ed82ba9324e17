"""heymarket's conversation list, ``POST /v1/conversations`` (needs a member id).

Body ``{"id": <member id>, "filters": {"inboxes": [...], "closed": bool, "unread": bool},
"date": RFC 3339}``: conversations updated strictly before ``date``, newest first; the next
page passes the last row's ``updated`` as ``date``; an empty array ends. One request per
page, instead of walking every message of the team.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from inbox_tui.api.parse import as_bool, opt_str, parse_time, skip, str_id
from inbox_tui.dates import rfc3339
from inbox_tui.errors import BadResponse
from inbox_tui.filters import Filters
from inbox_tui.models import Conversation, conversation_key
from inbox_tui.phone import valid_e164

log = logging.getLogger("inbox_tui.api")
FUTURE = timedelta(days=1)


def parse_conversation_row(raw: Any) -> Conversation | None:
    """One row of ``POST /v1/conversations``; None when it cannot be used (no number or no
    time)."""
    if not isinstance(raw, dict):
        return None
    contact = valid_e164(raw.get("target") or raw.get("phone"))
    updated = parse_time(raw.get("updated")) or parse_time(raw.get("last_inbound"))
    if contact is None or updated is None:
        return None
    inbox = str_id(raw.get("inbox"))
    status = (opt_str(raw.get("status")) or "").lower() or None
    read = raw.get("read")
    return Conversation(
        key=conversation_key(contact, inbox),
        contact=contact,
        inbox_id=inbox,
        name=opt_str(raw.get("name")),
        last_at=updated,
        unread=read is not None and not as_bool(read),
        status=status,
        assigned_to=str_id(raw.get("assigned")) if raw.get("assigned") not in (0, "0") else None,
        closed=None if status is None else status == "closed",
        # RFC 3339 or Unix seconds; ``replied`` may also be a bare boolean (then no time).
        last_inbound_at=parse_time(raw.get("last_inbound")),
        replied_at=parse_time(raw.get("replied")),
    )


def parse_conversation_page(data: Any) -> tuple[list[Conversation], str | None, int]:
    """The usable rows, the ``updated`` of the last row exactly as sent (the next cursor),
    and how many rows came."""
    if isinstance(data, dict):
        data = data.get("conversations", data.get("data"))
    if not isinstance(data, list):
        raise BadResponse("expected a list of conversations")
    out: list[Conversation] = []
    for raw in data:
        conv = parse_conversation_row(raw)
        if conv is None:
            skip("heymarket conversation", raw, "no usable target or updated time")
            continue
        out.append(conv)
    cursor = None
    for raw in reversed(data):
        if isinstance(raw, dict) and parse_time(raw.get("updated")) is not None:
            cursor = str(raw["updated"])
            break
    return out, cursor, len(data)


PostJson = Callable[[dict[str, Any]], Awaitable[tuple[list[Conversation], str | None, int]]]


class ConversationList:
    """A :class:`~inbox_tui.core.backend.ConversationPager` over ``POST /v1/conversations``.

    ``before``/``after`` of ``filters`` are applied (``before`` as the first cursor);
    ``closed``/``unread`` are sent as server filters when given."""

    def __init__(
        self,
        post: PostJson,
        member_id: int,
        inboxes: Callable[[], Awaitable[list[int | str]]],
        filters: Filters,
        *,
        closed: bool | None = None,
        unread: bool | None = None,
    ) -> None:
        self._post = post
        self.member_id = member_id
        self._inboxes = inboxes
        self.filters = filters
        self.closed = closed
        self.unread = unread
        self._cursor: str | None = rfc3339(filters.before) if filters.before else None
        self._keys: set[str] = set()
        self._exhausted = False
        self.requests = 0

    @property
    def exhausted(self) -> bool:
        return self._exhausted

    async def body(self) -> dict[str, Any]:
        filters: dict[str, Any] = {"inboxes": await self._inboxes()}
        if self.closed is not None:
            filters["closed"] = self.closed
        if self.unread is not None:
            filters["unread"] = self.unread
        date = self._cursor or rfc3339(datetime.now(UTC) + FUTURE)
        return {"id": self.member_id, "filters": filters, "date": date}

    async def next_page(self) -> list[Conversation]:
        if self._exhausted:
            return []
        rows, cursor, count = await self._post(await self.body())
        self.requests += 1
        after = self.filters.after
        fresh = [c for c in rows if c.key not in self._keys]
        if after is not None and any(c.last_at <= after for c in fresh):
            fresh = [c for c in fresh if c.last_at > after]
            self._exhausted = True
        # An empty page ends; so does a cursor that does not move (a server ignoring it).
        if count == 0 or cursor is None or cursor == self._cursor or not fresh:
            self._exhausted = True
        self._cursor = cursor
        self._keys.update(c.key for c in fresh)
        return fresh
