"""The app over a cache it cannot write (issue 10 items 1 and 14): the store's one-line
notice is shown as a warning and the conversation list still comes from the server."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from support.cache_files import exclusive, unwritable, v1_cache_file
from support.fake_backend import FakeBackend
from support.wait import wait_for

from inbox_tui.api.auth import BearerToken
from inbox_tui.api.heymarket import HeymarketBackend
from inbox_tui.store import Store
from inbox_tui.store.store import profile_path
from inbox_tui.ui.app import InboxApp


async def test_read_only_cache_is_announced_and_the_server_still_fills_the_list(
    demo_server: Any,
) -> None:
    path = profile_path("ro")
    path.parent.mkdir(parents=True)
    async with await Store.open(path):
        pass
    before = os.stat(path).st_size

    async def open_store() -> Store:
        return await Store.open_profile("ro")

    backend = HeymarketBackend(demo_server.base_url, BearerToken(demo_server.heymarket_token))
    app = InboxApp(backend, profile_name="ro", store=open_store)
    with unwritable(path):
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_for(pilot, lambda: len(app.conversation_list.conversations) >= 5, 30)
            messages = [str(n.message) for n in app._notifications]
            assert any("read-only" in m and "not saved" in m for m in messages), messages
            assert app.session.store.mode == "read-only"
            await pilot.press("q")
    assert os.stat(path).st_size == before and not list(Path(path.parent).glob("*.corrupt-*"))


async def test_a_cache_held_by_another_instance_is_announced_then_opened() -> None:
    """Another inbox-tui holds the file (as while it migrates a big cache): the app says it
    is waiting, and once the lock is released it opens the real cache (not a copy)."""
    path = profile_path("default")
    path.parent.mkdir(parents=True)
    v1_cache_file(path)  # opening it must migrate: that needs the write lock

    async def open_store() -> Store:
        return await Store.open_profile("default")

    app = InboxApp(FakeBackend(3), store=open_store)
    with exclusive(path) as holder:
        # Released from another thread: the app waits for its cache before its first frame.
        release = threading.Timer(
            1.5, lambda: (holder.execute("ROLLBACK"), holder.execute("BEGIN"))
        )
        release.start()
        try:
            async with app.run_test(size=(120, 36)) as pilot:
                waiting = [
                    n for n in app._notifications if "Waiting for the cache" in str(n.message)
                ]
                assert waiting, [str(n.message) for n in app._notifications]
                await wait_for(pilot, lambda: bool(app.conversation_list.conversations))
                assert app.session.store.mode == "normal"
                assert app.session.store.path == path
        finally:
            release.join()
