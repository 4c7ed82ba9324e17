"""The poller's first poll waits (one interval by default) so that it does not race the
app's first page requests; ``start(delay=0)``, ``poke()`` and ``resume()`` poll sooner.

Time is a :class:`FakeClock` the poller sleeps on: the tests move it and assert what the
poller did by then, never how long anything took."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from support.clock import FakeClock
from support.fake_backend import MemoryBackend
from support.messages import msg
from support.wait import wait_for

from inbox_tui.core.poller import Poller, PollState
from inbox_tui.store import Store


@contextlib.asynccontextmanager
async def running(poller: Poller, delay: float | None = None) -> AsyncIterator[Poller]:
    """``poller.start(delay)`` for the body of a ``with``, stopped however it ends."""
    poller.start(delay)
    try:
        yield poller
    finally:
        await poller.stop()


def make(store: Store, clock: FakeClock, **kw: float) -> tuple[Poller, MemoryBackend]:
    backend = MemoryBackend([msg(1, 0)])
    return Poller(store, backend, sleep=clock.sleep, **kw), backend


async def test_first_poll_waits_one_interval_by_default(store: Store) -> None:
    clock = FakeClock()
    poller, backend = make(store, clock, poll_seconds=15)
    assert poller.first_delay == 15
    async with running(poller):
        await wait_for(None, lambda: clock.sleeping == 1)
        assert clock.requested == [15]
        await clock.advance(14.9)
        assert backend.latest_calls == 0 and poller.state is PollState.RUNNING
        await clock.advance(0.1)
        await wait_for(None, lambda: poller.polls == 1)
        # Then one interval between polls.
        await wait_for(None, lambda: clock.sleeping == 1)
        assert clock.requested == [15, 15] and backend.latest_calls == 1


async def test_start_delay_zero_polls_at_once(store: Store) -> None:
    clock = FakeClock()
    poller, _ = make(store, clock, poll_seconds=30)
    async with running(poller, 0):
        await wait_for(None, lambda: poller.polls == 1 and clock.sleeping == 1)
        assert clock.now == 0 and clock.requested == [30]  # no wait before the first poll


async def test_first_delay_is_configurable(store: Store) -> None:
    clock = FakeClock()
    poller, _ = make(store, clock, poll_seconds=30, first_delay=0)
    async with running(poller):
        await wait_for(None, lambda: poller.polls == 1)
        assert clock.now == 0
    clock = FakeClock()
    poller, backend = make(store, clock, poll_seconds=30, first_delay=5)
    async with running(poller):
        await wait_for(None, lambda: clock.sleeping == 1)
        assert clock.requested == [5] and backend.latest_calls == 0
        await clock.advance(5)
        await wait_for(None, lambda: poller.polls == 1)


async def test_poke_cuts_the_first_wait_short(store: Store) -> None:
    clock = FakeClock()
    poller, backend = make(store, clock, poll_seconds=30)
    async with running(poller):
        await wait_for(None, lambda: clock.sleeping == 1)
        assert backend.latest_calls == 0
        poller.poke()
        await wait_for(None, lambda: poller.polls == 1)
        assert clock.now == 0


async def test_pause_during_the_first_wait_holds_until_resume(store: Store) -> None:
    clock = FakeClock()
    poller, backend = make(store, clock, poll_seconds=0.05)
    async with running(poller):
        await wait_for(None, lambda: clock.sleeping == 1)
        poller.pause()
        await clock.advance(3600)  # paused: no amount of time polls
        assert backend.latest_calls == 0 and poller.state is PollState.PAUSED
        poller.resume()
        await wait_for(None, lambda: poller.polls == 1)
