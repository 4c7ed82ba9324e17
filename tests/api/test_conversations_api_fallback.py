"""With a member id the conversation list is ``POST /v1/conversations``; a server without
that endpoint (404, 405, 501, or a 400 saying it is unknown) falls back to the team-wide
message walk, which every heymarket server has. Errors of the request (401, 5xx, a 404 about
the member) are errors, never a silent switch. Over loopback, against the demo server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from inbox_tui.api.auth import BearerToken
from inbox_tui.api.heymarket import ENRICHMENT, HeymarketBackend, HeymarketConversations
from inbox_tui.api.heymarket_conversations import ConversationList, endpoint_missing
from inbox_tui.api.http import HttpSettings
from inbox_tui.demo.dataset import build_dataset
from inbox_tui.demo.faults import FaultConfig
from inbox_tui.demo.server import DemoServer
from inbox_tui.errors import ApiError, AuthError, NotFound, ServerError
from inbox_tui.filters import Filters

FAST = HttpSettings(max_retries=0, connect_timeout=2, read_timeout=5)
ME = 7  # the demo member
LIST = "/v1/conversations"
WALK = "/v1/messages/all"


@pytest.fixture
def server() -> Iterator[DemoServer]:
    with DemoServer(dataset=build_dataset(7, conversations=30, big_threads=())) as srv:
        yield srv


def backend_of(server: DemoServer, *, member_id: int | None = ME, token: str | None = None):
    token = token or server.heymarket_token
    return HeymarketBackend(server.base_url, BearerToken(token), member_id=member_id, settings=FAST)


@pytest.mark.parametrize("status", [404, 405, 400, 501])
async def test_a_server_without_the_endpoint_lists_from_the_message_walk(
    server: DemoServer, status: int
) -> None:
    expected = [c for c in server.dataset.conversations]
    server.set_faults(FaultConfig(missing=(LIST,), missing_status=status))
    hm = backend_of(server)
    try:
        pager = hm.conversations(Filters(), None)
        rows = await pager.next_page()
        assert isinstance(pager, ConversationList)
        assert isinstance(pager.replaced_by, HeymarketConversations)
        assert rows and {c.contact for c in rows} <= {"+" + c.contact for c in expected}
        assert server.stats.paths[LIST] == 1 and server.stats.paths[WALK] >= 1
        assert hm.missing_endpoints() == {ENRICHMENT}
        assert f"HTTP {status}" in hm.describe_missing(ENRICHMENT)
        # The rest of the run walks the messages without asking again.
        again = hm.conversations(Filters(), None)
        assert isinstance(again, HeymarketConversations)
        await again.next_page()
        assert server.stats.paths[LIST] == 1
    finally:
        await hm.aclose()


async def test_remembered_missing_endpoint_is_not_asked(server: DemoServer) -> None:
    hm = backend_of(server)
    try:
        hm.assume_missing(frozenset({ENRICHMENT}))
        assert await hm.conversations(Filters(), None).next_page()
        assert await hm.conversations(Filters(text="order")).next_page() is not None
        assert server.stats.paths.get(LIST, 0) == 0
        assert hm.missing_endpoints() == frozenset()  # nothing new found this run
    finally:
        await hm.aclose()


async def test_a_500_is_an_error_not_a_missing_endpoint_and_the_next_try_recovers(
    server: DemoServer,
) -> None:
    server.set_faults(FaultConfig(schedule=("500",), paths=(LIST,)))
    hm = backend_of(server)
    try:
        with pytest.raises(ServerError):
            await hm.conversations(Filters(), None).next_page()
        assert server.stats.paths.get(WALK, 0) == 0  # no fallback
        assert hm.missing_endpoints() == frozenset()
        pager = hm.conversations(Filters(), None)
        assert await pager.next_page()
        assert pager.replaced_by is None and server.stats.paths[LIST] == 2
    finally:
        await hm.aclose()


async def test_refused_credentials_are_an_error_not_a_fallback(server: DemoServer) -> None:
    hm = backend_of(server, token="not-the-token")
    try:
        with pytest.raises(AuthError):
            await hm.conversations(Filters(), None).next_page()
        assert server.stats.paths.get(WALK, 0) == 0
        assert hm.missing_endpoints() == frozenset()
    finally:
        await hm.aclose()


async def test_an_unknown_member_is_an_error_not_a_missing_endpoint(server: DemoServer) -> None:
    hm = backend_of(server, member_id=99999)
    try:
        with pytest.raises(NotFound, match="member"):
            await hm.conversations(Filters(), None).next_page()
        assert server.stats.paths.get(WALK, 0) == 0
        assert hm.missing_endpoints() == frozenset()
    finally:
        await hm.aclose()


async def test_enrichment_remembers_a_missing_endpoint_too(server: DemoServer) -> None:
    """A filter that needs messages walks them, enriched by the same endpoint: its absence
    is found (and remembered) there as well, and the list still comes."""
    server.set_faults(FaultConfig(missing=(LIST,), missing_status=404))
    hm = backend_of(server)
    try:
        assert await hm.conversations(Filters(text="order")).next_page() is not None
        assert hm.missing_endpoints() == {ENRICHMENT}
    finally:
        await hm.aclose()


@pytest.mark.parametrize(
    ("status", "detail", "missing"),
    [
        (404, "/v1/conversations does not exist (no such endpoint /v1/conversations)", True),
        (405, "request to /v1/conversations was rejected", True),
        (501, "/v1/conversations failed on the server", True),
        (400, "request to /v1/conversations was rejected (unknown endpoint)", True),
        (400, "request to /v1/conversations was rejected (Route not found)", True),
        (400, "request to /v1/conversations was rejected (filters is required)", False),
        (404, "/v1/conversations does not exist (team member 9 not found)", False),
        (401, "the server refused the credentials", False),
        (403, "these credentials may not access /v1/conversations", False),
        (429, "too many requests", False),
        (500, "failed on the server", False),
        (503, "failed on the server", False),
        (None, "connection refused", False),
    ],
)
def test_what_counts_as_a_missing_endpoint(status: int | None, detail: str, missing: bool) -> None:
    assert endpoint_missing(ApiError(detail, status=status)) is missing
