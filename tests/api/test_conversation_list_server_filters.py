"""Open / Closed views and the unread flag reach heymarket's conversation list as the
documented server filters (``filters.closed`` / ``filters.unread`` of
``POST /v1/conversations``, /work/shared/api/heymarket.md), checked on the bodies sent over
loopback to the demo server, which returns just the matching rows."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from support.recording import Recording

from inbox_tui.api.auth import BearerToken
from inbox_tui.api.heymarket import HeymarketBackend
from inbox_tui.api.http import HttpSettings
from inbox_tui.core.session import Session
from inbox_tui.demo.dataset import build_dataset
from inbox_tui.demo.server import DemoServer
from inbox_tui.filters import Filters

FAST = HttpSettings(connect_timeout=2, read_timeout=5, backoff_base=0.01, backoff_max=0.05)
ME = 7  # the demo member, in every demo inbox


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(dataset=build_dataset(7, conversations=60, big_threads=())) as srv:
        yield srv


@pytest.fixture
def wire() -> Recording:
    return Recording("/v1/conversations")


@pytest.fixture
async def backend(server: DemoServer, wire: Recording) -> AsyncIterator[HeymarketBackend]:
    hm = HeymarketBackend(
        server.base_url,
        BearerToken(server.heymarket_token),
        member_id=ME,
        settings=FAST,
        transport=wire,
    )
    yield hm
    await hm.aclose()


async def everything(pager: Any) -> list[Any]:
    rows: list[Any] = []
    while not pager.exhausted:
        rows.extend(await pager.next_page())
    return rows


@pytest.mark.parametrize("closed", [False, True])
async def test_the_open_and_closed_views_are_server_filters(
    backend: HeymarketBackend, wire: Recording, closed: bool
) -> None:
    session = Session(backend)
    await session.open()
    session.view_closed = closed
    assert not session.list_is_cached  # the server is asked, not the cached page filtered
    source = session.direct_list()
    assert "closed" not in source.local_fields  # labelled as the server's
    rows = await everything(source.pager)
    assert wire.bodies
    for body in wire.bodies:
        assert body["id"] == ME
        assert body["filters"]["closed"] is closed  # a JSON boolean, as documented
        assert "unread" not in body["filters"]
        assert isinstance(body["filters"]["inboxes"], list)
    assert rows and all(row.is_closed == closed for row in rows)
    await session.close()


async def test_the_unread_flag_is_the_unread_server_filter(
    backend: HeymarketBackend, wire: Recording
) -> None:
    session = Session(backend)
    await session.open()
    session.filters = Filters(unread_only=True)
    source = session.direct_list()
    assert "unread_only" not in source.local_fields
    rows = await everything(source.pager)
    assert [body["filters"].get("unread") for body in wire.bodies] == [True] * len(wire.bodies)
    assert all("closed" not in body["filters"] for body in wire.bodies)
    assert rows and all(row.unread for row in rows)
    await session.close()


async def test_the_demo_server_applies_the_filters_as_documented(
    backend: HeymarketBackend,
) -> None:
    everyone = await everything(backend.conversations(Filters()))
    opened = await everything(backend.conversations(Filters(closed=False)))
    closed = await everything(backend.conversations(Filters(closed=True)))
    unread = await everything(backend.conversations(Filters(unread_only=True)))
    assert {c.key for c in opened} | {c.key for c in closed} == {c.key for c in everyone}
    assert not {c.key for c in opened} & {c.key for c in closed}
    assert closed and opened
    assert {c.key for c in unread} == {c.key for c in everyone if c.unread}


async def test_without_a_member_id_the_walk_applies_them_here(server: DemoServer) -> None:
    """The team-wide message walk (no member id) cannot ask the server: the list applies
    closed / unread to the rows itself, and says they are local."""
    backend = HeymarketBackend(server.base_url, BearerToken(server.heymarket_token), settings=FAST)
    session = Session(backend)
    await session.open()
    session.view_closed = True
    source = session.direct_list()
    assert "closed" in source.local_fields
    assert source.local.closed is True
    await session.close()
