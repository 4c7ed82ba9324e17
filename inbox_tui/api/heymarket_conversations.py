"""heymarket's conversation list, ``POST /v1/conversations`` (needs a member id).

Body ``{"id": <member id>, "filters": {"inboxes": [...], "closed": bool, "unread": bool},
"date": RFC 3339}``: conversations updated strictly before ``date``, newest first; the next
page passes the last row's ``updated`` as ``date``; an empty array ends. One request per
page, instead of walking every message of the team.

A server without the endpoint (404, 405, 501, or a 400 that says the path is unknown: see
:func:`endpoint_missing`) is not an error: the list falls back to the team-wide message walk
(``fallback``), which every heymarket server has. 401/403/429/5xx are errors as anywhere.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from inbox_tui.api.parse import as_bool, opt_str, parse_time, skip, str_id
from inbox_tui.dates import rfc3339
from inbox_tui.errors import ApiError, BadResponse
from inbox_tui.filters import Filters
from inbox_tui.models import Conversation, conversation_key
from inbox_tui.phone import valid_e164

log = logging.getLogger("inbox_tui.api")
FUTURE = timedelta(days=1)
MISSING_STATUSES = frozenset({404, 405, 501})  # no such endpoint / method / feature
# What a 400 says when the server does not know the path (rather than refusing the body).
_UNKNOWN_PATH = re.compile(
    r"unknown (endpoint|path|route|url)|no such (endpoint|path|route)|(endpoint|route|path)"
    r" (not found|does not exist|unknown)|not implemented|unsupported (endpoint|path)",
    re.IGNORECASE,
)
# A 404 about something the body named (a wrong member id) is not a missing endpoint.
_NAMED_THING = re.compile(r"\b(member|inbox|user|team)\b", re.IGNORECASE)


def endpoint_missing(error: ApiError) -> bool:
    """True when ``error`` says the server lacks the endpoint (not that the request failed):
    404, 405, 501, or a 400 whose message says the path is unknown. A 401/403/429/5xx, or a
    400 about the body, is an error of the request, not a missing endpoint; so is a 404 that
    names a member, inbox, user or team (the body's id was not found)."""
    if error.status in MISSING_STATUSES:
        return not _NAMED_THING.search(error.detail or "")
    return error.status == 400 and bool(_UNKNOWN_PATH.search(error.detail or ""))


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
Fallback = Callable[[ApiError], Any]
"""Called with the error when the server lacks the endpoint: returns the pager to use instead
(a :class:`~inbox_tui.core.backend.ConversationPager`)."""


class ConversationList:
    """A :class:`~inbox_tui.core.backend.ConversationPager` over ``POST /v1/conversations``.

    ``before``/``after`` of ``filters`` are applied (``before`` as the first cursor);
    ``closed``/``unread`` are sent as server filters when given. With ``fallback``, a
    server that lacks the endpoint on the first page is paged by the pager it returns."""

    def __init__(
        self,
        post: PostJson,
        member_id: int,
        inboxes: Callable[[], Awaitable[list[int | str]]],
        filters: Filters,
        *,
        closed: bool | None = None,
        unread: bool | None = None,
        fallback: Fallback | None = None,
    ) -> None:
        self._post = post
        self._fallback = fallback
        self.replaced_by: Any = None  # the fallback pager, once the endpoint proved missing
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
        if self.replaced_by is not None:
            return bool(self.replaced_by.exhausted)
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
        if self.replaced_by is not None:
            return list(await self.replaced_by.next_page())
        if self._exhausted:
            return []
        try:
            rows, cursor, count = await self._post(await self.body())
        except ApiError as error:
            # Only before any row came: a list is never stitched from two sources.
            if self._fallback is None or self.requests or not endpoint_missing(error):
                raise
            self.replaced_by = self._fallback(error)
            return list(await self.replaced_by.next_page())
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
