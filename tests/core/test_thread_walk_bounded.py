"""Walking a long thread back to its start keeps memory bounded: the live server pager
(which remembers every id it returned) is replaced by a fresh one resumed from the cache
every ``RESUME_AFTER`` messages, and the walk still returns every message exactly once,
in order (real HTTP against the demo server, a real SQLite file)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from support.messages import ids

from inbox_tui.api.auth import BearerToken
from inbox_tui.api.heymarket import HeymarketBackend
from inbox_tui.api.http import HttpSettings
from inbox_tui.compact import CompactMessage
from inbox_tui.core import sync
from inbox_tui.core.backend import MessagePager
from inbox_tui.core.sync import CachedThread, CacheMessagePager, default_pager_factory
from inbox_tui.demo.dataset import build_dataset
from inbox_tui.demo.server import DemoServer
from inbox_tui.models import Conversation, Message
from inbox_tui.store import Store

FAST = HttpSettings(
    connect_timeout=1, read_timeout=5, max_retries=0, backoff_base=0.01, backoff_max=0.02
)


class Counted:
    """A pager that counts what it returned."""

    def __init__(self, inner: MessagePager) -> None:
        self.inner = inner
        self.returned = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    async def older(self) -> list[Message]:
        batch = await self.inner.older()
        self.returned += len(batch)
        return batch


async def test_a_long_walk_resumes_fresh_pagers_and_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sync, "RESUME_AFTER", 300)
    dataset = build_dataset(7, conversations=20, big_threads=(1_300,))
    big = dataset.biggest_threads(1)[0]
    with DemoServer(dataset=dataset) as srv:
        backend = HeymarketBackend(srv.base_url, BearerToken(srv.heymarket_token), settings=FAST)
        store = await Store.open(tmp_path / "cache.sqlite3")
        try:
            conv = Conversation(
                key=f"{big.inbox_id}:+{big.contact}",
                contact="+" + big.contact,
                inbox_id=str(big.inbox_id),
                last_at=datetime.fromtimestamp(big.updated_ms / 1000).astimezone(),
            )
            factory, resumable = default_pager_factory(backend)
            assert resumable
            pagers: list[Counted] = []

            def counting(*args: object) -> MessagePager:
                pagers.append(Counted(factory(*args)))  # type: ignore[arg-type]
                return pagers[-1]  # type: ignore[return-value]

            thread = CachedThread(store, backend, conv, pager_factory=counting)
            await thread.revalidate()
            pager = CacheMessagePager(thread)
            walked: list[Message] = []
            while not pager.exhausted:
                walked = (await pager.older()) + walked
        finally:
            await store.close()
            await backend.aclose()
    expected = [str(m.id) for m in dataset.thread(big.inbox_id, big.contact)]
    assert ids(walked) == expected  # each once, oldest first
    assert all(type(m) is CompactMessage and not m.raw for m in walked)
    assert len(pagers) >= 1_300 // 300  # resumed from the cache, again and again
    # The bound plus a page or two (the first pager also served the revalidation); one
    # live pager for the whole walk would have returned all 1,300.
    assert max(p.returned for p in pagers) < 2 * 300
    assert (await _complete(tmp_path / "cache.sqlite3", conv.key)) is True


async def _complete(path: Path, key: str) -> bool:
    store = await Store.open(path)
    try:
        return (await store.thread_state(key)).complete
    finally:
        await store.close()
