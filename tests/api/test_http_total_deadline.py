"""A total deadline per request (issue 10 item 5): httpx's timeouts apply per read, so a body
dripping one byte at a time never tripped them. Over loopback with the demo's ``drip``
fault."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from inbox_tui.api.auth import BearerToken
from inbox_tui.api.heymarket import HeymarketBackend
from inbox_tui.api.http import HttpSettings, RetryEvent
from inbox_tui.demo.faults import FaultConfig
from inbox_tui.demo.server import DemoServer
from inbox_tui.errors import NetworkError

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer() as server:
        yield server


def backend(server: DemoServer, **settings: object) -> HeymarketBackend:
    base = {"read_timeout": 1.0, "total_timeout": 0.6, "backoff_base": 0.01, "backoff_max": 0.02}
    return HeymarketBackend(
        server.base_url,
        BearerToken(server.heymarket_token),
        settings=HttpSettings(**{**base, **settings}),  # type: ignore[arg-type]
    )


def test_deadline_defaults_to_thirty_seconds_or_three_read_timeouts() -> None:
    assert HttpSettings(read_timeout=15.0).deadline == 50.0
    assert HttpSettings(read_timeout=2.0, connect_timeout=1.0).deadline == 30.0
    assert HttpSettings(total_timeout=4.0).deadline == 4.0


async def test_a_dripping_body_fails_with_a_network_error_after_the_deadline(
    server: DemoServer,
) -> None:
    """Each byte comes well within the read timeout (0.2 s < 1 s); the body never ends."""
    server.set_faults(FaultConfig(rate=1.0, kinds=("drip",), drip_seconds=0.2))
    server.reset_stats()
    client = backend(server, max_retries=1)
    try:
        with pytest.raises(NetworkError, match=r"no complete response .* within 0\.6 s"):
            await client.inboxes()
    finally:
        await client.aclose()
        server.set_faults(FaultConfig())
    assert server.stats.snapshot()["faults"] == {"drip": 2}  # the attempt and one retry


async def test_a_drip_is_retried_and_the_next_answer_is_used(server: DemoServer) -> None:
    server.set_faults(FaultConfig(schedule=("drip",), drip_seconds=0.2))
    events: list[RetryEvent] = []
    client = backend(server, on_retry=events.append)
    try:
        inboxes = await client.inboxes()
    finally:
        await client.aclose()
        server.set_faults(FaultConfig())
    assert [i.id for i in inboxes] == [str(i.id) for i in server.dataset.inboxes]
    assert [e.reason for e in events] == ["deadline"]


async def test_a_slow_but_complete_drip_within_the_deadline_is_fine(server: DemoServer) -> None:
    server.set_faults(FaultConfig(schedule=("drip",), drip_seconds=0.0))
    client = backend(server, total_timeout=20.0)
    try:
        inboxes = await client.inboxes()
    finally:
        await client.aclose()
        server.set_faults(FaultConfig())
    assert inboxes
    assert client.stats.retries == 0
