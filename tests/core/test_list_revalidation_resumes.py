"""A list revalidation that failed part-way resumes where it stopped: the retry asks for
the page that failed (same cursor), not the newest page again, and the list it leaves in
the cache is the one an uninterrupted walk gives (no row lost, none skipped)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from support.recording import Recording

from inbox_tui.api.auth import BearerToken
from inbox_tui.api.heymarket import HeymarketBackend
from inbox_tui.api.http import HttpSettings
from inbox_tui.core.sync import CachedConversations
from inbox_tui.demo.faults import FaultConfig
from inbox_tui.demo.server import DemoServer
from inbox_tui.errors import ApiError
from inbox_tui.store import Store

WALK = "/v1/messages/all"


def backend(
    server: DemoServer, transport: httpx.AsyncBaseTransport | None = None
) -> HeymarketBackend:
    return HeymarketBackend(
        server.base_url,
        BearerToken(server.heymarket_token),
        settings=HttpSettings(max_retries=0),
        transport=transport,
    )


async def test_a_failed_revalidation_resumes_at_the_page_that_failed(
    store: Store, tmp_path: Path
) -> None:
    # The third request of the walk fails (500, not retried); the rest are answered.
    with DemoServer(faults=FaultConfig(schedule=(None, None, "500"), paths=(WALK,))) as server:
        recording = Recording(WALK)
        convs = CachedConversations(store, backend(server, recording))
        with pytest.raises(ApiError):
            await convs.revalidate()
        assert len(recording.bodies) == 3
        changes = await convs.revalidate()  # the retry
        resumed = recording.bodies[3]
        assert resumed == recording.bodies[2]  # the page that failed, asked again
        assert resumed["created_at"] != recording.bodies[0]["created_at"]  # not the top
        assert len(changes.new_keys) >= 50  # what pages 1-2 found is reported too
        got = [c.key for c in await convs.cached(limit=50)]

        reference_store = await Store.open(tmp_path / "reference.sqlite3")
        try:
            reference = CachedConversations(reference_store, backend(server))
            await reference.revalidate()
            want = [c.key for c in await reference.cached(limit=50)]
        finally:
            await reference_store.close()
    assert got == want
