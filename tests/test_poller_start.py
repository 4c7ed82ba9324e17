"""The poller's first poll waits (one interval by default) so that it does not race the
app's first page requests; ``start(delay=0)``, ``poke()`` and ``resume()`` poll sooner."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from test_store_support import msg
from test_sync import MemoryBackend

from inbox_tui.core.poller import Poller, PollState
from inbox_tui.store import Store


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.open(tmp_path / "poller.sqlite3")
    yield s
    await s.close()


async def _until(predicate: Callable[[], bool], timeout: float = 5.0) -> float:
    """Wait for ``predicate``; return how long it took."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while not predicate():
        if loop.time() - started > timeout:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.005)
    return loop.time() - started


@contextlib.asynccontextmanager
async def running(poller: Poller, delay: float | None = None) -> AsyncIterator[Poller]:
    """``poller.start(delay)`` for the body of a ``with``, stopped however it ends."""
    poller.start(delay)
    try:
        yield poller
    finally:
        await poller.stop()


async def test_first_poll_waits_one_interval_by_default(store: Store) -> None:
    backend = MemoryBackend([msg(1, 0)])
    poller = Poller(store, backend, poll_seconds=0.4)
    assert poller.first_delay == 0.4
    async with running(poller):
        await asyncio.sleep(0.2)
        assert backend.latest_calls == 0 and poller.state is PollState.RUNNING
        await _until(lambda: poller.polls >= 1)


async def test_start_delay_zero_polls_at_once(store: Store) -> None:
    backend = MemoryBackend([msg(1, 0)])
    poller = Poller(store, backend, poll_seconds=30)
    async with running(poller, 0):
        assert await _until(lambda: poller.polls >= 1) < 2


async def test_first_delay_is_configurable(store: Store) -> None:
    backend = MemoryBackend([msg(1, 0)])
    poller = Poller(store, backend, poll_seconds=30, first_delay=0)
    async with running(poller):
        assert await _until(lambda: poller.polls >= 1) < 2


async def test_poke_cuts_the_first_wait_short(store: Store) -> None:
    backend = MemoryBackend([msg(1, 0)])
    poller = Poller(store, backend, poll_seconds=30)
    async with running(poller):
        await asyncio.sleep(0.05)
        assert backend.latest_calls == 0
        poller.poke()
        assert await _until(lambda: poller.polls >= 1) < 2


async def test_pause_during_the_first_wait_holds_until_resume(store: Store) -> None:
    backend = MemoryBackend([msg(1, 0)])
    poller = Poller(store, backend, poll_seconds=0.05)
    async with running(poller):
        poller.pause()
        await asyncio.sleep(0.2)
        assert backend.latest_calls == 0 and poller.state is PollState.PAUSED
        poller.resume()
        await _until(lambda: poller.polls >= 1)
