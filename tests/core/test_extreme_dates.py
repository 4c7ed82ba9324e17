"""Extreme dates (issue 10 item 6): year 1, year 9999 and negative Unix times must never
raise where a date is parsed, converted, laid out or stored; a year-9999 message crashed
the thread with ``TZ=Asia/Tokyo`` (``local_day`` -> ``OverflowError``)."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual.app import App, ComposeResult

from inbox_tui.api.heymarket import parse_messages
from inbox_tui.api.pager import Cursor, Page, TimelinePager
from inbox_tui.api.parse import parse_time
from inbox_tui.dates import MAX_UTC, MIN_UTC, rfc3339
from inbox_tui.models import Conversation, Direction, Message
from inbox_tui.store.codec import from_us, to_us
from inbox_tui.ui.screens.detail import detail_fields
from inbox_tui.ui.timefmt import cache_age_text, relative_time
from inbox_tui.ui.widgets.thread_layout import (
    LayoutContext,
    ThreadIndex,
    local_day,
    plan_message,
    render_message,
)
from inbox_tui.ui.widgets.thread_view import ThreadView

pytestmark = pytest.mark.timeout(60)
FAST = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
TOKYO = timezone(timedelta(hours=9))
HONOLULU = timezone(timedelta(hours=-10))


@pytest.fixture
def tokyo() -> Iterator[None]:
    """The process time zone is Asia/Tokyo (UTC+9) for the test, restored after."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Tokyo"
    time.tzset()
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old
        time.tzset()


EDGES = [
    MIN_UTC,
    MIN_UTC + timedelta(hours=3),
    datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC),
    datetime(1970, 1, 1, tzinfo=UTC),
    MAX_UTC - timedelta(hours=3),
    MAX_UTC,
]
extreme = st.one_of(
    st.sampled_from(EDGES),
    st.datetimes(timezones=st.just(UTC)),  # the whole range, shrinking towards the edges
)
zones = st.sampled_from([UTC, TOKYO, HONOLULU, None])


def msg(i: int, at: datetime, body: str = "hi") -> Message:
    return Message(
        id=f"m{i}",
        source="test",
        conversation_key="+15550000001",
        contact="+15550000001",
        direction=Direction.INBOUND if i % 2 else Direction.OUTBOUND,
        body=body,
        created_at=at,
    )


# -- parsing ---------------------------------------------------------------------------------
@FAST
@given(when=extreme, offset_minutes=st.integers(-23 * 60, 23 * 60))
def test_parse_time_accepts_any_valid_rfc3339_with_any_offset(
    when: datetime, offset_minutes: int
) -> None:
    zone = timezone(timedelta(minutes=offset_minutes))
    try:
        local = when.astimezone(zone)
    except OverflowError:  # not writable in that zone: write the UTC text with the offset
        local = when.replace(tzinfo=zone)
    parsed = parse_time(local.isoformat())
    assert parsed is not None and parsed.tzinfo is not None
    assert MIN_UTC <= parsed <= MAX_UTC
    assert parse_time(rfc3339(parsed)) == parsed


@FAST
@given(seconds=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers()))
def test_parse_time_takes_any_unix_number_without_raising(seconds: float) -> None:
    parsed = parse_time(seconds)
    assert parsed is None or MIN_UTC <= parsed <= MAX_UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0001-01-01T00:00:00Z", MIN_UTC.replace(microsecond=0)),
        ("9999-12-31T23:59:59.999999Z", MAX_UTC),
        ("0001-01-01T00:00:00+01:00", MIN_UTC),  # before year 1 in UTC: clamped
        ("9999-12-31T23:59:59-01:00", MAX_UTC),
        (-86_400, datetime(1969, 12, 31, tzinfo=UTC)),
    ],
)
def test_parse_time_edges(text: object, expected: datetime) -> None:
    assert parse_time(text) == expected


def test_rows_with_garbage_dates_are_skipped_and_extreme_ones_kept(
    caplog: pytest.LogCaptureFixture,
) -> None:
    dates = ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59Z", -1, "10000-01-01T00:00:00Z"]
    dates += ["2024-13-45T99:00:00Z", "yesterday"]
    rows = [{"id": i, "phone": "15550000001", "date": d} for i, d in enumerate(dates)]
    with caplog.at_level(logging.WARNING, logger="inbox_tui.api"):
        messages, count = parse_messages(rows)
    assert count == 6
    assert [m.id for m in messages] == ["0", "1", "2"]
    assert sum("no readable date" in r.getMessage() for r in caplog.records) == 3


# -- models, cache codec, pager -----------------------------------------------------------------
@FAST
@given(when=extreme, offset_minutes=st.integers(-23 * 60, 23 * 60))
def test_models_and_the_cache_codec_take_extreme_dates(when: datetime, offset_minutes: int) -> None:
    local = when.replace(tzinfo=timezone(timedelta(minutes=offset_minutes)))
    message = msg(1, local)
    assert message.created_at.tzinfo == UTC
    assert from_us(to_us(message.created_at)) == message.created_at
    conv = Conversation(key="k", contact="+15550000001", last_at=local)
    assert MIN_UTC <= conv.last_at <= MAX_UTC


def test_from_us_clamps_a_damaged_cache_value() -> None:
    assert from_us(2**62) == MAX_UTC
    assert from_us(-(2**62)) == MIN_UTC


@FAST
@given(times=st.lists(extreme, min_size=1, max_size=12), page_size=st.integers(1, 4))
def test_the_pager_walks_extreme_timestamps_without_raising(
    times: list[datetime], page_size: int
) -> None:
    messages = [msg(i, t.replace(microsecond=0)) for i, t in enumerate(times)]

    async def fetch(cursor: Cursor) -> Page:
        rows = [m for m in messages if cursor.before is None or m.created_at < cursor.before]
        rows.sort(key=lambda m: m.sort_key, reverse=True)
        return Page(rows[:page_size], len(rows[:page_size]))

    async def walk() -> list[Message]:
        pager = TimelinePager(fetch, page_size=page_size)
        got: list[Message] = []
        for _ in range(200):
            if pager.exhausted:
                return got
            got.extend(await pager.older())
        raise AssertionError("the walk did not end")

    got = asyncio.run(walk())
    assert len({m.id for m in got}) == len(got)
    assert {m.id for m in got} <= {m.id for m in messages}


# -- rendering -------------------------------------------------------------------------------
@FAST
@given(when=extreme, now=extreme, tz=zones)
def test_every_display_path_renders_extreme_dates(
    tokyo: None, when: datetime, now: datetime, tz: object
) -> None:
    zone = datetime.now().astimezone().tzinfo if tz is None else tz
    message = msg(1, when).model_copy(update={"updated_at": now})
    ctx = LayoutContext(width=60, tz=zone)  # type: ignore[arg-type]
    local_day(message, zone)  # type: ignore[arg-type]
    plan = plan_message(message, ctx, day_header=True)
    assert len(render_message(message, plan, ctx)) == plan.height
    assert dict(detail_fields(message, zone))["created"]  # type: ignore[arg-type]
    assert len(relative_time(when, now)) <= 6
    cache_age_text(when, now, offline=True, tz=zone)  # type: ignore[arg-type]
    cache_age_text(when, now, offline=False, tz=zone)  # type: ignore[arg-type]


def test_thread_index_orders_year_1_and_year_9999_in_tokyo(tokyo: None) -> None:
    index = ThreadIndex(lambda m, header: 3 if header else 2, datetime.now().astimezone().tzinfo)
    index.merge([msg(1, MAX_UTC), msg(2, MIN_UTC), msg(3, datetime(2024, 1, 1, tzinfo=UTC))])
    assert [m.id for m in index.messages()] == ["m2", "m3", "m1"]


class OnePage:
    exhausted = False
    partial = False
    rejected = 0
    requests = 0

    def __init__(self, messages: list[Message]) -> None:
        self.messages = messages

    async def older(self) -> list[Message]:
        self.requests += 1
        self.exhausted = True
        return self.messages

    async def newer(self) -> list[Message]:
        return []


class ThreadApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ThreadView(tz=datetime.now().astimezone().tzinfo)


async def test_a_year_9999_message_shows_in_the_thread_in_tokyo(tokyo: None) -> None:
    """The reported crash: a thread holding a year-9999 message, in UTC+9."""
    messages = [
        msg(1, MIN_UTC, "first of all"),
        msg(2, datetime(2024, 5, 1, 9, 30, tzinfo=UTC), "ordinary"),
        msg(3, MAX_UTC, "end of time"),
    ]
    conversation = Conversation(key="k", contact="+15550000001", last_at=MAX_UTC)
    app = ThreadApp()
    async with app.run_test(size=(80, 30)) as pilot:
        view = app.query_one(ThreadView)
        view.show(conversation, OnePage(messages))  # type: ignore[arg-type]
        for _ in range(50):
            await pilot.pause(0.02)
            if len(view.messages) == 3:
                break
        assert [m.id for m in view.messages] == ["m1", "m2", "m3"]
        text = "\n".join(
            "".join(seg.text for seg in view.render_line(y)) for y in range(view.size.height)
        )
        assert "end of time" in text


async def test_store_round_trips_extreme_dates(tmp_path: Path) -> None:
    """A real SQLite cache holds and returns year-1 and year-9999 messages, in order."""
    from inbox_tui.store import Store

    messages = [msg(1, MAX_UTC), msg(2, MIN_UTC), msg(3, datetime(1969, 7, 20, tzinfo=UTC))]
    async with await Store.open(tmp_path / "cache.sqlite3") as store:
        await store.upsert_messages(messages)
        for message in messages:
            assert (await store.get_message(message.id, "test")) == message
        window = await store.thread_window("+15550000001", limit=10)
    assert [m.id for m in window] == ["m2", "m3", "m1"]


def test_year_1_is_written_with_four_digits_in_the_detail_and_markdown_export() -> None:
    import io

    from inbox_tui.core.export import write_md

    message = msg(1, MIN_UTC)
    assert dict(detail_fields(message, TOKYO))["created"].startswith("0001-01-01 00:00:00 UTC")
    out = io.StringIO()
    conversation = Conversation(key="k", contact="+15550000001", last_at=MIN_UTC)
    write_md([message], out, conversation)
    assert "0001-01-01 00:00:00 UTC" in out.getvalue()
