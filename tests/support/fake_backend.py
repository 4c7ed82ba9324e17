"""In-memory Backends for tests.

:class:`FakeBackend` (UI tests): deterministic generated data, configurable errors and
delays. It honours the same contracts as the real backends (``inbox_tui.core.backend``):
server-side filters are applied to the fields in ``server_fields``, pagers walk backwards in
pages, and every call is recorded in ``calls`` so tests can assert what was asked.

:class:`MemoryBackend` (cache/sync/poller tests): a dict of messages the test mutates, served
through the real ``TimelinePager`` so resuming from the cache's cursor is exercised for real.
The two stay separate: FakeBackend's scripted pagers (gates, steps, error queues) and
MemoryBackend's real pager test different things.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from inbox_tui.api.pager import Cursor as PagerCursor
from inbox_tui.api.pager import Page, TimelinePager
from inbox_tui.core.backend import Capabilities
from inbox_tui.filters import Filters
from inbox_tui.models import Conversation, Direction, Inbox, Message, conversation_key

FIXED_NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
ALL_FIELDS = frozenset({"direction", "statuses", "contact", "after", "before"})

_NAMES = ("Ada Li", "[red]Mallory[/]", None, "Zoë Ångström", None, "李小龙", "Bob\x1b[31m Evil")
_BODIES = (
    "Hi, is my order ready?",
    "Your table is booked for 7pm",
    "[bold]not markup[/bold] $(rm -rf /)",
    "Thanks!",
    "Can you call me back\nplease",
    "🎉 Shipped! Tracking: https://example.test/t/123",
    "مرحبا، هل الطلب جاهز؟",
)


def make_messages(index: int, count: int, *, inbox_id: str | None = None) -> list[Message]:
    """``count`` messages of conversation ``index``, oldest first, deterministic."""
    contact = f"+1415555{index:04d}"[:12] if index < 10_000 else f"+1416{index:07d}"
    newest = FIXED_NOW - timedelta(minutes=7 * index)
    messages = []
    for n in range(count):
        outbound = (index + n) % 2 == 1
        failed = outbound and index % 5 == 2 and n == count - 1
        messages.append(
            Message(
                id=f"m{index}-{n}",
                source="workspace",
                conversation_key=conversation_key(contact, inbox_id),
                contact=contact,
                own_number="+14155550000",
                inbox_id=inbox_id,
                direction=Direction.OUTBOUND if outbound else Direction.INBOUND,
                status="failed" if failed else ("delivered" if outbound else "received"),
                body=f"{_BODIES[(index + n) % len(_BODIES)]} #{n}",
                created_at=newest - timedelta(hours=5 * (count - 1 - n)),
                flagged=(index + n) % 11 == 0,
                contact_name=_NAMES[index % len(_NAMES)],
            )
        )
    return messages


def make_conversation(
    index: int, messages: list[Message], *, inbox_id: str | None = None
) -> Conversation:
    last = messages[-1]
    return Conversation(
        key=last.conversation_key,
        contact=last.contact,
        inbox_id=inbox_id,
        name=_NAMES[index % len(_NAMES)],
        last_message=last,
        last_at=last.created_at,
        unread=index % 4 == 1,
        flagged=any(m.flagged for m in messages),
        has_failed=any(m.is_failed for m in messages),
    )


class FakeConversationPager:
    def __init__(self, backend: FakeBackend, items: list[Conversation], page_size: int) -> None:
        self._backend = backend
        self._items = items
        self._page_size = page_size
        self._offset = 0
        self.pages = 0

    @property
    def exhausted(self) -> bool:
        return self._offset >= len(self._items)

    async def next_page(self) -> list[Conversation]:
        await self._backend._call("next_page", self._offset)
        page = self._items[self._offset : self._offset + self._page_size]
        self._offset += len(page)
        self.pages += 1
        return page


class FakeMessagePager:
    def __init__(self, backend: FakeBackend, messages: list[Message], page_size: int) -> None:
        self._backend = backend
        self._messages = messages
        self._page_size = page_size
        self._end = len(messages)
        self._requests = 0

    @property
    def exhausted(self) -> bool:
        return self._end <= 0

    @property
    def complete(self) -> bool:
        return self.exhausted

    partial = False

    @property
    def requests(self) -> int:
        return self._requests

    async def older(self) -> list[Message]:
        self._requests += 1
        await self._backend._call("older", self._end)
        start = max(0, self._end - self._page_size)
        page = self._messages[start : self._end]
        self._end = start
        return page

    async def newer(self) -> list[Message]:
        self._requests += 1
        await self._backend._call("newer")
        return []


class FakeBackend:
    """``n`` conversations (or the ``conversations`` given), ``per_thread`` messages each.

    ``errors["next_page"|"older"|"count"|"inboxes"]`` is a list of exceptions raised by the
    next calls of that operation (popped one per call). ``gate``, when set, makes every call
    wait for it; ``steps`` lets calls through one permit at a time. Tests use them to observe
    in-flight states.
    """

    kind = "workspace"
    capabilities = Capabilities(count=True)

    def __init__(
        self,
        n: int = 40,
        *,
        per_thread: int = 6,
        page_size: int = 25,
        thread_page_size: int = 50,
        server_fields: Iterable[str] = ALL_FIELDS,
        inboxes: list[Inbox] | None = None,
        label: str = "fake workspace @ memory",
    ) -> None:
        self.label = label
        self.server_fields = frozenset(server_fields)
        self.page_size = page_size
        self.thread_page_size = thread_page_size
        self._inboxes = inboxes or [Inbox(id="ws", name="Workspace")]
        self._per_thread = per_thread
        self._n = n
        self._convs: list[Conversation] | None = None
        self._threads: dict[str, list[Message]] = {}
        self.calls: list[tuple[object, ...]] = []
        self.errors: dict[str, list[BaseException]] = {}
        self.gate: asyncio.Event | None = None
        self.steps: asyncio.Semaphore | None = None  # one permit per call, when set
        self.closed = False

    # -- data -----------------------------------------------------------------

    def _inbox_for(self, index: int) -> str | None:
        if len(self._inboxes) < 2:
            return None
        return self._inboxes[index % len(self._inboxes)].id

    def all_conversations(self) -> list[Conversation]:
        if self._convs is None:
            self._convs = []
            for index in range(self._n):
                inbox = self._inbox_for(index)
                messages = make_messages(index, self._per_thread, inbox_id=inbox)
                self._threads[messages[-1].conversation_key] = messages
                self._convs.append(make_conversation(index, messages, inbox_id=inbox))
        return self._convs

    def messages_of(self, key: str) -> list[Message]:
        self.all_conversations()
        return self._threads[key]

    # -- Backend protocol -----------------------------------------------------

    async def _call(self, name: str, *args: object) -> None:
        self.calls.append((name, *args))
        if self.gate is not None:
            await self.gate.wait()
        elif self.steps is not None:
            await self.steps.acquire()
        else:
            await asyncio.sleep(0)
        queue = self.errors.get(name)
        if queue:
            raise queue.pop(0)

    def server_filter_fields(self, filters: Filters) -> frozenset[str]:
        return filters.active_fields() & self.server_fields

    async def inboxes(self) -> list[Inbox]:
        await self._call("inboxes")
        return list(self._inboxes)

    def conversations(self, filters: Filters, inbox_id: str | None = None) -> FakeConversationPager:
        self.calls.append(("conversations", filters, inbox_id))
        server = filters.only(self.server_filter_fields(filters))
        items = [
            c
            for c in self.all_conversations()
            if (inbox_id is None or c.inbox_id == inbox_id)
            and (server.is_empty() or any(server.matches(m) for m in self._threads[c.key]))
        ]
        return FakeConversationPager(self, items, self.page_size)

    def thread(
        self, conversation: Conversation, filters: Filters | None = None
    ) -> FakeMessagePager:
        self.calls.append(("thread", conversation.key))
        return FakeMessagePager(self, self.messages_of(conversation.key), self.thread_page_size)

    async def latest(self, inbox_id: str | None = None) -> list[Message]:
        await self._call("latest")
        return []

    async def count(self, filters: Filters, inbox_id: str | None = None) -> int | None:
        await self._call("count", filters)
        server = filters.only(self.server_filter_fields(filters))
        return sum(
            1
            for c in self.all_conversations()
            if inbox_id is None or c.inbox_id == inbox_id
            for m in self._threads[c.key]
            if server.matches(m)
        )

    def watch_retries(self, listener: Callable[[str], None]) -> None:
        return None

    async def aclose(self) -> None:
        self.closed = True


# -- helpers for pilot tests --------------------------------------------------------------


def make_app(backend: object, **kwargs: object):  # type: ignore[no-untyped-def]
    """An InboxApp with a fixed clock and time zone, so renders are deterministic."""
    from inbox_tui.ui.app import InboxApp

    kwargs.setdefault("clock", lambda: FIXED_NOW)
    kwargs.setdefault("tz", UTC)
    return InboxApp(backend, **kwargs)  # type: ignore[arg-type]


# -- a mutable backend over the real TimelinePager ---------------------------------------


def loaded(app: Any, n: int = 1):  # type: ignore[no-untyped-def]
    """``wait_for`` condition: at least ``n`` conversations listed and something focused."""
    return lambda: len(app.conversation_list.conversations) >= n and app.focused is not None


class MemoryBackend:
    """A Backend over a dict of messages that tests mutate (new messages, status changes)."""

    kind = "workspace"
    label = "memory"
    capabilities = Capabilities(resume=True, count=True)

    def watch_retries(self, listener: Callable[[str], None]) -> None:
        return None

    def __init__(self, messages: Iterable[Message], page_size: int = 10) -> None:
        self.data: dict[str, Message] = {m.id: m for m in messages}
        self.page_size = page_size
        self.fetches = 0
        self.latest_calls = 0
        self.fail: Exception | None = None

    def add(self, *messages: Message) -> None:
        for m in messages:
            self.data[m.id] = m

    def set_status(self, message_id: str, status: str) -> None:
        self.data[message_id] = self.data[message_id].model_copy(update={"status": status})

    def _desc(self, key: str | None = None) -> list[Message]:
        rows = [m for m in self.data.values() if key is None or m.conversation_key == key]
        return sorted(rows, key=lambda m: m.sort_key, reverse=True)

    def server_filter_fields(self, filters: Filters) -> frozenset[str]:
        return frozenset()

    async def inboxes(self) -> list[Inbox]:
        return []

    def thread(
        self,
        conversation: Conversation,
        filters: Filters | None = None,
        *,
        start_before: datetime | None = None,
        known_ids: Iterable[str] = (),
    ) -> TimelinePager:
        async def fetch(cursor: PagerCursor) -> Page:
            self.fetches += 1
            await asyncio.sleep(0)
            if self.fail is not None:
                raise self.fail
            rows = [
                m
                for m in self._desc(conversation.key)
                if cursor.before is None or m.created_at < cursor.before
            ][: self.page_size]
            return Page(rows, len(rows))

        return TimelinePager(
            fetch,
            page_size=self.page_size,
            subsecond=True,
            start_before=start_before,
            known_ids=known_ids,
        )

    async def latest(self, inbox_id: str | None = None) -> list[Message]:
        self.latest_calls += 1
        await asyncio.sleep(0)
        if self.fail is not None:
            raise self.fail
        return sorted(self._desc()[: self.page_size], key=lambda m: m.sort_key)

    def conversations(self, filters: Filters, inbox_id: str | None = None) -> _ConvPager:
        return _ConvPager(self)

    async def count(self, filters: Filters, inbox_id: str | None = None) -> int | None:
        return len(self.data)

    async def aclose(self) -> None:
        return None


class _ConvPager:
    def __init__(self, backend: MemoryBackend) -> None:
        newest: dict[str, Message] = {}
        for m in backend._desc():
            newest.setdefault(m.conversation_key, m)
        self._items = [
            Conversation(
                key=k, contact=m.contact, last_message=m, last_at=m.created_at, name=f"Name {k}"
            )
            for k, m in newest.items()
        ]
        self._pos = 0
        self.size = 3

    @property
    def exhausted(self) -> bool:
        return self._pos >= len(self._items)

    async def next_page(self) -> list[Conversation]:
        page = self._items[self._pos : self._pos + self.size]
        self._pos += len(page)
        return page
