"""The workspace backend over real loopback HTTP against the demo server, with ``endDate``
served both strictly and inclusively."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest

from inbox_tui.api.auth import BearerToken
from inbox_tui.api.http import HttpSettings
from inbox_tui.api.workspace import WorkspaceBackend
from inbox_tui.core.backend import Backend
from inbox_tui.demo.dataset import DemoMessage, build_dataset
from inbox_tui.demo.server import DemoServer
from inbox_tui.errors import AuthError, NotFound
from inbox_tui.filters import Filters
from inbox_tui.models import Conversation, Direction, Message

FAST = HttpSettings(connect_timeout=2, read_timeout=5, backoff_base=0.01, backoff_max=0.05)
DATASET = build_dataset(7, conversations=60, big_threads=(700,))


@pytest.fixture(scope="module", params=[False, True], ids=["strict-endDate", "inclusive-endDate"])
def server(request: pytest.FixtureRequest) -> Iterator[DemoServer]:
    with DemoServer(dataset=DATASET, workspace_end_date_inclusive=request.param) as srv:
        yield srv


@pytest.fixture
async def backend(server: DemoServer) -> AsyncIterator[WorkspaceBackend]:
    ws = WorkspaceBackend(
        server.base_url, BearerToken(server.workspace_token), server.workspace_id, settings=FAST
    )
    yield ws
    await ws.aclose()


def conv(number: str) -> Conversation:
    return Conversation(key=number, contact=number, last_at=datetime.now(UTC))


def with_number(number: str) -> list[DemoMessage]:
    return [m for m in DATASET.workspace_messages if m.contact_e164 == number]


async def drain(pager: object) -> list[Message]:
    batches = []
    while not pager.exhausted:  # type: ignore[attr-defined]
        batches.append(await pager.older())  # type: ignore[attr-defined]
    return [m for batch in reversed(batches) for m in batch]


async def test_satisfies_backend_protocol(backend: WorkspaceBackend) -> None:
    assert isinstance(backend, Backend)
    assert backend.kind == "workspace" and "ws_demo" in backend.label
    inboxes = await backend.inboxes()
    assert [i.id for i in inboxes] == ["ws_demo"]
    assert inboxes[0].phones


async def test_thread_merges_both_directions_back_to_the_first_message(
    backend: WorkspaceBackend,
) -> None:
    big = DATASET.biggest_threads()[0]
    number = "+" + big.contact
    expected = with_number(number)
    timeline = await drain(backend.thread(conv(number)))
    # The API has second resolution: within one second the order is (time, id).
    want = sorted(expected, key=lambda m: (m.created_at.replace(microsecond=0), m.workspace_id))
    assert [m.id for m in timeline] == [m.workspace_id for m in want]
    assert timeline == sorted(timeline, key=lambda m: m.sort_key)
    assert {m.direction for m in timeline} == {Direction.INBOUND, Direction.OUTBOUND}
    assert all(m.contact == number and m.conversation_key == number for m in timeline)
    assert all(m.inbox_id is None and m.own_number for m in timeline)


async def test_thread_with_direction_filter_uses_one_stream(backend: WorkspaceBackend) -> None:
    big = DATASET.biggest_threads()[0]
    number = "+" + big.contact
    pager = backend.thread(conv(number), Filters(direction=Direction.OUTBOUND))
    timeline = await drain(pager)
    assert len(pager.pagers) == 1
    assert sorted(m.id for m in timeline) == sorted(
        m.workspace_id for m in with_number(number) if m.direction == "outbound"
    )


async def test_conversations_in_order_of_newest_message(backend: WorkspaceBackend) -> None:
    pager = backend.conversations(Filters())
    found: list[Conversation] = []
    while not pager.exhausted:
        found.extend(await pager.next_page())
    newest: dict[str, datetime] = {}
    for m in reversed(DATASET.workspace_messages):
        newest.setdefault(m.contact_e164, m.created_at.replace(microsecond=0))
    assert {c.key for c in found} == set(newest)
    assert len(found) == len(newest)
    assert [c.last_at for c in found] == sorted(newest.values(), reverse=True)
    assert all(c.last_at == newest[c.key] for c in found)


async def test_server_filters_and_counts(backend: WorkspaceBackend) -> None:
    all_msgs = DATASET.workspace_messages
    assert await backend.count(Filters()) == len(all_msgs)
    inbound = Filters(direction=Direction.INBOUND)
    assert await backend.count(inbound) == sum(1 for m in all_msgs if m.direction == "inbound")
    failed = Filters(statuses=frozenset({"failed"}))
    assert backend.server_filter_fields(failed) == frozenset({"statuses"})
    assert await backend.count(failed) == sum(1 for m in all_msgs if m.status == "failed")
    two = Filters(statuses=frozenset({"failed", "sent"}))
    assert backend.server_filter_fields(two) == frozenset()
    assert await backend.count(two) is None
    number = "+" + DATASET.biggest_threads()[1].contact
    assert await backend.count(Filters(contact=number)) == len(with_number(number))
    assert backend.server_filter_fields(
        Filters(contact=number, text="x", after=datetime.now(UTC))
    ) == frozenset({"contact", "after"})


async def test_conversations_with_date_window(backend: WorkspaceBackend) -> None:
    times = sorted({m.created_at.replace(microsecond=0) for m in DATASET.workspace_messages})
    after, before = times[len(times) // 3], times[2 * len(times) // 3]
    window = [
        m
        for m in DATASET.workspace_messages
        if after < m.created_at.replace(microsecond=0) < before
    ]
    pager = backend._pager(Filters(after=after, before=before), {}, "window")
    got = await drain(pager)
    assert sorted(m.id for m in got) == sorted(m.workspace_id for m in window)
    at_bound = sum(
        1 for m in DATASET.workspace_messages if m.created_at.replace(microsecond=0) == before
    )
    # endDate's inclusiveness is not promised: the server count may hold the bound second.
    assert await backend.count(Filters(after=after, before=before)) in (
        len(window),
        len(window) + at_bound,
    )


async def test_latest_is_one_request(backend: WorkspaceBackend) -> None:
    before = backend.stats.requests
    latest = await backend.latest()
    assert backend.stats.requests == before + 1
    newest = [m.workspace_id for m in DATASET.workspace_messages[-backend.page_size :]]
    assert {m.id for m in latest} == set(newest)
    assert latest == sorted(latest, key=lambda m: m.sort_key)


async def test_auth_errors_and_unknown_workspace(server: DemoServer) -> None:
    bad = WorkspaceBackend(server.base_url, BearerToken("nope-nope-nope"), "ws_demo", settings=FAST)
    with pytest.raises(AuthError) as caught:
        await bad.inboxes()
    assert caught.value.status == 401 and caught.value.request_id
    await bad.aclose()
    token = BearerToken(server.workspace_token)
    for workspace, error, status in (("ws_other", AuthError, 403), ("ws_missing", NotFound, 404)):
        ws = WorkspaceBackend(server.base_url, token, workspace, settings=FAST)
        with pytest.raises(error) as refused:
            await ws.latest()
        await ws.aclose()
        assert refused.value.status == status and refused.value.request_id
        assert refused.value.url == f"/api/ui/workspaces/{workspace}/messages"
