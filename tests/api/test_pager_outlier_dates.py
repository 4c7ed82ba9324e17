"""Property test of issue 10 item 3: messages whose displayed dates lie (decades old, or far
in the future) among a timeline the server pages by its own times. Whatever the lies, a walk
returns every message exactly once or stops with :class:`PagingError`: never a silently
partial result."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inbox_tui.api.pager import Cursor, Page, TimelinePager
from inbox_tui.errors import PagingError
from inbox_tui.models import Direction, Message

pytestmark = pytest.mark.timeout(60)
T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
LIES = st.one_of(
    st.datetimes(
        min_value=datetime(1, 1, 1), max_value=datetime(2024, 3, 1), timezones=st.just(UTC)
    ),
    st.sampled_from([datetime(1970, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC)]),
)


def msg(i: int, at: datetime) -> Message:
    return Message(
        id=f"m{i}",
        source="test",
        conversation_key="+15550000001",
        contact="+15550000001",
        direction=Direction.INBOUND,
        created_at=at,
    )


@settings(max_examples=150, deadline=None)
@given(
    seconds=st.lists(st.integers(0, 400), min_size=1, max_size=120),
    lies=st.dictionaries(st.integers(0, 119), LIES, max_size=4),
    page_size=st.integers(2, 12),
    seed=st.integers(0, 1000),
)
def test_lying_dates_never_make_a_walk_silently_partial(
    seconds: list[int], lies: dict[int, datetime], page_size: int, seed: int
) -> None:
    real = sorted(T0 + timedelta(seconds=s) for s in seconds)
    shown = [lies.get(i, t).replace(microsecond=0) for i, t in enumerate(real)]
    requests = 0

    async def fetch(cursor: Cursor) -> Page:
        """heymarket's GET /v1/messages: strictly before whole Unix seconds, by real time."""
        nonlocal requests
        requests += 1
        limit = None if cursor.before is None else int(cursor.before.timestamp())
        under = [i for i, t in enumerate(real) if limit is None or t.timestamp() < limit]
        rows = [msg(i, shown[i]) for i in under[-page_size:]]
        random.Random(seed + requests).shuffle(rows)
        return Page(rows, len(rows))

    async def walk() -> list[str] | None:
        pager = TimelinePager(fetch, page_size=page_size)
        got: list[str] = []
        for _ in range(10_000):
            if pager.exhausted:
                return got
            try:
                got.extend(m.id for m in await pager.older())
            except PagingError:
                return None
        raise AssertionError("the walk did not end")

    got = asyncio.run(walk())
    bursts = max(seconds.count(s) for s in seconds)
    if got is None:
        assert lies, "stopped although every date was true"
        return
    assert len(got) == len(set(got))
    if bursts < page_size:  # else the API itself cannot return a whole burst (a gap)
        assert sorted(got) == sorted(f"m{i}" for i in range(len(real)))
    assert requests <= 2 * len(real) + 10
