"""Writes are retried only when the request carries an idempotency key (a send's
``local_id``) or provably never reached the server; close/open/read/reassign are not
repeated after a timeout or a 5xx (they may have been applied)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from inbox_tui.api.auth import BearerToken
from inbox_tui.api.heymarket import HeymarketBackend
from inbox_tui.api.http import HttpSettings
from inbox_tui.demo.dataset import build_dataset
from inbox_tui.demo.faults import FaultConfig
from inbox_tui.demo.server import DemoServer
from inbox_tui.errors import NetworkError, ServerError
from inbox_tui.models import Conversation

FAST = HttpSettings(connect_timeout=2, read_timeout=5, backoff_base=0.01, backoff_max=0.02)
SEND, CLOSE = "/v1/message/send", "/v1/conversations/close"


@pytest.fixture
def server() -> Iterator[DemoServer]:
    with DemoServer(dataset=build_dataset(3, conversations=20, big_threads=())) as srv:
        yield srv


def _conv(server: DemoServer) -> Conversation:
    c = next(c for c in server.dataset.conversations if c.contact not in server.dataset.opted_out)
    return Conversation(
        key=f"{c.inbox_id}:+{c.contact}",
        contact=c.contact,
        inbox_id=str(c.inbox_id),
        last_at=datetime.now(UTC),
    )


def _backend(server: DemoServer) -> HeymarketBackend:
    return HeymarketBackend(
        server.base_url, BearerToken(server.heymarket_token), member_id=7, settings=FAST
    )


@pytest.mark.parametrize("fault", ["502", "500", "lost", "drop"])
async def test_close_is_not_repeated_once_sent(server: DemoServer, fault: str) -> None:
    server.set_faults(FaultConfig(schedule=(fault,), paths=(CLOSE,)))
    hm = _backend(server)
    try:
        with pytest.raises((ServerError, NetworkError)):
            await hm.set_closed(_conv(server), True)
        assert server.stats.paths[CLOSE] == 1
    finally:
        await hm.aclose()


async def test_close_is_retried_after_429(server: DemoServer) -> None:
    server.set_faults(FaultConfig(schedule=("429",), paths=(CLOSE,), retry_after=0.01))
    hm = _backend(server)
    try:
        await hm.set_closed(_conv(server), True)
        assert server.stats.paths[CLOSE] == 2
    finally:
        await hm.aclose()


async def test_send_is_retried_with_the_same_local_id(server: DemoServer) -> None:
    """The answer of a committed send is lost twice: the retries carry the same local_id,
    and the server answers with the one message it made."""
    server.set_faults(FaultConfig(schedule=("lost", "lost"), paths=(SEND,)))
    hm = _backend(server)
    conv = _conv(server)
    before = len(server.dataset.thread(int(conv.inbox_id or 0), conv.contact))
    try:
        sent = await hm.send_message(conv, local_id="same-1", text="only once")
    finally:
        await hm.aclose()
    thread = server.dataset.thread(int(conv.inbox_id or 0), conv.contact)
    assert len(thread) == before + 1
    assert thread[-1].local_id == "same-1" and str(thread[-1].id) == sent.id
    assert [b["local_id"] for p, b in server.writes if p == SEND] == ["same-1"] * 3


async def test_connect_errors_are_retried_for_every_write() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if len(calls) == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json="ok")

    hm = HeymarketBackend(
        "http://127.0.0.1:9",
        BearerToken("t"),
        member_id=7,
        settings=FAST,
        transport=httpx.MockTransport(handler),
    )
    conv = Conversation(key="413:+14155550111", contact="+14155550111", inbox_id="413",
                        last_at=datetime.now(UTC))  # fmt: skip
    try:
        await hm.set_closed(conv, True)
    finally:
        await hm.aclose()
    assert calls == [CLOSE, CLOSE]


async def test_read_timeout_is_not_retried_for_close() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        raise httpx.ReadTimeout("slow", request=request)

    hm = HeymarketBackend(
        "http://127.0.0.1:9",
        BearerToken("t"),
        member_id=7,
        settings=FAST,
        transport=httpx.MockTransport(handler),
    )
    conv = Conversation(key="413:+14155550111", contact="+14155550111", inbox_id="413",
                        last_at=datetime.now(UTC))  # fmt: skip
    try:
        with pytest.raises(NetworkError):
            await hm.set_closed(conv, True)
    finally:
        await hm.aclose()
    assert calls == [CLOSE]
