"""The send queue: an undo window, then one POST with a fresh ``local_id``, never two
messages.

A queued send waits ``delay`` seconds (WAITING: nothing has left the machine, ``undo``
takes it back). Then it is POSTed once with its ``local_id``; the HTTP layer repeats that
same request (same ``local_id``, the vendor's idempotency key) after a timeout or a 5xx.
When no answer ever arrives, the thread is read back and the message looked up by its
``local_id``: found, it was sent; not found, it failed and its text goes back to the draft
with the reason. A second message with another ``local_id`` is never made.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Protocol, runtime_checkable

from inbox_tui.clock import Clock, utc_now
from inbox_tui.core.triage import PendingSend, SendListener, SendState
from inbox_tui.errors import ApiError, AuthError, RateLimited, WriteRefused
from inbox_tui.models import Conversation, Direction, Message, MessageTemplate, TeamMember

log = logging.getLogger(__name__)


@runtime_checkable
class WriteBackend(Protocol):
    """What a backend with ``capabilities.writes`` offers (heymarket: ``api/heymarket_writes``)."""

    async def send_message(
        self,
        conversation: Conversation,
        *,
        local_id: str,
        text: str | None = None,
        private: bool = False,
        media_url: str | None = None,
        template_id: str | None = None,
    ) -> Message: ...

    async def find_sent(self, conversation: Conversation, local_id: str) -> Message | None: ...

    async def set_closed(self, conversation: Conversation, closed: bool) -> None: ...

    async def set_read(self, conversation: Conversation, read: bool) -> None: ...

    async def reassign(self, conversation: Conversation, member_id: str) -> None: ...

    async def templates(self) -> list[MessageTemplate]: ...

    async def contact_opted_out(self, contact: str) -> bool: ...

    async def roster(self) -> list[TeamMember]: ...


Done = Callable[[PendingSend], Awaitable[None]]


def _definite(exc: ApiError) -> bool:
    """A refusal the server answered before doing anything (4xx other than 429)."""
    if isinstance(exc, WriteRefused):
        return True
    status = exc.status
    return status is not None and 400 <= status < 500 and not isinstance(exc, RateLimited)


class Outbox:
    def __init__(
        self,
        writer: Callable[[], WriteBackend],
        *,
        delay: float,
        source: str,
        on_settled: Done,
        clock: Clock = utc_now,
    ) -> None:
        self._writer = writer
        self.delay = max(0.0, delay)
        self.source = source
        self._on_settled = on_settled
        self._clock = clock
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._listeners: dict[str, SendListener | None] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.pending: dict[str, PendingSend] = {}

    def queue(
        self,
        conversation: Conversation,
        text: str,
        *,
        private: bool,
        media_url: str | None,
        author: str | None,
        user_id: str | None,
        on_change: SendListener | None,
    ) -> PendingSend:
        local_id = str(uuid.uuid4())
        pending = PendingSend(local_id, conversation, text, private, media_url)
        pending.message = Message(
            id=f"local-{local_id}",
            source=self.source,
            conversation_key=conversation.key,
            contact=conversation.contact,
            inbox_id=conversation.inbox_id,
            direction=Direction.OUTBOUND,
            kind="private" if private else ("mms" if media_url else "sms"),
            status="sending",
            body=text,
            media_url=media_url,
            created_at=self._clock(),
            author=author,
            user_id=user_id,
            contact_name=conversation.name,
            local_id=local_id,
        )
        self.pending[local_id] = pending
        self._listeners[local_id] = on_change
        loop = asyncio.get_running_loop()
        self._timers[local_id] = loop.call_later(self.delay, self._start, local_id)
        self._notify(pending)
        return pending

    def undo(self, pending: PendingSend) -> bool:
        """Take a WAITING send back; False once it has left."""
        timer = self._timers.pop(pending.local_id, None)
        if timer is None or pending.state is not SendState.WAITING:
            return False
        timer.cancel()
        pending.state = SendState.UNDONE
        self._settle(pending)
        return True

    async def drain(self) -> None:
        """Wait for every send that has left (tests, and closing)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        """Sends still in their undo window are not sent (their text stays a draft with a
        reason); sends in flight are waited for."""
        for local_id, timer in list(self._timers.items()):
            timer.cancel()
            pending = self.pending[local_id]
            pending.state = SendState.FAILED
            pending.reason = "not sent: inbox-tui was closed during the undo window"
            self._settle(pending)
        self._timers.clear()
        await self.drain()

    # -- internals ----------------------------------------------------------------------

    def _start(self, local_id: str) -> None:
        if self._timers.pop(local_id, None) is None:
            return
        pending = self.pending[local_id]
        task = asyncio.get_running_loop().create_task(self._deliver(pending))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, pending: PendingSend) -> None:
        pending.state = SendState.SENDING
        self._notify(pending)
        writer = self._writer()
        conv = pending.conversation
        try:
            sent = await writer.send_message(
                conv,
                local_id=pending.local_id,
                text=pending.text or None,
                private=pending.private,
                media_url=pending.media_url,
            )
        except ApiError as exc:
            sent = None if _definite(exc) else await self._look_up(writer, pending, exc)
            if sent is None:
                pending.state = SendState.FAILED
                pending.reason = (
                    exc.user_message()
                    if _definite(exc)
                    else f"not confirmed ({exc.user_message()}) and not found in the "
                    "thread: check the thread before sending it again"
                )
        except Exception as exc:  # a bug must not leave the send "sending" for ever
            log.exception("send %s failed", pending.local_id)
            pending.state = SendState.FAILED
            pending.reason = f"not sent: {type(exc).__name__}"
            sent = None
        if sent is not None:
            pending.state = SendState.SENT
            pending.message = sent
        self._settle(pending)

    async def _look_up(
        self, writer: WriteBackend, pending: PendingSend, exc: ApiError
    ) -> Message | None:
        """The answer was lost: is the message (by ``local_id``) in the thread?"""
        log.info("send %s: %s; looking for it in the thread", pending.local_id, exc)
        try:
            return await writer.find_sent(pending.conversation, pending.local_id)
        except AuthError:
            return None
        except ApiError as lookup:
            log.info("send %s: thread lookup failed: %s", pending.local_id, lookup)
            return None

    def _settle(self, pending: PendingSend) -> None:
        self._notify(pending)
        self._listeners.pop(pending.local_id, None)
        self.pending.pop(pending.local_id, None)
        task = asyncio.get_running_loop().create_task(self._after(pending))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _after(self, pending: PendingSend) -> None:
        with contextlib.suppress(Exception):
            await self._on_settled(pending)

    def _notify(self, pending: PendingSend) -> None:
        listener = self._listeners.get(pending.local_id)
        if listener is None:
            return
        try:
            listener(pending)
        except Exception:
            log.exception("send listener failed")
