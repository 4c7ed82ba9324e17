"""Previews for conversations-API rows (core.previews): cache first, else one request per
conversation, at most a few in flight, never twice, and none for a row no longer wanted.
Over loopback HTTP against a demo server and a real SQLite file."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from inbox_tui.api.auth import BearerToken
from inbox_tui.api.heymarket import HeymarketBackend
from inbox_tui.api.http import HttpSettings
from inbox_tui.core.previews import PreviewSource
from inbox_tui.demo.dataset import build_dataset
from inbox_tui.demo.server import DemoServer
from inbox_tui.filters import Filters
from inbox_tui.store import Store

THREAD = "/v1/messages"


@pytest.fixture
def server() -> Iterator[DemoServer]:
    with DemoServer(dataset=build_dataset(7, conversations=20, big_threads=()), latency=0.05) as s:
        yield s


@pytest.fixture
async def backend(server: DemoServer) -> AsyncIterator[HeymarketBackend]:
    hm = HeymarketBackend(
        server.base_url,
        BearerToken(server.heymarket_token),
        member_id=7,
        settings=HttpSettings(max_retries=0),
    )
    yield hm
    await hm.aclose()


def count_in_flight(backend: HeymarketBackend) -> list[int]:
    """[now, most] GET requests in flight (wraps the client's get_json)."""
    seen = [0, 0]
    original = backend.client.get_json

    async def get_json(*args: Any, **kw: Any) -> Any:
        seen[0] += 1
        seen[1] = max(seen)
        try:
            return await original(*args, **kw)
        finally:
            seen[0] -= 1

    backend.client.get_json = get_json  # type: ignore[method-assign]
    return seen


async def test_latest_messages_at_most_four_at_a_time_and_once_each(
    server: DemoServer, backend: HeymarketBackend, tmp_path: Path
) -> None:
    rows = await backend.conversations(Filters(), None).next_page()
    assert len(rows) >= 12 and all(r.last_message is None for r in rows)
    await backend.team_members()  # fetched once by the parser anyway; not counted below
    seen = count_in_flight(backend)
    server.reset_stats()
    async with await Store.open(tmp_path / "c.sqlite3") as store:
        source = PreviewSource(store, backend)
        got = await asyncio.gather(*(source.latest(r) for r in rows[:12]))
        assert seen[1] <= 4 and seen[1] >= 2  # bounded, and concurrent
        assert server.stats.paths[THREAD] == 12 == source.requests
        by_contact = {"+" + c.contact: c for c in server.dataset.conversations}
        for row, message in zip(rows[:12], got, strict=True):
            newest = server.dataset.thread_before(by_contact[row.contact], None)[-1]
            assert message is not None and message.body == newest.text
        # Again: from the cache, no request.
        again = await asyncio.gather(*(source.latest(r) for r in rows[:12]))
        assert [m.id for m in again if m] == [m.id for m in got if m]
        assert server.stats.paths[THREAD] == 12
        # The store now holds the conversation's preview for the list (and its thread).
        cached = await store.get_conversations([rows[0].key])
        assert cached and cached[0].last_message is not None


async def test_a_row_no_longer_wanted_is_not_asked_and_offline_asks_nothing(
    server: DemoServer, backend: HeymarketBackend, tmp_path: Path
) -> None:
    rows = await backend.conversations(Filters(), None).next_page()
    server.reset_stats()
    async with await Store.open(tmp_path / "c.sqlite3") as store:
        source = PreviewSource(store, backend)
        assert await source.latest(rows[0], lambda: False) is None
        assert await PreviewSource(store, None).latest(rows[1]) is None
        assert server.stats.paths.get(THREAD, 0) == 0
        assert await source.latest(rows[0]) is not None  # wanted again later: asked then
        assert server.stats.paths[THREAD] == 1
