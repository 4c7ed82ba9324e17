"""An in-memory Backend for UI tests: deterministic data, configurable errors and delays.

It honours the same contracts as the real backends (``inbox_tui.core.backend``): server-side
filters are applied to the fields in ``server_fields``, pagers walk backwards in pages, and
every call is recorded in ``calls`` so tests can assert what was asked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from inbox_tui.core.backend import Capabilities
from inbox_tui.models import (
    Conversation,
    Direction,
    Filters,
    Inbox,
    Message,
    conversation_key,
)

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


async def wait_for(pilot: object, condition: object, timeout: float = 30.0) -> None:
    """Pause the pilot until ``condition()`` is true (fails the test after ``timeout``
    seconds: generous, since a loaded 2-core CI machine can be many times slower)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():  # type: ignore[operator]
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {condition}")
        await pilot.pause(0.01)  # type: ignore[attr-defined]
