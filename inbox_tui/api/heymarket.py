"""The heymarket API style (``/v1/...``): vendor JSON to models, and a :class:`Backend`.

* thread: ``GET /v1/messages?phoneNumber&inboxID[&timestamp]`` (50 per page, Unix-seconds
  strict-before cursor) through :class:`~inbox_tui.api.pager.TimelinePager`;
* conversations: with a member id, ``POST /v1/conversations`` (one request per page: status,
  assignee, read; see ``heymarket_conversations.py``). Without one (or with filters that
  need messages), derived from the team-wide ``POST /v1/messages/all`` walk (RFC 3339
  strict-before cursor, sub-second times), grouped by (inbox, phone) in order of their
  newest message, enriched from ``POST /v1/conversations`` when a member id is known;
* writes (send, close/open, read, reassign, templates, opt-out status): ``heymarket_writes.py``;
* count: ``POST /v1/messages/all/count`` (a JSON string); only the ``before`` filter is
  applied by the server, everything else locally.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx

from inbox_tui.api.base import HttpBackend
from inbox_tui.api.heymarket_conversations import (
    ConversationList,
    endpoint_missing,
    parse_conversation_page,
)
from inbox_tui.api.heymarket_writes import HeymarketWrites
from inbox_tui.api.http import HttpSettings
from inbox_tui.api.pager import Cursor, Page, TimelinePager
from inbox_tui.api.parse import (
    Unusable,
    as_bool,
    as_text,
    opt_str,
    parse_rows,
    parse_time,
    skip,
    str_id,
)
from inbox_tui.api.walk import ConversationWalk
from inbox_tui.capabilities import Capabilities
from inbox_tui.dates import rfc3339
from inbox_tui.errors import ApiError, AuthError, BadResponse
from inbox_tui.filters import Filters
from inbox_tui.models import Conversation, Direction, Inbox, Message, TeamMember, conversation_key
from inbox_tui.phone import valid_e164, without_plus

log = logging.getLogger("inbox_tui.api")

SOURCE = "heymarket"
THREAD_PAGE_SIZE = 50  # fixed by the API
SERVER_FILTERS = frozenset({"before"})
FUTURE = timedelta(days=1)  # "now" cursor slack, so a fast server clock loses nothing
ENRICH_PAGES_PER_BATCH = 5
# Filters the conversations API list can serve (the rest need each conversation's messages;
# the conversation flags are checked over the cache by the caller).
LIST_FILTERS = frozenset(
    {"before", "after", "contact", "closed", "unread_only"} | {"waiting_only", "mine_only"}
)  # not failed_only: the rows say nothing of failures, the message walk finds them
# What its body carries: ``filters.closed`` and ``filters.unread`` (see ConversationList).
LIST_SERVER_FILTERS = frozenset({"closed", "unread_only"})


T = TypeVar("T")


def _shared_task(work: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
    """A fetch that several callers await (each through ``asyncio.shield``): its outcome is
    retrieved even if every waiter was cancelled, so no "never retrieved" noise."""
    task = asyncio.get_running_loop().create_task(work)
    task.add_done_callback(lambda t: t.cancelled() or t.exception())
    return task


def _inbox_param(inbox_id: str) -> int | str:
    """An inbox id as the API sends it: a number when it is one."""
    try:
        return int(inbox_id)
    except ValueError:
        return inbox_id


# -- parsing --------------------------------------------------------------------------------
def _kind(raw: dict[str, Any]) -> str:
    kind = as_text(raw.get("type")).strip().lower()
    if "private" in kind or kind in {"note", "comment"}:
        return "private"
    if not kind:
        return "mms" if raw.get("media") else "sms"
    return kind


def _direction(raw: dict[str, Any], kind: str) -> Direction:
    value = as_text(raw.get("direction")).strip().lower()
    if value in ("inbound", "incoming", "in"):
        return Direction.INBOUND
    if value in ("outbound", "outgoing", "out"):
        return Direction.OUTBOUND
    # Not given: a team member's message or a private note is ours, else it's the contact's.
    if kind == "private" or raw.get("user") not in (None, "", 0):
        return Direction.OUTBOUND
    return Direction.INBOUND


def _author(raw: dict[str, Any], members: dict[str, str]) -> str | None:
    author = raw.get("author")
    if isinstance(author, dict):
        author = author.get("name") or author.get("id")
    if isinstance(author, str) and author.strip() and not author.strip().isdigit():
        return author.strip()
    for candidate in (author, raw.get("user")):
        key = str_id(candidate)
        if key and key in members:
            return members[key]
    return None


def parse_message(
    raw: Any,
    *,
    members: dict[str, str] | None = None,
    inbox_phones: dict[str, str] | None = None,
    inbox_id: str | None = None,
) -> Message:
    """One vendor Message object; raises :class:`Unusable` when it cannot be understood."""
    if not isinstance(raw, dict):
        raise Unusable("not an object")
    message_id = str_id(raw.get("id"))
    if message_id is None:
        raise Unusable("no id")
    created = parse_time(raw.get("date") or raw.get("created_at") or raw.get("created"))
    if created is None:
        raise Unusable("no readable date")
    conversation = raw.get("conversation") if isinstance(raw.get("conversation"), dict) else {}
    contact = valid_e164(raw.get("phone") or conversation.get("target"))
    if contact is None:
        raise Unusable("no contact phone number")
    inbox = str_id(conversation.get("inbox")) or str_id(raw.get("inbox")) or inbox_id
    kind = _kind(raw)
    return Message(
        id=message_id,
        source=SOURCE,
        conversation_key=conversation_key(contact, inbox),
        contact=contact,
        own_number=(inbox_phones or {}).get(inbox or ""),
        inbox_id=inbox,
        direction=_direction(raw, kind),
        kind=kind,
        status=as_text(raw.get("status")),
        body=as_text(raw.get("text")),
        media_url=opt_str(raw.get("media")),
        created_at=created,
        updated_at=parse_time(raw.get("updated")),
        author=_author(raw, members or {}),
        user_id=str_id(raw.get("user")),
        contact_name=opt_str(conversation.get("name")),
        flagged=as_bool(raw.get("flagged")),
        broadcast_id=str_id(raw.get("broadcast_id")),
        local_id=str_id(raw.get("local_id")),
        raw=raw,
    )


def parse_messages(data: Any, **kw: Any) -> tuple[list[Message], int]:
    """A message array: the messages understood and the number of rows received."""
    if isinstance(data, dict):  # tolerate an envelope
        for key in ("messages", "data", "items"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
    if not isinstance(data, list):
        raise BadResponse(f"expected a list of messages, got {type(data).__name__}")
    return parse_rows(data, lambda raw: parse_message(raw, **kw), "heymarket message"), len(data)


def parse_inboxes(data: Any) -> list[Inbox]:
    if not isinstance(data, list):
        raise BadResponse(f"expected a list of inboxes, got {type(data).__name__}")
    out: list[Inbox] = []
    for raw in data:
        if not isinstance(raw, dict) or str_id(raw.get("id")) is None:
            skip("heymarket inbox", raw, "no id")
            continue
        phones: list[str] = []
        for value in [raw.get("phone"), *(raw.get("phones") or [])]:
            number = valid_e164(value)
            if number is not None and number not in phones:
                phones.append(number)
        inbox_id = str_id(raw.get("id")) or ""
        name = opt_str(raw.get("name")) or f"Inbox {inbox_id}"
        out.append(Inbox(id=inbox_id, name=name, phones=tuple(phones)))
    return out


def parse_team(data: Any) -> list[TeamMember]:
    members = data.get("members") if isinstance(data, dict) else data
    if not isinstance(members, list):
        raise BadResponse("expected a team with a list of members")
    out: list[TeamMember] = []
    for raw in members:
        member_id = str_id(raw.get("id")) if isinstance(raw, dict) else None
        if member_id is None:
            skip("heymarket team member", raw, "no id")
            continue
        name = opt_str(raw.get("name")) or " ".join(
            part for part in (opt_str(raw.get("first")), opt_str(raw.get("last"))) if part
        )
        out.append(TeamMember(id=member_id, name=name or f"member {member_id}"))
    return out


def parse_count(data: Any) -> int:
    """The count endpoint answers a JSON string (``"1042"``); accept a number too."""
    if isinstance(data, dict):
        data = data.get("count", data.get("total"))
    try:
        if isinstance(data, bool):
            raise ValueError
        return int(str(data).strip())
    except (TypeError, ValueError):
        raise BadResponse("the message count is not a number") from None


class Enrichment:
    """What ``POST /v1/conversations`` adds to a conversation (all optional)."""

    __slots__ = ("name", "read", "status")

    def __init__(self, name: str | None, read: bool | None, status: str | None) -> None:
        self.name = name
        self.read = read
        self.status = status


def parse_conversations(data: Any) -> tuple[dict[str, Enrichment], datetime | None, int]:
    """Enrichment keyed by conversation key, the oldest ``updated`` seen, and the row count."""
    if isinstance(data, dict):
        data = data.get("conversations", data.get("data"))
    if not isinstance(data, list):
        raise BadResponse("expected a list of conversations")
    out: dict[str, Enrichment] = {}
    oldest: datetime | None = None
    for raw in data:
        if not isinstance(raw, dict):
            continue
        target = raw.get("target") or raw.get("phone")
        inbox = str_id(raw.get("inbox"))
        updated = parse_time(raw.get("updated"))
        if updated is not None and (oldest is None or updated < oldest):
            oldest = updated
        contact = valid_e164(target)
        if contact is None:
            continue
        read = raw.get("read")
        status = opt_str(raw.get("status"))
        out[conversation_key(contact, inbox)] = Enrichment(
            opt_str(raw.get("name")),
            None if read is None else as_bool(read),
            status.lower() if status else None,
        )
    return out, oldest, len(data)


# -- the backend ----------------------------------------------------------------------------
ENRICHMENT = "heymarket:POST /v1/conversations"  # the list and the enrichment: one endpoint
INBOXES_REUSE = 10.0  # seconds an answer of GET /v1/inboxes serves later callers


class HeymarketBackend(HeymarketWrites, HttpBackend):
    kind = "heymarket"

    def __init__(
        self,
        base_url: str,
        auth: httpx.Auth,
        *,
        inbox_id: str | None = None,
        member_id: int | None = None,
        page_size: int = 50,
        settings: HttpSettings | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(base_url, auth, settings, transport)
        self.inbox_id = str(inbox_id) if inbox_id is not None else None
        # Every write acts as a team member: without a member id the backend only reads.
        self.member_id = member_id
        self.capabilities = Capabilities(resume=True, count=True, writes=member_id is not None)
        self._roster = None
        self._inbox_ids: list[int | str] | None = None
        self._inboxes: list[Inbox] | None = None
        self._inboxes_at: float | None = None
        self._inboxes_task: asyncio.Task[list[Inbox]] | None = None
        self.page_size = max(1, page_size)
        inbox = f" inbox {self.inbox_id}" if self.inbox_id else ""
        self.label = f"heymarket @ {self.host}{inbox}"
        self._members: dict[str, str] | None = None
        self._members_task: asyncio.Task[None] | None = None
        self._inbox_phones: dict[str, str] = {}
        self._enrich_available: bool | None = None
        # The server has no ``POST /v1/conversations``: assumed (remembered from an earlier
        # run) or found this run (then ``_missing_error`` says how; worth remembering).
        self._conversations_missing = False
        self._missing_error: ApiError | None = None

    def missing_endpoints(self) -> frozenset[str]:
        """Optional endpoints this run found missing (see ``core.endpoints``)."""
        return frozenset({ENRICHMENT}) if self._missing_error is not None else frozenset()

    def assume_missing(self, names: frozenset[str]) -> None:
        if ENRICHMENT in names:
            self._enrich_available = False
            self._conversations_missing = True

    def describe_missing(self, name: str) -> str:
        """One line for the status line about an endpoint found missing this run."""
        if name != ENRICHMENT:
            return f"The server lacks {name}"
        error = self._missing_error
        how = f" (HTTP {error.status})" if error is not None and error.status else ""
        return (
            f"This server has no conversations API (POST /v1/conversations{how}): the list "
            "comes from the message endpoints (remembered for this profile)"
        )

    def _found_missing(self, error: ApiError) -> None:
        """The conversations API proved missing: walk the messages from now on."""
        if self._missing_error is None:
            log.warning(
                "no conversations API on this server (%s); listing from the message "
                "endpoints instead",
                error.user_message(),
            )
            self._missing_error = error
        self._conversations_missing = True
        self._enrich_available = False

    def server_filter_fields(self, filters: Filters) -> frozenset[str]:
        active = filters.active_fields()
        if self._lists_conversations(filters):
            return active & (SERVER_FILTERS | LIST_SERVER_FILTERS)
        return active & SERVER_FILTERS

    def _lists_conversations(self, filters: Filters) -> bool:
        """The list comes from ``POST /v1/conversations`` (else the team message walk)."""
        return (
            self.member_id is not None
            and not self._conversations_missing
            and filters.active_fields() <= LIST_FILTERS
        )

    # -- reference data -------------------------------------------------------------------
    async def inboxes(self) -> list[Inbox]:
        """The visible inboxes. Callers at the same moment share one request, and an answer
        under :data:`INBOXES_REUSE` seconds old is reused: at start-up the list (its
        ``filters.inboxes``) and the header's names both ask."""
        fresh = self._inboxes_at is not None and time.monotonic() - self._inboxes_at < INBOXES_REUSE
        if fresh and self._inboxes is not None:
            return list(self._inboxes)
        task = self._inboxes_task
        if task is None or task.done() or task.get_loop() is not asyncio.get_running_loop():
            task = self._inboxes_task = _shared_task(self._fetch_inboxes())
        return list(await asyncio.shield(task))

    async def _fetch_inboxes(self) -> list[Inbox]:
        inboxes = await self.client.get_json("/v1/inboxes", parse=parse_inboxes)
        self._inboxes, self._inboxes_at = inboxes, time.monotonic()
        for inbox in inboxes:
            if inbox.phones:
                self._inbox_phones[inbox.id] = inbox.phones[0]
        self._inbox_ids = [_inbox_param(inbox.id) for inbox in inboxes]
        return inboxes

    async def prefetch_list(self, inbox_id: str | None) -> None:
        """What the conversation list's first request needs, fetched ahead (at start, while
        the cache opens): the inbox ids of the conversations API's body."""
        if self.member_id is not None and (inbox_id or self.inbox_id) is None:
            await self.inboxes()

    async def _list_inboxes(self, inbox_id: str | None) -> list[int | str]:
        """``filters.inboxes`` of the conversations API: the chosen inbox, else every one."""
        if inbox_id is not None:
            return [_inbox_param(inbox_id)]
        if self._inbox_ids is None:
            await self.inboxes()
        return list(self._inbox_ids or [])

    async def team_members(self) -> list[TeamMember]:
        members = await self.client.get_json("/v1/team", parse=parse_team)
        self._members = {m.id: m.name for m in members}
        return members

    async def _names(self) -> dict[str, str]:
        """Team member names, fetched once; a server without ``/v1/team`` just has none.
        Callers that ask while the fetch is in flight (at start-up the list and the poller
        both do) share it instead of sending a second request."""
        if self._members is None:
            task = self._start_names()
            try:
                await asyncio.shield(task)
            finally:
                if task.done() and self._members_task is task:
                    self._members_task = None
        return self._members or {}

    def _start_names(self) -> asyncio.Task[None]:
        """The one in-flight fetch of the team's names (started if none is)."""
        task = self._members_task
        if task is None or task.get_loop() is not asyncio.get_running_loop():
            task = self._members_task = _shared_task(self._load_names())
        return task

    async def _load_names(self) -> None:
        try:
            await self.team_members()
        except AuthError:
            raise
        except ApiError as exc:
            log.info("team members unavailable: %s", exc.user_message())
            self._members = {}

    async def _page_parser(
        self, inbox_id: str | None = None, *, wait_names: bool = True
    ) -> Callable[[Any], Page]:
        """``wait_names`` False (the conversation list's walk): parse with the names known
        now and fetch them in the background, so ``GET /v1/team`` is not awaited before the
        first rows (the list shows no author; later pages, the poller and threads get them)."""
        if wait_names or self._members is not None:
            members = await self._names()
        else:
            self._start_names()
            members = {}

        def parse(data: Any) -> Page:
            messages, rows = parse_messages(
                data, members=members, inbox_phones=self._inbox_phones, inbox_id=inbox_id
            )
            return Page(messages, rows)

        return parse

    # -- messages -------------------------------------------------------------------------
    async def _fetch_all(self, cursor: Cursor, limit: int, *, wait_names: bool = True) -> Page:
        before = cursor.before or datetime.now(UTC) + FUTURE
        body = {
            "created_at": rfc3339(before),
            "order": "created_at",
            "ascending": False,
            "limit": limit,
        }
        parse = await self._page_parser(wait_names=wait_names)
        return await self.client.post_json("/v1/messages/all", body, parse=parse)

    def team_walk(self, filters: Filters | None = None, *, page_size: int | None = None):
        """A pager over every team message (newest first), ``before``/``after`` applied."""
        filters = filters or Filters()
        size = page_size or self.page_size

        async def fetch(cursor: Cursor) -> Page:
            return await self._fetch_all(cursor, size, wait_names=False)

        return TimelinePager(
            fetch,
            page_size=size,
            subsecond=True,
            before=filters.before,
            after=filters.after,
            label="heymarket team messages",
        )

    def thread(
        self,
        conversation: Conversation,
        filters: Filters | None = None,
        *,
        start_before: datetime | None = None,
        known_ids: Iterable[str] = (),
    ) -> TimelinePager:
        filters = filters or Filters()
        inbox = conversation.inbox_id or self.inbox_id
        if inbox is None:
            raise ValueError("a heymarket thread needs an inbox id")
        phone = without_plus(conversation.contact)
        inbox_param = _inbox_param(inbox)

        async def fetch(cursor: Cursor) -> Page:
            params: dict[str, Any] = {"phoneNumber": phone, "inboxID": inbox_param}
            if cursor.before is not None:
                params["timestamp"] = int(cursor.before.timestamp())
            parse = await self._page_parser(inbox)
            return await self.client.get_json("/v1/messages", params, parse=parse)

        return TimelinePager(
            fetch,
            page_size=THREAD_PAGE_SIZE,
            subsecond=False,
            before=filters.before,
            after=filters.after,
            start_before=start_before,
            known_ids=known_ids,
            label=f"heymarket thread {inbox}:{conversation.contact}",
        )

    async def latest(self, inbox_id: str | None = None) -> list[Message]:
        page = await self._fetch_all(Cursor(), self.page_size)
        inbox = inbox_id or self.inbox_id
        messages = [m for m in page.messages if inbox is None or m.inbox_id == inbox]
        return sorted(messages, key=lambda m: m.sort_key)

    def conversations(
        self,
        filters: Filters,
        inbox_id: str | None = None,
        *,
        closed: bool | None = None,
        unread: bool | None = None,
    ) -> HeymarketConversations | ConversationList:
        """With a member id (and no filter that needs messages), the conversations API;
        else the team-wide message walk. ``closed``/``unread`` are server filters of the
        conversations API (ignored by the walk), taken from ``filters.closed`` and
        ``filters.unread_only`` unless given."""
        inbox = inbox_id or self.inbox_id
        if self.member_id is not None and self._lists_conversations(filters):
            closed = filters.closed if closed is None else closed
            unread = (True if filters.unread_only else None) if unread is None else unread

            async def post(body: dict[str, Any]) -> Any:
                return await self.client.post_json(
                    "/v1/conversations", body, parse=parse_conversation_page
                )

            async def inboxes() -> list[int | str]:
                return await self._list_inboxes(inbox)

            def fallback(error: ApiError) -> HeymarketConversations:
                self._found_missing(error)
                return HeymarketConversations(self, filters, inbox)

            return ConversationList(
                post,
                self.member_id,
                inboxes,
                filters,
                closed=closed,
                unread=unread,
                fallback=fallback,
            )
        return HeymarketConversations(self, filters, inbox)

    async def count(self, filters: Filters, inbox_id: str | None = None) -> int | None:
        """Team-wide count; None when an inbox or a filter the server can't count applies."""
        if (inbox_id or self.inbox_id) is not None:
            return None
        if filters.active_fields() - SERVER_FILTERS:
            return None
        body = {"created_at": rfc3339(filters.before)} if filters.before else {}
        return await self.client.post_json("/v1/messages/all/count", body, parse=parse_count)

    async def conversations_enrichment(
        self, inbox_id: str | None, before: datetime | None = None
    ) -> tuple[dict[str, Enrichment], datetime | None, bool]:
        """One page of ``POST /v1/conversations`` (updated before ``before``): enrichment by
        conversation key, the cursor for the next page, and whether more may follow.
        Servers without the endpoint give ``({}, None, False)``; so does a profile without
        a member id (``id`` is required: the request would only be refused)."""
        if self._enrich_available is False or self.member_id is None:
            return {}, None, False
        body: dict[str, Any] = {
            "id": self.member_id,
            "filters": {"inboxes": await self._list_inboxes(inbox_id)},
            "date": rfc3339(before or datetime.now(UTC) + FUTURE),
        }
        try:
            found, oldest, rows = await self.client.post_json(
                "/v1/conversations", body, parse=parse_conversations
            )
        except AuthError:
            raise
        except ApiError as exc:
            if endpoint_missing(exc):
                self._found_missing(exc)
            else:
                log.info("conversation enrichment unavailable: %s", exc.user_message())
            self._enrich_available = False
            return {}, None, False
        self._enrich_available = True
        more = rows > 0 and oldest is not None and (before is None or oldest < before)
        return found, oldest, more


class HeymarketConversations(ConversationWalk):
    """Conversations discovered from the team-wide message walk, newest activity first."""

    def __init__(self, backend: HeymarketBackend, filters: Filters, inbox_id: str | None) -> None:
        super().__init__(backend.team_walk(filters), failed_only=filters.failed_only)
        self.backend = backend
        self.inbox_id = inbox_id
        self._enriched: dict[str, Enrichment] = {}
        self._enrich_cursor: datetime | None = None
        self._enrich_more = True

    def _wanted(self, message: Message) -> bool:
        return self.inbox_id is None or message.inbox_id == self.inbox_id

    async def _prepare(self, found: list[Message]) -> None:
        await self._enrich_until(found[-1].created_at)

    async def _enrich_until(self, oldest: datetime) -> None:
        """Fetch enrichment pages until they cover conversations active since ``oldest``."""
        for _ in range(ENRICH_PAGES_PER_BATCH):
            if not self._enrich_more:
                return
            if self._enrich_cursor is not None and self._enrich_cursor < oldest:
                return
            found, cursor, more = await self.backend.conversations_enrichment(
                self.inbox_id, self._enrich_cursor
            )
            self._enriched.update(found)
            self._enrich_cursor = cursor
            self._enrich_more = more

    def _conversation(self, message: Message) -> Conversation:
        extra = self._enriched.get(message.conversation_key)
        raw_conv = message.raw.get("conversation")
        raw_conv = raw_conv if isinstance(raw_conv, dict) else {}
        read = extra.read if extra and extra.read is not None else raw_conv.get("read")
        status = (extra.status if extra else None) or opt_str(raw_conv.get("status"))
        return Conversation(
            key=message.conversation_key,
            contact=message.contact,
            inbox_id=message.inbox_id,
            name=(extra.name if extra else None) or message.contact_name,
            last_message=message,
            last_at=message.created_at,
            unread=read is not None and not as_bool(read),
            flagged=message.flagged,
            has_failed=message.is_failed,
            status=status.lower() if status else None,
            # The message's conversation object carries the owner too (no member id needed).
            assigned_to=str_id(raw_conv.get("assigned")) if raw_conv.get("assigned") else None,
            closed=None if not status else status.lower() == "closed",
        )
