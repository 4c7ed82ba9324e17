"""Live updates: poll the newest page, merge it into the cache, report what is new.

The first poll waits ``first_delay`` (one ``poll_seconds`` by default) so that it does not
race the app's first page requests at start-up (:meth:`Poller.poke` cuts the wait short).
Then every ``poll_seconds`` the poller calls ``backend.latest()`` (the cheapest request each API
has), upserts the page (idempotent by id: never a duplicate), marks conversations with a
new inbound message unread (except the one the user has open) and hands a
:class:`PollResult` to ``on_result``. Errors back off exponentially (capped); after
``offline_after`` consecutive network errors it reports itself offline and only probes at
the capped interval until a poll succeeds or :meth:`Poller.poke` is called. A refused
token stops it (retrying cannot help).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum

from inbox_tui.core.backend import Backend
from inbox_tui.errors import ApiError, AuthError, NetworkError, RateLimited
from inbox_tui.models import Message
from inbox_tui.store import Store

log = logging.getLogger(__name__)


class PollState(StrEnum):
    IDLE = "idle"  # not started or stopped
    RUNNING = "running"  # polling on schedule
    BACKOFF = "backoff"  # last poll failed; retrying later
    OFFLINE = "offline"  # repeated network errors; probing slowly
    PAUSED = "paused"  # paused by the caller (or credentials refused)


@dataclass
class PollResult:
    """One successful poll. ``new_inbound`` maps conversation key to its new inbound
    messages (move those conversations to the top, notify); ``initial`` is True for the
    first poll of a run, whose "new" messages may just be the cache catching up."""

    inserted: list[Message] = field(default_factory=list)
    updated: list[Message] = field(default_factory=list)
    new_inbound: dict[str, list[Message]] = field(default_factory=dict)
    initial: bool = False


ResultCallback = Callable[[PollResult], Awaitable[None] | None]
ErrorCallback = Callable[[ApiError, PollState], Awaitable[None] | None]


class Poller:
    def __init__(
        self,
        store: Store,
        backend: Backend,
        *,
        poll_seconds: float = 15.0,
        inbox_id: str | None = None,
        max_backoff: float = 300.0,
        offline_after: int = 3,
        on_result: ResultCallback | None = None,
        on_error: ErrorCallback | None = None,
        first_delay: float | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        """``first_delay``: seconds before the first poll of :meth:`start` (default: one
        ``poll_seconds``). ``sleep`` waits between polls (tests pass a fake clock's)."""
        self.store = store
        self.backend = backend
        self.poll_seconds = poll_seconds
        self.inbox_id = inbox_id
        self.max_backoff = max_backoff
        self.offline_after = offline_after
        self.on_result = on_result
        self.on_error = on_error
        self.first_delay = poll_seconds if first_delay is None else first_delay
        self._sleep = sleep
        self.active_key: str | None = None  # the open conversation: never marked unread
        self.state = PollState.IDLE
        self.errors = 0  # consecutive failures
        self.polls = 0  # successful polls
        self.last_error: ApiError | None = None
        self._wake = asyncio.Event()
        self._paused = False
        self._task: asyncio.Task[None] | None = None

    # -- control --------------------------------------------------------------------------

    def start(self, delay: float | None = None) -> asyncio.Task[None]:
        """Run :meth:`run` as a task (idempotent), its first poll after ``delay`` seconds
        (default :attr:`first_delay`; 0 polls at once)."""
        if self._task is None or self._task.done():
            wait = self.first_delay if delay is None else delay
            self._task = asyncio.create_task(self.run(delay=wait), name="inbox-tui-poller")
        return self._task

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.state = PollState.IDLE

    def pause(self) -> None:
        """Stop polling until :meth:`resume` (e.g. the user chose offline mode)."""
        self._paused = True
        self.state = PollState.PAUSED
        self._wake.set()

    def resume(self) -> None:
        self._paused = False
        self.errors = 0
        self.state = PollState.RUNNING
        self._wake.set()

    def poke(self) -> None:
        """Poll now (the user pressed refresh, or the network came back)."""
        self._wake.set()

    def next_delay(self) -> float:
        """Seconds until the next poll given the current error count."""
        if self.errors == 0:
            return self.poll_seconds
        if isinstance(self.last_error, RateLimited) and self.last_error.retry_after:
            return min(max(self.last_error.retry_after, self.poll_seconds), self.max_backoff)
        return min(self.poll_seconds * (2 ** min(self.errors, 20)), self.max_backoff)

    # -- work -----------------------------------------------------------------------------

    async def poll_once(self) -> PollResult:
        """One poll: fetch, merge, report. Raises the backend's :class:`ApiError`."""
        page = await self.backend.latest(self.inbox_id)
        result = await self.store.upsert_messages(page, mark_unread=True)
        new_inbound = result.new_inbound()
        if self.active_key is not None and self.active_key in new_inbound:
            await self.store.set_unread(self.active_key, False)
        self.polls += 1
        return PollResult(result.inserted, result.updated, new_inbound, initial=self.polls == 1)

    async def run(self, delay: float = 0.0) -> None:
        """Poll until cancelled, the first time after ``delay`` seconds (or a
        :meth:`poke`/:meth:`resume`). Never raises an :class:`ApiError`."""
        self.state = PollState.PAUSED if self._paused else PollState.RUNNING
        if delay > 0:
            await self._wait(None if self._paused else delay)
        while True:
            if not self._paused:
                await self._tick()
            delay = self.max_backoff if self.state is PollState.OFFLINE else self.next_delay()
            self._wake.clear()
            await self._wait(None if self._paused else delay)

    async def _wait(self, delay: float | None) -> None:
        """Until woken (:meth:`poke`, :meth:`pause`, :meth:`resume`) or, unless ``delay`` is
        None, until ``delay`` seconds have passed on the poller's clock."""
        wake = asyncio.ensure_future(self._wake.wait())
        waits: set[asyncio.Future[object]] = {wake}
        if delay is not None:
            waits.add(asyncio.ensure_future(self._sleep(delay)))
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waits:
                waiter.cancel()

    async def _tick(self) -> None:
        try:
            result = await self.poll_once()
        except AuthError as exc:
            self.last_error = exc
            self._paused = True
            self.state = PollState.PAUSED
            await _call(self.on_error, exc, self.state)
            return
        except ApiError as exc:
            self.last_error = exc
            self.errors += 1
            offline = isinstance(exc, NetworkError) and self.errors >= self.offline_after
            self.state = PollState.OFFLINE if offline else PollState.BACKOFF
            log.info("poll failed (%s), next in %.0fs", exc.user_message(), self.next_delay())
            await _call(self.on_error, exc, self.state)
            return
        except Exception:  # a bug or a cache failure: keep the app alive, back off
            log.exception("poll failed unexpectedly")
            self.last_error = None
            self.errors += 1
            self.state = PollState.BACKOFF
            return
        self.errors = 0
        self.last_error = None
        self.state = PollState.RUNNING
        await _call(self.on_result, result)


async def _call(callback: Callable[..., Awaitable[None] | None] | None, *args: object) -> None:
    if callback is None:
        return
    try:
        outcome = callback(*args)
        if asyncio.iscoroutine(outcome):
            await outcome
    except Exception:  # a UI callback bug must not kill polling
        log.exception("poller callback failed")
