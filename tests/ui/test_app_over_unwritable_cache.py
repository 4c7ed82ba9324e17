"""The app over a cache it cannot write (issue 10 items 1 and 14): the store's one-line
notice is shown as a warning and the conversation list still comes from the server."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from support.cache_files import unwritable
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
