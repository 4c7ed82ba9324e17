"""Every fault the demo server injects, over real loopback HTTP: recovered by retries, or
surfaced as the right typed error with the server's request id and no secret."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from inbox_tui.api.auth import BearerToken, HeymarketJWT
from inbox_tui.api.heymarket import HeymarketBackend
from inbox_tui.api.http import HttpSettings, RetryEvent
from inbox_tui.api.workspace import WorkspaceBackend
from inbox_tui.demo.dataset import build_dataset
from inbox_tui.demo.faults import FaultConfig
from inbox_tui.demo.server import DemoServer
from inbox_tui.errors import BadResponse, NetworkError, RateLimited, ServerError
from inbox_tui.filters import Filters
from inbox_tui.models import Conversation, Message


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    with DemoServer(dataset=build_dataset(7, conversations=20, big_threads=(120,))) as srv:
        yield srv


def settings(events: list[RetryEvent] | None = None, **kw: float) -> HttpSettings:
    options: dict[str, float] = {
        "connect_timeout": 1.0,
        "read_timeout": 0.4,
        "backoff_base": 0.01,
        "backoff_max": 0.05,
        "total_wait_max": 5.0,
        "max_retries": 3,
    }
    options.update(kw)
    return HttpSettings(on_retry=events.append if events is not None else None, **options)  # type: ignore[arg-type]


def heymarket(server: DemoServer, http: HttpSettings) -> HeymarketBackend:
    auth = HeymarketJWT(server.heymarket_secret_id, server.heymarket_secret_key)
    return HeymarketBackend(server.base_url, auth, settings=http)


@pytest.mark.parametrize("kind", ["429", "500", "502", "503", "stall", "drop", "truncate"])
async def test_each_fault_is_recovered_by_a_retry(server: DemoServer, kind: str) -> None:
    server.set_faults(FaultConfig(schedule=(kind, kind), retry_after=0.1, stall_seconds=1.0))
    events: list[RetryEvent] = []
    hm = heymarket(server, settings(events))
    try:
        inboxes = await hm.inboxes()
    finally:
        await hm.aclose()
        server.set_faults(FaultConfig())
    assert [i.id for i in inboxes] == [str(i.id) for i in server.dataset.inboxes]
    assert hm.stats.retries == 2 and hm.stats.requests == 3
    assert len(events) == 2
    if kind in ("429", "503"):
        assert all(e.delay == pytest.approx(0.1) for e in events)  # Retry-After honoured


async def test_retry_after_http_date_from_the_server(server: DemoServer) -> None:
    server.set_faults(FaultConfig(schedule=("429",), retry_after=1, retry_after_http_date=True))
    events: list[RetryEvent] = []
    hm = heymarket(server, settings(events))
    try:
        assert await hm.inboxes()
    finally:
        await hm.aclose()
        server.set_faults(FaultConfig())
    assert len(events) == 1 and 0.0 <= events[0].delay <= 1.0


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("429", RateLimited),
        ("500", ServerError),
        ("502", ServerError),
        ("503", ServerError),
        ("stall", NetworkError),
        ("drop", NetworkError),
        ("truncate", BadResponse),
    ],
)
async def test_persistent_fault_surfaces_as_typed_error(
    server: DemoServer, kind: str, error: type, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.set_faults(FaultConfig(rate=1.0, kinds=(kind,), retry_after=0.05, stall_seconds=1.0))
    token = server.heymarket_token
    hm = HeymarketBackend(server.base_url, BearerToken(token), settings=settings(max_retries=1))
    try:
        with pytest.raises(error) as caught:
            await hm.count(Filters())
    finally:
        await hm.aclose()
        server.set_faults(FaultConfig())
    exc = caught.value
    assert type(exc) is error
    assert exc.url == "/v1/messages/all/count"
    assert hm.stats.requests == 2
    if kind not in ("stall", "drop"):  # a response arrived: it carried a request id
        assert exc.request_id and exc.request_id in str(exc)
    if kind == "429":
        assert exc.retry_after == pytest.approx(0.05)
    for text in (str(exc), repr(exc), caplog.text):
        assert token not in text


async def test_total_wait_budget_stops_retrying_early(server: DemoServer) -> None:
    server.set_faults(FaultConfig(rate=1.0, kinds=("429",), retry_after=1.0))
    hm = heymarket(server, settings(max_retries=10, total_wait_max=0.5))
    try:
        with pytest.raises(RateLimited):
            await hm.inboxes()
    finally:
        await hm.aclose()
        server.set_faults(FaultConfig())
    assert hm.stats.requests == 1 and hm.stats.retries == 0


async def test_thread_walks_survive_random_faults(server: DemoServer) -> None:
    big = server.dataset.biggest_threads()[0]
    expected = [str(m.id) for m in server.dataset.thread(big.inbox_id, big.contact)]
    number = "+" + big.contact
    conv = Conversation(
        key=f"{big.inbox_id}:{number}",
        contact=number,
        inbox_id=str(big.inbox_id),
        last_at=datetime.now(UTC),
    )
    server.set_faults(
        FaultConfig(
            rate=0.3, kinds=("429", "500", "503", "drop", "truncate"), retry_after=0.01, seed=3
        )
    )
    hm = heymarket(server, settings(max_retries=10))
    ws = WorkspaceBackend(
        server.base_url,
        BearerToken(server.workspace_token),
        server.workspace_id,
        page_size=20,
        settings=settings(max_retries=10),
    )
    try:
        got = await drain(hm.thread(conv))
        ws_got = await drain(ws.thread(conv))
    finally:
        await hm.aclose()
        await ws.aclose()
        server.set_faults(FaultConfig())
    assert [m.id for m in got] == expected
    assert hm.stats.retries > 0 and ws.stats.retries > 0
    ws_expected = {
        m.workspace_id for m in server.dataset.workspace_messages if m.contact == big.contact
    }
    assert {m.id for m in ws_got} == ws_expected and len(ws_got) == len(ws_expected)


async def drain(pager: object) -> list[Message]:
    batches = []
    while not pager.exhausted:  # type: ignore[attr-defined]
        batches.append(await pager.older())  # type: ignore[attr-defined]
    return [m for batch in reversed(batches) for m in batch]
