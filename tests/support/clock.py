"""A fake clock for code that takes a ``sleep`` function: time passes only when the test
says so, so tests assert "after X seconds" without waiting or measuring wall time."""

from __future__ import annotations

import asyncio


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.requested: list[float] = []  # every delay asked of :meth:`sleep`, in order
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    async def sleep(self, seconds: float) -> None:
        """Return once :meth:`advance` has moved :attr:`now` ``seconds`` further."""
        self.requested.append(seconds)
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (self.now + seconds, waiter)
        self._sleepers.append(entry)
        try:
            await waiter
        finally:
            self._sleepers.remove(entry)

    @property
    def sleeping(self) -> int:
        """How many sleeps are waiting for time to pass."""
        return sum(not waiter.done() for _, waiter in self._sleepers)

    async def advance(self, seconds: float) -> None:
        """Move time on, wake every sleep that is due, and let the woken code run."""
        self.now += seconds
        for deadline, waiter in list(self._sleepers):
            if deadline <= self.now and not waiter.done():
                waiter.set_result(None)
        for _ in range(5):
            await asyncio.sleep(0)
