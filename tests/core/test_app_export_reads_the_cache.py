"""The app's ``e`` (``export_conversation`` with the session's store): a thread the cache
holds back to its beginning costs the server only the part newer than the cache, and the
file is the server's whole thread (real HTTP, a real SQLite file)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from inbox_tui.api.auth import BearerToken
from inbox_tui.api.heymarket import HeymarketBackend
from inbox_tui.core.export import conversation_for, export_conversation
from inbox_tui.core.sync import CachedThread
from inbox_tui.demo.dataset import build_dataset
from inbox_tui.demo.server import DemoServer
from inbox_tui.store import Store

SIZE = 400


@pytest.fixture
async def server() -> AsyncIterator[DemoServer]:
    with DemoServer(dataset=build_dataset(5, conversations=20, big_threads=(SIZE,))) as running:
        yield running


async def test_e_reads_a_whole_cached_thread_from_the_cache(
    server: DemoServer, store: Store, tmp_path: Path
) -> None:
    conv = server.dataset.biggest_threads(1)[0]
    conversation = conversation_for(conv.contact_e164, str(conv.inbox_id))
    backend = HeymarketBackend(server.base_url, BearerToken(server.heymarket_token))
    try:
        thread = CachedThread(store, backend, conversation, page_size=200)
        cursor = None
        while not (page := await thread.older(cursor)).complete:  # the app's g
            cursor = page.cursor
        server.dataset.add_message(conv.inbox_id, conv.contact, "newer than the cache")
        server.reset_stats()
        target = tmp_path / "thread.jsonl"
        written = await export_conversation(backend, conversation, target, "jsonl", store=store)
        cached_requests = server.stats.paths["/v1/messages"]
        server.reset_stats()
        again = tmp_path / "fresh.jsonl"
        await export_conversation(backend, conversation, again, "jsonl")  # no store: server
        fresh_requests = server.stats.paths["/v1/messages"]
    finally:
        await backend.aclose()
    ids = [json.loads(line)["id"] for line in target.read_text().splitlines()]
    expected = [str(m.id) for m in server.dataset.thread(conv.inbox_id, conv.contact)]
    assert ids == expected and written == SIZE + 1
    assert target.read_text() == again.read_text()
    assert cached_requests <= 2 < SIZE // 50 <= fresh_requests
