"""Property tests of the timeline pagers against in-memory servers that implement each API's
exact cursor semantics (and its traps): second-resolution strict ``timestamp``, sub-second
RFC 3339 ``created_at``, and ``endDate`` (inclusive or strict) with page numbers.

Run more examples with ``PAGER_MAX_EXAMPLES=500 pytest tests/test_pager.py
--hypothesis-seed=N``.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from inbox_tui.api.pager import Cursor, MergedPager, Page, TimelinePager
from inbox_tui.api.parse import parse_time
from inbox_tui.dates import rfc3339
from inbox_tui.models import Direction, Message

T0 = datetime(2024, 3, 1, 12, 0, 0, tzinfo=UTC)

_examples = os.environ.get("PAGER_MAX_EXAMPLES")
examples: Callable[[Callable[..., None]], Callable[..., None]] = (
    settings(max_examples=int(_examples)) if _examples else (lambda f: f)
)


def msg(i: int, at: datetime, direction: Direction = Direction.INBOUND) -> Message:
    return Message(
        id=f"m{i}",
        source="test",
        conversation_key="+15550000001",
        contact="+15550000001",
        direction=direction,
        created_at=at,
    )


class FakeServer:
    """Holds a dataset; ``order`` ranks ties the way a real database would (fixed, unknown
    to the client); responses are shuffled (order within a page is not promised)."""

    def __init__(self, messages: list[Message], rank: dict[str, int], page_size: int) -> None:
        self.messages = messages
        self.rank = rank
        self.page_size = page_size
        self.requests = 0

    def desc(self, keep: Callable[[Message], bool]) -> list[Message]:
        rows = [m for m in self.messages if keep(m)]
        return sorted(rows, key=lambda m: (m.created_at, self.rank[m.id]), reverse=True)

    def respond(self, rows: list[Message]) -> Page:
        self.requests += 1
        shuffled = sorted(rows, key=lambda m: hash(m.id) % 7)
        return Page(shuffled, len(rows))


class HeymarketThreadServer(FakeServer):
    """GET /v1/messages: ``timestamp`` Unix seconds, strictly before, newest ``page_size``."""

    async def fetch(self, cursor: Cursor) -> Page:
        assert cursor.page == 1
        if cursor.before is None:
            rows = self.desc(lambda m: True)
        else:
            ts = int(cursor.before.timestamp())  # what the backend sends
            limit = datetime.fromtimestamp(ts, UTC)
            rows = self.desc(lambda m: m.created_at < limit)
        return self.respond(rows[: self.page_size])


class HeymarketAllServer(FakeServer):
    """POST /v1/messages/all: RFC 3339 ``created_at`` strictly before, sub-second times."""

    async def fetch(self, cursor: Cursor) -> Page:
        assert cursor.page == 1
        if cursor.before is None:
            rows = self.desc(lambda m: True)
        else:
            bound = parse_time(rfc3339(cursor.before))  # the wire round trip
            assert bound is not None
            rows = self.desc(lambda m: m.created_at < bound)
        return self.respond(rows[: self.page_size])


class WorkspaceServer(FakeServer):
    """GET …/messages: ``endDate`` (second resolution; inclusive or strict), page, limit,
    optional ``direction`` (the from=/to= halves of a thread)."""

    def __init__(self, *args: object, inclusive: bool, direction: Direction | None = None):
        super().__init__(*args)  # type: ignore[arg-type]
        self.inclusive = inclusive
        self.direction = direction

    async def fetch(self, cursor: Cursor) -> Page:
        def keep(m: Message) -> bool:
            if self.direction is not None and m.direction != self.direction:
                return False
            if cursor.before is None:
                return True
            end = parse_time(cursor.before.strftime("%Y-%m-%dT%H:%M:%SZ"))
            assert end is not None
            return m.created_at <= end if self.inclusive else m.created_at < end

        rows = self.desc(keep)
        start = (cursor.page - 1) * self.page_size
        return self.respond(rows[start : start + self.page_size])


# -- strategies -----------------------------------------------------------------------------
@st.composite
def datasets(draw: st.DrawFn, *, subsecond: bool) -> tuple[list[Message], dict[str, int]]:
    seconds = draw(st.lists(st.integers(0, 12), max_size=90))
    micros = st.sampled_from([0, 0, 250_000, 500_000, 999_999]) if subsecond else st.just(0)
    messages = [
        msg(
            i,
            T0 + timedelta(seconds=s, microseconds=draw(micros)),
            draw(st.sampled_from([Direction.INBOUND, Direction.OUTBOUND])),
        )
        for i, s in enumerate(seconds)
    ]
    ranks = draw(st.permutations(list(range(len(messages)))))
    return messages, {m.id: r for m, r in zip(messages, ranks, strict=True)}


def walk(pager: TimelinePager | MergedPager) -> list[Message]:
    return asyncio.run(awalk(pager))


async def awalk(pager: TimelinePager | MergedPager) -> list[Message]:
    """Drain ``older()``; check each batch is sorted and batches go back in time."""
    batches: list[list[Message]] = []
    for _ in range(10_000):
        if pager.exhausted:
            break
        batch = await pager.older()
        assert batch or pager.exhausted, "empty batch while not exhausted"
        batches.append(batch)
    else:
        raise AssertionError("pager never ended")
    timeline = [m for batch in reversed(batches) for m in batch]
    for batch in batches:
        assert batch == sorted(batch, key=lambda m: m.sort_key)
    return timeline


def expected(messages: list[Message]) -> list[Message]:
    return sorted(messages, key=lambda m: m.sort_key)


def max_per_key(messages: list[Message], key: Callable[[Message], object]) -> int:
    return max(Counter(key(m) for m in messages).values(), default=0)


def assert_in_order_unique(timeline: list[Message], messages: list[Message]) -> None:
    ids = [m.id for m in timeline]
    assert len(ids) == len(set(ids)), "duplicates"
    assert set(ids) <= {m.id for m in messages}
    assert timeline == sorted(timeline, key=lambda m: m.sort_key), "out of order"


# -- heymarket thread (Unix seconds, strict) ------------------------------------------------
@examples
@given(data=datasets(subsecond=True), page_size=st.integers(1, 9))
def test_heymarket_thread_pager_exact_or_reports_gap(
    data: tuple[list[Message], dict[str, int]], page_size: int
) -> None:
    messages, rank = data
    server = HeymarketThreadServer(messages, rank, page_size)
    pager = TimelinePager(server.fetch, page_size=page_size)
    timeline = walk(pager)
    assert_in_order_unique(timeline, messages)
    assert pager.requests == server.requests
    burst = max_per_key(messages, lambda m: m.created_at.replace(microsecond=0))
    if burst < page_size:
        assert timeline == expected(messages)
        assert pager.complete and not pager.gaps
    else:
        assert pager.gaps and not pager.complete
        gap_ok = {
            m.id for m in messages if not any(g.start <= m.created_at < g.end for g in pager.gaps)
        }
        assert gap_ok <= {m.id for m in timeline}, "lost a message outside any gap"


# -- heymarket team walk (RFC 3339, sub-second, strict) ---------------------------------------
@examples
@given(data=datasets(subsecond=True), page_size=st.integers(1, 9))
def test_heymarket_all_pager_exact_or_reports_gap(
    data: tuple[list[Message], dict[str, int]], page_size: int
) -> None:
    messages, rank = data
    server = HeymarketAllServer(messages, rank, page_size)
    pager = TimelinePager(server.fetch, page_size=page_size, subsecond=True)
    timeline = walk(pager)
    assert_in_order_unique(timeline, messages)
    if max_per_key(messages, lambda m: m.created_at) < page_size:
        assert timeline == expected(messages)
        assert pager.complete
    else:
        assert pager.gaps and not pager.complete


# -- workspace (endDate inclusive or strict, stable pages) ----------------------------------
@examples
@given(data=datasets(subsecond=False), page_size=st.integers(1, 9), inclusive=st.booleans())
def test_workspace_pager_always_exact(
    data: tuple[list[Message], dict[str, int]], page_size: int, inclusive: bool
) -> None:
    messages, rank = data
    server = WorkspaceServer(messages, rank, page_size, inclusive=inclusive)
    pager = TimelinePager(server.fetch, page_size=page_size, paged=True)
    assert walk(pager) == expected(messages)
    assert pager.complete


@examples
@given(data=datasets(subsecond=False), page_size=st.integers(1, 9), inclusive=st.booleans())
def test_merged_pager_interleaves_two_streams_exactly(
    data: tuple[list[Message], dict[str, int]], page_size: int, inclusive: bool
) -> None:
    messages, rank = data
    halves = [
        WorkspaceServer(messages, rank, page_size, inclusive=inclusive, direction=d)
        for d in (Direction.INBOUND, Direction.OUTBOUND)
    ]
    pager = MergedPager([TimelinePager(s.fetch, page_size=page_size, paged=True) for s in halves])
    assert walk(pager) == expected(messages)
    assert pager.complete
    assert pager.requests == sum(s.requests for s in halves)


# -- filters and resuming -------------------------------------------------------------------
@examples
@given(
    data=datasets(subsecond=False),
    page_size=st.integers(1, 9),
    inclusive=st.booleans(),
    lo=st.integers(0, 12),
    span=st.integers(0, 12),
    frac=st.sampled_from([0, 400_000]),
)
def test_before_after_bounds_are_applied_exactly(
    data: tuple[list[Message], dict[str, int]],
    page_size: int,
    inclusive: bool,
    lo: int,
    span: int,
    frac: int,
) -> None:
    messages, rank = data
    after = T0 + timedelta(seconds=lo)
    before = after + timedelta(seconds=span, microseconds=frac)
    server = WorkspaceServer(messages, rank, page_size, inclusive=inclusive)
    pager = TimelinePager(server.fetch, page_size=page_size, paged=True, before=before, after=after)
    want = [m for m in messages if after < m.created_at < before]
    assert walk(pager) == expected(want)


STYLES = ["heymarket-thread", "heymarket-all", "workspace-strict", "workspace-inclusive"]


def make(style: str, messages: list[Message], rank: dict[str, int], size: int, **kw: object):
    """A fake server of ``style`` and a pager configured the way its backend does."""
    if style == "heymarket-thread":
        server: FakeServer = HeymarketThreadServer(messages, rank, size)
        return server, TimelinePager(server.fetch, page_size=size, **kw)  # type: ignore[arg-type]
    if style == "heymarket-all":
        server = HeymarketAllServer(messages, rank, size)
        return server, TimelinePager(server.fetch, page_size=size, subsecond=True, **kw)  # type: ignore[arg-type]
    server = WorkspaceServer(messages, rank, size, inclusive=style.endswith("inclusive"))
    return server, TimelinePager(server.fetch, page_size=size, paged=True, **kw)  # type: ignore[arg-type]


@examples
@given(
    data=datasets(subsecond=True),
    page_size=st.integers(1, 9),
    style=st.sampled_from(STYLES),
    batches=st.integers(1, 6),
)
def test_resume_from_cached_state_returns_exactly_the_rest(
    data: tuple[list[Message], dict[str, int]], page_size: int, style: str, batches: int
) -> None:
    messages, rank = data
    if style.startswith("workspace"):  # second resolution
        messages = [m.model_copy(update={"created_at": m.created_at.replace(microsecond=0)})
                    for m in messages]  # fmt: skip
    burst = max_per_key(
        messages,
        (lambda m: m.created_at)
        if style == "heymarket-all"
        else lambda m: m.created_at.replace(microsecond=0),
    )
    assume(style.startswith("workspace") or burst < page_size)  # else gaps are expected
    _, first = make(style, messages, rank, page_size)

    async def some() -> list[Message]:
        got: list[Message] = []
        for _ in range(batches):
            if first.exhausted:
                break
            got.extend(await first.older())
        return got

    cached = asyncio.run(some())
    if not cached:
        return
    _, resumed = make(
        style,
        messages,
        rank,
        page_size,
        start_before=min(m.created_at for m in cached),
        known_ids={m.id for m in cached},
    )
    rest = walk(resumed)
    assert expected(rest + cached) == expected(messages)
    assert not {m.id for m in rest} & {m.id for m in cached}
    assert resumed.complete


# -- newer() --------------------------------------------------------------------------------
async def test_newer_returns_only_unseen_recent_messages_and_catches_up() -> None:
    messages = [msg(i, T0 + timedelta(seconds=i)) for i in range(10)]
    server = HeymarketThreadServer(messages, {m.id: 0 for m in messages}, 3)
    pager = TimelinePager(server.fetch, page_size=3)
    first = await pager.older()
    assert [m.id for m in first] == ["m8", "m9"]  # m7's second may still hold unseen ones
    assert await pager.newer() == []
    # 7 new messages arrive: more than one page, so newer() walks back until it meets m9.
    arrivals = [msg(i, T0 + timedelta(seconds=i)) for i in range(10, 17)]
    server.messages = messages + arrivals
    server.rank.update({m.id: 0 for m in arrivals})
    fresh = await pager.newer()
    assert [m.id for m in fresh] == [f"m{i}" for i in range(10, 17)]
    assert not pager.gaps
    rest = await awalk(pager)
    assert [m.id for m in rest] == [f"m{i}" for i in range(8)]


async def test_newer_before_any_walk_is_the_first_page() -> None:
    messages = [msg(i, T0 + timedelta(seconds=i)) for i in range(5)]
    server = HeymarketThreadServer(messages, {m.id: 0 for m in messages}, 50)
    pager = TimelinePager(server.fetch, page_size=50)
    assert [m.id for m in await pager.newer()] == [f"m{i}" for i in range(5)]
    assert pager.exhausted and pager.complete and pager.requests == 1


async def test_burst_of_a_full_page_in_one_second_is_reported_as_a_gap(
    caplog: pytest.LogCaptureFixture,
) -> None:
    burst = [msg(i, T0 + timedelta(seconds=5)) for i in range(6)]
    older = [msg(100 + i, T0 + timedelta(seconds=i)) for i in range(3)]
    server = HeymarketThreadServer(burst + older, {m.id: 0 for m in burst + older}, 4)
    pager = TimelinePager(server.fetch, page_size=4)
    timeline = await awalk(pager)
    assert pager.exhausted and not pager.complete
    assert [(g.start, g.end) for g in pager.gaps] == [
        (T0 + timedelta(seconds=5), T0 + timedelta(seconds=6))
    ]
    assert [m.id for m in timeline[:3]] == ["m100", "m101", "m102"]
    assert len(timeline) == 3 + 4  # only a page of the burst is reachable
    assert "may be missing" in caplog.text


def test_page_size_must_be_positive() -> None:
    async def fetch(cursor: Cursor) -> Page:
        return Page([], 0)

    with pytest.raises(ValueError):
        TimelinePager(fetch, page_size=0)


async def test_merged_newer_merges_both_streams_without_repeats() -> None:
    inbound = [msg(i, T0 + timedelta(seconds=2 * i)) for i in range(5)]
    outbound = [
        msg(10 + i, T0 + timedelta(seconds=2 * i + 1), Direction.OUTBOUND) for i in range(5)
    ]
    messages = inbound + outbound
    rank = {m.id: 0 for m in messages}
    halves = [
        WorkspaceServer(messages, rank, 3, inclusive=False, direction=d)
        for d in (Direction.INBOUND, Direction.OUTBOUND)
    ]
    pager = MergedPager([TimelinePager(s.fetch, page_size=3, paged=True) for s in halves])
    first = await pager.newer()  # before any walk: the first batch of older()
    assert first and first == sorted(first, key=lambda m: m.sort_key)
    assert await pager.newer() == []
    arrivals = [
        msg(20, T0 + timedelta(seconds=30)),
        msg(21, T0 + timedelta(seconds=31), Direction.OUTBOUND),
    ]
    for server in halves:
        server.messages = messages + arrivals
        server.rank.update({m.id: 0 for m in arrivals})
    assert [m.id for m in await pager.newer()] == ["m20", "m21"]
    rest = await awalk(pager)
    seen = {m.id for m in first} | {"m20", "m21"} | {m.id for m in rest}
    assert seen == {m.id for m in messages + arrivals}
    assert len(first) + 2 + len(rest) == len(seen)


async def test_a_full_page_of_unreadable_rows_is_never_a_complete_end() -> None:
    calls: list[Cursor] = []

    async def fetch(cursor: Cursor) -> Page:
        calls.append(cursor)
        if cursor.page == 1:
            return Page([], 3)  # three rows, none understood
        return Page([msg(1, T0)], 1)

    plain = TimelinePager(fetch, page_size=3)
    assert await plain.older() == [] and plain.exhausted and not plain.complete
    paged = TimelinePager(fetch, page_size=3, paged=True)
    assert [m.id for m in await paged.older()] == ["m1"]
    assert paged.complete and calls[-1].page == 2
