"""A warm start never waits for the network: cached rows paint while a server holds every
answer, and with the server down the cached inbox stays usable, marked offline since when,
and comes back by itself when the server answers again."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from support.cached_app import PROFILE, store_factory
from support.holding_server import HoldingProxy
from support.wait import settle

from inbox_tui.api.auth import BearerToken
from inbox_tui.api.heymarket import HeymarketBackend
from inbox_tui.api.http import HttpSettings
from inbox_tui.config import Profile
from inbox_tui.demo.dataset import build_dataset
from inbox_tui.demo.server import DemoServer
from inbox_tui.ui.app import InboxApp
from inbox_tui.ui.widgets.status_bar import Connection

NOON = datetime(2026, 3, 4, 12, 34, tzinfo=UTC)


def small_server() -> DemoServer:
    """An account with fewer conversations than a page: the cached list is a short page."""
    return DemoServer(dataset=build_dataset(7, conversations=20, big_threads=()))


def app_at(base_url: str, token: str, **kw: object) -> InboxApp:
    backend = HeymarketBackend(base_url, BearerToken(token), settings=HttpSettings(max_retries=0))
    return InboxApp(backend, profile_name=PROFILE, store=store_factory(), tz=UTC, **kw)  # type: ignore[arg-type]


async def fill_cache(server: DemoServer) -> list[str]:
    app = app_at(server.base_url, server.heymarket_token)
    async with app.run_test(size=(120, 36)) as pilot:
        listed = app.conversation_list
        await settle(pilot, lambda: listed.exhausted and len(listed.conversations) >= 10)
        await settle(pilot, lambda: app.header.cache_note == "")
        keys = [c.key for c in listed.conversations]
        await pilot.press("q")
    assert 10 <= len(keys) < 50
    return keys


async def test_warm_start_paints_cached_rows_before_any_response() -> None:
    with small_server() as server:
        keys = await fill_cache(server)
        async with HoldingProxy((server.host, server.port)) as proxy:
            app = app_at(proxy.base_url, server.heymarket_token)
            async with app.run_test(size=(120, 36)) as pilot:
                listed = app.conversation_list
                await settle(pilot, lambda: len(listed.conversations) == len(keys))
                assert [c.key for c in listed.conversations] == keys
                assert proxy.answered == 0  # every request is still held
                proxy.release()
                await settle(pilot, lambda: proxy.answered > 0 and app.header.cache_note == "")
                assert app.header.state is Connection.CONNECTED


async def test_server_down_leaves_the_cached_inbox_usable_offline_since_then() -> None:
    with small_server() as server:
        keys = await fill_cache(server)
        url, token = server.base_url, server.heymarket_token
    # The server is gone: every request is refused.
    settings = Profile(poll_seconds=5)
    app = app_at(url, token, settings=settings, clock=lambda: NOON)
    async with app.run_test(size=(120, 36)) as pilot:
        listed = app.conversation_list
        await settle(pilot, lambda: len(listed.conversations) == len(keys))
        await settle(pilot, lambda: app.header.state is Connection.OFFLINE)
        assert app.header.detail.startswith("offline since 12:34")
        assert [c.key for c in listed.conversations] == keys
        await pilot.press("enter")  # the cached thread opens
        await settle(pilot, lambda: len(app.thread.messages) > 0)
        poller = app.session.poller
        assert poller is not None and poller.state.value != "paused"  # it keeps probing


async def test_without_a_member_id_the_conversations_api_is_never_asked() -> None:
    """``POST /v1/conversations`` requires a member id: without one the list comes from the
    message walk and the endpoint is not asked (it used to be, on every start, and refused).
    (With a member id it is the primary list: see tests/api/test_heymarket_write_bodies.py.)"""
    with small_server() as server:
        await fill_cache(server)
        await fill_cache(server)
        assert server.stats.paths["/v1/conversations"] == 0
        assert server.stats.paths["/v1/messages/all"] >= 1  # the list itself came


async def test_the_cache_limit_waits_for_its_timer_not_the_first_list_load(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from inbox_tui.core.session import Session

    calls: list[str | None] = []

    async def spy(self: Session, open_key: str | None) -> int:
        calls.append(open_key)
        return 0

    monkeypatch.setattr(Session, "enforce_limit", spy)
    with small_server() as server:
        await fill_cache(server)
        app = app_at(server.base_url, server.heymarket_token)
        app.enforce_delay = 3600  # the timer never fires in this test
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot, lambda: len(app.conversation_list.conversations) >= 10)
            await settle(pilot, lambda: app.header.cache_note == "")  # revalidated
            await pilot.pause(0.2)
            assert calls == []


async def test_back_online_by_itself_when_the_server_answers_again() -> None:
    with small_server() as server:
        keys = await fill_cache(server)
        async with HoldingProxy((server.host, server.port)) as proxy:
            proxy.release()
            proxy.refusing = True  # down
            app = app_at(proxy.base_url, server.heymarket_token, settings=Profile(poll_seconds=1))
            async with app.run_test(size=(120, 36)) as pilot:
                await settle(pilot, lambda: len(app.conversation_list.conversations) == len(keys))
                await settle(pilot, lambda: app.header.state is Connection.OFFLINE)
                assert app.header.detail.startswith("offline since ")
                proxy.refusing = False  # back up: no key pressed, the poller finds out
                await settle(pilot, lambda: app.header.state is Connection.CONNECTED, timeout=30)
                assert app.background.offline_since is None
                assert not app.banner.showing
