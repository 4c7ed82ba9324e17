"""The workspace API style (``/api/ui/workspaces/{id}/messages``): JSON to models, and a
:class:`Backend`.

One endpoint serves everything. Scroll-back uses ``endDate`` (the API may treat it as
inclusive or strict: the pager's bound re-includes the oldest second either way) with
``page=1``, and ``page=2,3…`` under the *same* ``endDate`` when a burst of one second fills
a page (page numbers are stable under a fixed ``endDate``, so nothing is skipped). A
conversation is everything with one counterpart number: a thread merges ``from=X`` and
``to=X``. All six filters are server-side (``status`` only when exactly one is chosen).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from inbox_tui.api.base import HttpBackend
from inbox_tui.api.http import HttpSettings
from inbox_tui.api.pager import Cursor, MergedPager, Page, TimelinePager, floor_second
from inbox_tui.api.parse import (
    Unusable,
    as_bool,
    as_text,
    opt_str,
    parse_rows,
    parse_time,
    str_id,
)
from inbox_tui.api.walk import ConversationWalk
from inbox_tui.errors import BadResponse
from inbox_tui.filters import Filters
from inbox_tui.models import Conversation, Direction, Inbox, Message, conversation_key
from inbox_tui.phone import to_e164, valid_e164

log = logging.getLogger("inbox_tui.api")

SOURCE = "workspace"
MAX_LIMIT = 100
ALWAYS_SERVER = frozenset({"direction", "contact", "after", "before"})


def _iso_seconds(value: datetime) -> str:
    second = floor_second(value)
    return f"{second.year:04d}-{second:%m-%dT%H:%M:%S}Z"  # %Y is not zero-padded before 1000


def _sides(filters: Filters) -> list[str]:
    """The query parameters that give the halves of one conversation the direction filter
    allows: ``from`` (the contact's messages) and ``to`` (ours)."""
    sides: list[str] = []
    if filters.direction in (None, Direction.INBOUND):
        sides.append("from")
    if filters.direction in (None, Direction.OUTBOUND):
        sides.append("to")
    return sides


# -- parsing --------------------------------------------------------------------------------
def parse_message(raw: Any) -> Message:
    """One workspace message; raises :class:`Unusable` when it cannot be understood."""
    if not isinstance(raw, dict):
        raise Unusable("not an object")
    message_id = str_id(raw.get("id"))
    if message_id is None:
        raise Unusable("no id")
    created = parse_time(raw.get("created_at") or raw.get("createdAt"))
    if created is None:
        raise Unusable("no readable created_at")
    direction_text = as_text(raw.get("direction")).strip().lower()
    if direction_text not in ("inbound", "outbound"):
        raise Unusable(f"unknown direction {direction_text[:20]!r}")
    direction = Direction(direction_text)
    sender, recipient = raw.get("from"), raw.get("to")
    counterpart, own = (
        (sender, recipient) if direction is Direction.INBOUND else (recipient, sender)
    )
    contact = valid_e164(counterpart)
    if contact is None:
        raise Unusable("no counterpart number")
    own_number = valid_e164(own)
    media = raw.get("media_url") or raw.get("mediaUrl") or raw.get("media")
    if isinstance(media, list):
        media = media[0] if media else None
    return Message(
        id=message_id,
        source=SOURCE,
        conversation_key=conversation_key(contact, None),
        contact=contact,
        own_number=own_number,
        inbox_id=None,
        direction=direction,
        kind="mms" if media else "sms",
        status=as_text(raw.get("status")),
        body=as_text(raw.get("body")),
        media_url=opt_str(media),
        created_at=created,
        updated_at=parse_time(raw.get("updated_at") or raw.get("updatedAt")),
        flagged=as_bool(raw.get("flagged")),
        provider_sid=opt_str(raw.get("provider_sid")),
        raw=raw,
    )


class ListPage:
    """A parsed ``GET …/messages`` response."""

    def __init__(
        self, messages: list[Message], rows: int, total: int | None, has_next: bool | None
    ) -> None:
        self.messages = messages
        self.rows = rows
        self.total = total
        self.has_next = has_next


def parse_page(data: Any) -> ListPage:
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        raise BadResponse("expected {messages: [...], pagination: {...}}")
    rows = data["messages"]
    messages = parse_rows(rows, parse_message, "workspace message")
    pagination = data.get("pagination") if isinstance(data.get("pagination"), dict) else {}
    total = pagination.get("totalMessages")
    has_next = pagination.get("hasNext")
    return ListPage(
        messages,
        len(rows),
        total if isinstance(total, int) and not isinstance(total, bool) else None,
        has_next if isinstance(has_next, bool) else None,
    )


# -- the backend ----------------------------------------------------------------------------
class WorkspaceBackend(HttpBackend):
    kind = "workspace"

    def __init__(
        self,
        base_url: str,
        auth: httpx.Auth,
        workspace_id: str,
        *,
        page_size: int = 100,
        settings: HttpSettings | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(base_url, auth, settings, transport)
        self.workspace_id = workspace_id
        self.page_size = max(1, min(MAX_LIMIT, page_size))
        self.label = f"workspace {workspace_id} @ {self.host}"
        self.path = f"/api/ui/workspaces/{quote(workspace_id, safe='')}/messages"

    def server_filter_fields(self, filters: Filters) -> frozenset[str]:
        active = filters.active_fields()
        server = active & ALWAYS_SERVER
        if filters.contact_number is None:  # a name or part of a number: matched locally
            server -= {"contact"}
        if "statuses" in active and len(filters.statuses) == 1:
            server |= {"statuses"}
        return frozenset(server)

    def _params(self, filters: Filters) -> dict[str, Any]:
        """Query parameters for the server-side part of ``filters`` (no contact: callers
        choose ``from`` or ``to``)."""
        params: dict[str, Any] = {}
        if filters.direction is not None:
            params["direction"] = filters.direction.value
        if len(filters.statuses) == 1:
            params["status"] = next(iter(filters.statuses))
        if filters.after is not None:
            params["startDate"] = _iso_seconds(filters.after)
        return params

    async def _list(self, params: dict[str, Any]) -> ListPage:
        return await self.client.get_json(self.path, params, parse=parse_page)

    def _pager(
        self,
        filters: Filters,
        extra: dict[str, Any],
        label: str,
        *,
        start_before: datetime | None = None,
        known_ids: Iterable[str] = (),
    ) -> TimelinePager:
        base = {**self._params(filters), **extra, "limit": self.page_size}

        async def fetch(cursor: Cursor) -> Page:
            params = dict(base, page=cursor.page)
            if cursor.before is not None:
                params["endDate"] = _iso_seconds(cursor.before)
            page = await self._list(params)
            # hasNext=false is as good as a short page: nothing more under this endDate.
            rows = page.rows if page.has_next is not False else 0
            return Page(page.messages, rows)

        return TimelinePager(
            fetch,
            page_size=self.page_size,
            subsecond=False,
            paged=True,
            before=filters.before,
            after=filters.after,
            start_before=start_before,
            known_ids=known_ids,
            label=label,
        )

    def _contact_pager(
        self,
        filters: Filters,
        contact: str,
        *,
        start_before: datetime | None = None,
        known_ids: Iterable[str] = (),
    ) -> MergedPager:
        """Both halves of one conversation, merged by time (direction filter respected)."""
        number = to_e164(contact)
        known = list(known_ids)
        return MergedPager(
            [
                self._pager(
                    filters,
                    {side: number},
                    f"workspace {side} {number}",
                    start_before=start_before,
                    known_ids=known,
                )
                for side in _sides(filters)
            ]
        )

    async def inboxes(self) -> list[Inbox]:
        """One pseudo-inbox; the request checks the credentials and finds our numbers."""
        page = await self._list({"page": 1, "limit": min(self.page_size, 20)})
        phones: list[str] = []
        for message in page.messages:
            if message.own_number and message.own_number not in phones:
                phones.append(message.own_number)
        return [
            Inbox(id=self.workspace_id, name=f"workspace {self.workspace_id}", phones=tuple(phones))
        ]

    def conversations(
        self, filters: Filters, inbox_id: str | None = None
    ) -> WorkspaceConversations:
        if filters.contact_number:
            pager: TimelinePager | MergedPager = self._contact_pager(
                filters, filters.contact_number
            )
        else:
            pager = self._pager(filters, {}, f"workspace {self.workspace_id} messages")
        return WorkspaceConversations(pager, failed_only=filters.failed_only)

    def thread(
        self,
        conversation: Conversation,
        filters: Filters | None = None,
        *,
        start_before: datetime | None = None,
        known_ids: Iterable[str] = (),
    ) -> MergedPager:
        filters = filters or Filters()
        return self._contact_pager(
            filters, conversation.contact, start_before=start_before, known_ids=known_ids
        )

    async def latest(self, inbox_id: str | None = None) -> list[Message]:
        page = await self._list({"page": 1, "limit": self.page_size})
        return sorted(page.messages, key=lambda m: m.sort_key)

    async def count(self, filters: Filters, inbox_id: str | None = None) -> int | None:
        """``pagination.totalMessages`` for the filters; None when part of the filter can only
        be applied locally (the server's number would be wrong)."""
        if filters.active_fields() - self.server_filter_fields(filters):
            return None
        base = {**self._params(filters), "page": 1, "limit": 1}
        if filters.before is not None:
            # endDate may be inclusive: ask up to the second before, unless that loses part
            # of a second (then the count could be off by the messages in it: say None).
            if filters.before.microsecond:
                return None
            base["endDate"] = _iso_seconds(filters.before)
        queries = (
            [{**base, side: filters.contact_number} for side in _sides(filters)]
            if filters.contact_number
            else [base]
        )
        total = 0
        for params in queries:
            page = await self._list(params)
            if page.total is None:
                return None
            total += page.total
        return total


class WorkspaceConversations(ConversationWalk):
    """Conversations discovered by walking the (server-filtered) message list, grouped by
    counterpart number, in order of their newest message."""

    def _conversation(self, message: Message) -> Conversation:
        return Conversation(
            key=message.conversation_key,
            contact=message.contact,
            inbox_id=None,
            name=None,
            last_message=message,
            last_at=message.created_at,
            unread=False,
            flagged=message.flagged,
            has_failed=message.is_failed,
        )
