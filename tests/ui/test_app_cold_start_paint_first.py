"""A cold start (empty cache) paints the first page of the list as soon as one request
brought it: no side request (the team's names, the inbox list, the count, member names)
is awaited before it, and the cache limit waits for its timer even when the first poll
stores messages. Driven by a demo server whose answers to those requests are held."""

from __future__ import annotations

from datetime import UTC

import pytest
from support.cached_app import PROFILE, store_factory
from support.wait import settle

from inbox_tui.api.auth import BearerToken
from inbox_tui.api.heymarket import HeymarketBackend
from inbox_tui.api.http import HttpSettings
from inbox_tui.config import Profile
from inbox_tui.demo.faults import FaultConfig
from inbox_tui.demo.server import DemoServer
from inbox_tui.ui.app import InboxApp


def held(*paths: str, after: int = 0) -> FaultConfig:
    """Requests to ``paths`` are held (a stall far longer than the test, and than the
    client's read timeout) after the first ``after`` of them; the stall ends when the
    server stops."""
    return FaultConfig(
        rate=1.0, kinds=("stall",), paths=paths, schedule=(None,) * after, stall_seconds=600
    )


def app_for(server: DemoServer, **kw: object) -> InboxApp:
    backend = HeymarketBackend(
        server.base_url,
        BearerToken(server.heymarket_token),
        settings=HttpSettings(max_retries=0, read_timeout=600),
    )
    return InboxApp(backend, profile_name=PROFILE, store=store_factory(), tz=UTC, **kw)  # type: ignore[arg-type]


async def test_first_rows_paint_while_the_team_request_is_held() -> None:
    """The message walk used to wait for ``GET /v1/team`` (authors' names) before its first
    request: a slow team endpoint delayed every row."""
    with DemoServer(faults=held("/v1/team")) as server:
        app = app_for(server)
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot, lambda: len(app.conversation_list.conversations) > 0)
            assert server.stats.paths["/v1/team"] >= 1  # asked, in parallel, still held


async def test_the_first_page_of_the_walk_paints_before_the_rest_of_it() -> None:
    """One answer of the message walk is enough for the first rows: the rest of the walk
    (held here) fills the list afterwards. It used to walk 50 conversations (6 requests)
    before painting any."""
    with DemoServer(faults=held("/v1/messages/all", after=1)) as server:
        app = app_for(server)
        async with app.run_test(size=(120, 36)) as pilot:
            listed = app.conversation_list
            await settle(pilot, lambda: len(listed.conversations) > 0)
            assert 0 < len(listed.conversations) < 50
            # The list wants more rows (a screen plus a page), so the walk goes on: held.
            await settle(pilot, lambda: server.stats.paths["/v1/messages/all"] >= 2)
            assert len(listed.conversations) < 50


async def test_side_loads_wait_for_the_first_rows() -> None:
    """The inbox list (header names), the count and the member names are asked only after
    the first rows are in: held answers to them change nothing about the list."""
    with DemoServer(faults=held("/v1/inboxes", "/v1/messages/all/count")) as server:
        app = app_for(server)
        async with app.run_test(size=(120, 36)) as pilot:
            listed = app.conversation_list
            await settle(pilot, lambda: len(listed.conversations) > 0)
            await settle(pilot, lambda: server.stats.paths["/v1/inboxes"] >= 1)
            assert len(listed.conversations) > 0


async def test_the_cache_limit_waits_for_its_timer_even_after_a_poll_stored_messages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A cold start's first poll stores messages; that used to start the cache-size check
    and eviction at once, competing with the first paint."""
    from inbox_tui.core.session import Session

    calls: list[str | None] = []

    async def spy(self: Session, open_key: str | None) -> int:
        calls.append(open_key)
        return 0

    monkeypatch.setattr(Session, "enforce_limit", spy)
    with DemoServer() as server:
        app = app_for(server, settings=Profile(poll_seconds=1))
        app.enforce_delay = 3600  # the timer never fires in this test
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot, lambda: len(app.conversation_list.conversations) > 0)
            server.add_message(413, "+14155550199", "a new customer writes in")
            listed = app.conversation_list
            await settle(
                pilot, lambda: any(c.contact == "+14155550199" for c in listed.conversations)
            )
            assert calls == []  # the poll stored a message: no eviction before the timer
            worker = app.background.start_upkeep()  # the timer firing
            assert worker is not None
            await worker.wait()
            assert calls == [None]
