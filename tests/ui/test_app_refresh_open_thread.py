"""``r`` with nothing failed refreshes the open thread in place (asks for newer messages)."""

from __future__ import annotations

from support.fake_backend import FakeBackend, make_app
from support.wait import wait_for


async def test_r_asks_the_open_thread_for_newer_messages() -> None:
    backend = FakeBackend(5)
    app = make_app(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: len(app.conversation_list._rows) > 0)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.thread.conversation is not None)
        await wait_for(pilot, lambda: any(call[0] == "older" for call in backend.calls))
        before = sum(call[0] == "thread" for call in backend.calls)
        await pilot.press("ctrl+r")  # revalidates the thread: a new walk from its newest page
        await wait_for(pilot, lambda: sum(c[0] == "thread" for c in backend.calls) > before)
