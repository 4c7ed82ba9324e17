"""In-memory thread data, a recording MessagePager and a host app for ThreadView tests
(and benches)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.pilot import Pilot

from inbox_tui.models import Conversation, Direction, Message
from inbox_tui.ui.widgets.thread_view import ThreadView
from support.wait import wait_for

CONTACT = "+14155550100"
OWN = "+14155550199"
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
SIZE = (100, 30)  # the terminal most ThreadView pilots run in


def conversation(contact: str = CONTACT, name: str | None = "Ada Lovelace") -> Conversation:
    return Conversation(key=contact, contact=contact, name=name, last_at=START)


def make_message(i: int, *, minutes: int = 17, **overrides: object) -> Message:
    """Message number ``i`` of a synthetic thread: alternating directions, varied statuses,
    a note every 25, media every 10, flagged every 13, several per day."""
    outbound = i % 3 != 0
    fields: dict[str, object] = {
        "id": f"m{i:07d}",
        "source": "fake",
        "conversation_key": CONTACT,
        "contact": CONTACT,
        "own_number": OWN,
        "direction": Direction.OUTBOUND if outbound else Direction.INBOUND,
        "status": ("delivered", "sent", "failed", "delivered")[i % 4] if outbound else "received",
        "body": f"message {i}: " + ("lorem ipsum dolor sit amet " * (1 + i % 5)).strip(),
        "created_at": START + timedelta(minutes=minutes * i),
        "author": "Grace" if outbound else None,
        "kind": "private" if i % 25 == 24 else "sms",
        "media_url": f"https://media.example/{i}.jpg" if i % 10 == 7 else None,
        "flagged": i % 13 == 5,
    }
    fields.update(overrides)
    return Message(**fields)  # type: ignore[arg-type]


def make_thread(n: int) -> list[Message]:
    return [make_message(i) for i in range(n)]


class FakePager:
    """Pages backwards over ``messages`` (oldest first). Records the before-cursor of every
    ``older()`` call; can fail ``fail`` times with ``error``; ``gate`` holds calls until set."""

    def __init__(
        self,
        messages: list[Message],
        *,
        page_size: int = 50,
        fail: int = 0,
        error: BaseException | None = None,
        gate: asyncio.Event | None = None,
        delay: float = 0.0,
    ) -> None:
        self.messages = sorted(messages, key=lambda m: m.sort_key)
        self.page_size = page_size
        self.fail = fail
        self.error = error or RuntimeError("boom")
        self.gate = gate
        self.delay = delay
        self.calls: list[datetime | None] = []
        self.newer_calls = 0
        self._end = len(self.messages)
        self._requests = 0
        self._pending_newer: list[Message] = []

    @property
    def exhausted(self) -> bool:
        return self._end == 0

    @property
    def requests(self) -> int:
        return self._requests

    @property
    def complete(self) -> bool:
        return self.exhausted

    partial = False

    @property
    def cursor(self) -> datetime | None:
        """The before-timestamp the next call would send (None: newest page)."""
        return None if self._end == len(self.messages) else self.messages[self._end].created_at

    async def older(self) -> list[Message]:
        self.calls.append(self.cursor)
        self._requests += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail > 0:
            self.fail -= 1
            raise self.error
        start = max(0, self._end - self.page_size)
        batch = self.messages[start : self._end]
        self._end = start
        return batch

    def push(self, *messages: Message) -> None:
        self._pending_newer.extend(messages)

    async def newer(self) -> list[Message]:
        self.newer_calls += 1
        self._requests += 1
        batch, self._pending_newer = self._pending_newer, []
        return batch


class ThreadApp(App[None]):
    """A minimal app hosting one ThreadView; records the messages it posts."""

    BINDINGS: ClassVar[list[BindingType]] = [("ctrl+r", "app_refresh", "refresh")]

    def __init__(self) -> None:
        super().__init__()
        self.failures: list[ThreadView.LoadFailed] = []
        self.loaded: list[ThreadView.OlderLoaded] = []
        self.details: list[ThreadView.DetailRequested] = []
        self.refreshes = 0

    def action_app_refresh(self) -> None:
        self.refreshes += 1

    def compose(self) -> ComposeResult:
        yield ThreadView(tz=UTC)

    @property
    def view(self) -> ThreadView:
        return self.query_one(ThreadView)

    def on_thread_view_load_failed(self, event: ThreadView.LoadFailed) -> None:
        self.failures.append(event)

    def on_thread_view_older_loaded(self, event: ThreadView.OlderLoaded) -> None:
        self.loaded.append(event)

    def on_thread_view_detail_requested(self, event: ThreadView.DetailRequested) -> None:
        self.details.append(event)


def screen_text(view: ThreadView) -> list[str]:
    """The text of every visible line of ``view`` as the next frame will paint it."""
    view.ensure_layout()
    return [view.render_line(y).text for y in range(view.scrollable_content_region.height)]


async def settle_view(pilot: Pilot[None], view: ThreadView) -> None:
    """Let the view's workers finish, chained prefetches included: not fetching on two
    looks a pause apart."""
    while True:
        await pilot.pause()
        await wait_for(pilot, lambda: not view.fetching, message="thread view kept loading")
        await pilot.pause()
        if not view.fetching:
            return


async def open_thread(
    pilot: Pilot[None], app: ThreadApp, pager: FakePager, **kw: object
) -> ThreadView:
    view = app.view
    view.focus()
    view.show(conversation(), pager, **kw)  # type: ignore[arg-type]
    await settle_view(pilot, view)
    return view
