"""``inbox-tui export`` of a thread the cache holds back to its beginning: only what is newer
than the cache is asked of the server (real HTTP, a real cache file), the output is the
server's whole thread; ``--fresh``, an incomplete cache and server-side filters walk the
server as before."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest

from inbox_tui.api.auth import BearerToken
from inbox_tui.api.heymarket import HeymarketBackend
from inbox_tui.cli.main import main
from inbox_tui.cli.target import COMMAND_LINE, cache_account
from inbox_tui.config import Profile
from inbox_tui.core.export import conversation_for
from inbox_tui.core.sync import CachedThread
from inbox_tui.demo.dataset import build_dataset
from inbox_tui.demo.server import DemoServer
from inbox_tui.models import Conversation
from inbox_tui.store import Store

SIZE = 600  # twelve pages of 50


@pytest.fixture
def server() -> Iterator[DemoServer]:
    with DemoServer(dataset=build_dataset(5, conversations=20, big_threads=(SIZE,))) as running:
        yield running


def big(server: DemoServer) -> Any:
    return server.dataset.biggest_threads(1)[0]


def conversation(server: DemoServer) -> Conversation:
    conv = big(server)
    return conversation_for(conv.contact_e164, str(conv.inbox_id))  # as the CLI names it


async def cache_the_thread(server: DemoServer, *, whole: bool) -> None:
    """What the app does when the thread is opened (and, ``whole``, walked to the top)."""
    profile = Profile(backend="heymarket", base_url=server.base_url)
    store = await Store.open_profile(COMMAND_LINE, account=cache_account(profile))
    backend = HeymarketBackend(server.base_url, BearerToken(server.heymarket_token))
    try:
        thread = CachedThread(store, backend, conversation(server), page_size=200)
        await thread.revalidate()
        cursor = None
        while whole and not (page := await thread.older(cursor)).complete:
            cursor = page.cursor
    finally:
        await backend.aclose()
        await store.close()


def export(
    server: DemoServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *extra: str,
) -> tuple[list[str], int]:
    """The exported ids and the thread requests (GET /v1/messages) it took."""
    monkeypatch.setenv("INBOX_TUI_TOKEN", server.heymarket_token)
    conv = big(server)
    server.reset_stats()
    argv = ["export", "--backend", "heymarket", "--base-url", server.base_url]
    argv += ["--contact", conv.contact_e164, "--inbox", str(conv.inbox_id), *extra]
    status = main(argv)
    out, err = capsys.readouterr()
    assert status == 0, err
    return [json.loads(line)["id"] for line in out.splitlines()], server.stats.paths["/v1/messages"]


def server_ids(server: DemoServer) -> list[str]:
    conv = big(server)
    return [str(m.id) for m in server.dataset.thread(conv.inbox_id, conv.contact)]


def test_a_cached_thread_asks_the_server_only_for_what_is_newer(
    server: DemoServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    asyncio.run(cache_the_thread(server, whole=True))
    conv = big(server)
    server.dataset.add_message(conv.inbox_id, conv.contact, "arrived after the cache")
    ids, requests = export(server, capsys, monkeypatch)
    assert ids == server_ids(server) and len(ids) == SIZE + 1
    assert requests <= 3  # finding the thread, then the top until it meets the cache
    fresh_ids, fresh_requests = export(server, capsys, monkeypatch, "--fresh")
    assert fresh_ids == ids
    assert fresh_requests >= SIZE // 50


def test_a_cache_without_the_beginning_walks_the_server(
    server: DemoServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    asyncio.run(cache_the_thread(server, whole=False))
    ids, requests = export(server, capsys, monkeypatch)
    assert ids == server_ids(server)
    assert requests >= SIZE // 50


def test_a_local_filter_is_applied_to_the_cached_part(
    server: DemoServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    asyncio.run(cache_the_thread(server, whole=True))
    ids, requests = export(server, capsys, monkeypatch, "--direction", "inbound")
    conv = big(server)
    thread = server.dataset.thread(conv.inbox_id, conv.contact)
    assert ids == [str(m.id) for m in thread if m.direction == "inbound"]
    assert requests <= 3
