"""The one "wait until" helper of the test suite.

Waits are bounded in wall-clock time only so that a broken condition fails instead of
hanging; the bound is generous (a loaded 2-core CI machine can be many times slower) and
never asserts how long anything took."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

DEFAULT_TIMEOUT = 30.0


async def wait_for(
    pilot: Any,
    condition: Callable[[], object],
    timeout: float = DEFAULT_TIMEOUT,
    *,
    message: str | None = None,
) -> None:
    """Return once ``condition()`` is true (at once if it already is); fail the test after
    ``timeout`` seconds.

    With a Textual ``pilot`` each round is ``pilot.pause(0.01)`` (the app runs its messages
    and workers); with ``pilot=None`` (no app) a short ``asyncio.sleep``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(message or f"timed out waiting for {condition}")
        if pilot is not None:
            await pilot.pause(0.01)
        else:
            await asyncio.sleep(0.005)


async def settle(
    pilot: Any, condition: Callable[[], object], timeout: float = DEFAULT_TIMEOUT
) -> None:
    """One pause first (so a key just pressed takes effect), then :func:`wait_for`.

    Kept apart from ``wait_for``: tests that hold a fake backend's calls with permits
    depend on ``wait_for`` returning at once when the condition already holds."""
    await pilot.pause(0.01)
    await wait_for(pilot, condition, timeout)
