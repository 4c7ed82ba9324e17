"""The conversations API's first request needs the inbox ids (its required body field):
the session fetches them while the cache is still opening, and the list then shares that
answer instead of asking again (at start the member roster and the header ask too)."""

from __future__ import annotations

import asyncio

from support.wait import wait_for

from inbox_tui.api.auth import BearerToken
from inbox_tui.api.heymarket import HeymarketBackend
from inbox_tui.cli.connect import DEMO_MEMBER_ID
from inbox_tui.core.session import Session
from inbox_tui.demo.server import DemoServer
from inbox_tui.store import Store


async def test_inbox_ids_are_fetched_while_the_cache_opens(server: DemoServer) -> None:
    gate = asyncio.Event()

    async def slow_open() -> Store:
        await gate.wait()  # the cache is still opening
        return await Store.memory()

    backend = HeymarketBackend(
        server.base_url, BearerToken(server.heymarket_token), member_id=DEMO_MEMBER_ID
    )
    session = Session(backend, store=slow_open)
    opening = asyncio.create_task(session.open())
    try:
        await wait_for(None, lambda: server.stats.paths["/v1/inboxes"] == 1)
        assert not opening.done()
        gate.set()
        await opening
        rows = await session.cached_list().pager.next_page()  # an empty cache: the server
        assert rows
        assert server.stats.paths["/v1/conversations"] == 1
        assert server.stats.paths["/v1/inboxes"] == 1  # shared, not asked again
        assert [inbox.id for inbox in await session.load_inboxes()]
        assert server.stats.paths["/v1/inboxes"] == 1  # the header's names: reused too
    finally:
        gate.set()
        await opening
        await session.close()
