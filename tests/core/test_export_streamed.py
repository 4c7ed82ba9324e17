"""The export formats each page as it arrives and spools text, not models: the file is the
same bytes as before (exact content for a known thread), in order for a long thread, and
no message outlives its page."""

from __future__ import annotations

import gc
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from inbox_tui.cli.main import main
from inbox_tui.core import export as exporter
from inbox_tui.core.export_spool import Spool
from inbox_tui.filters import Filters
from inbox_tui.models import Conversation, Direction, Message
from inbox_tui.store import MessagePosition, Store, ThreadState

BASE = datetime(2024, 1, 15, 10, 0, tzinfo=UTC)
CONV = Conversation(key="413:+14155550100", contact="+14155550100", inbox_id="413", last_at=BASE)


def message(mid: str, seconds: int, **fields: Any) -> Message:
    values: dict[str, Any] = {
        "id": mid,
        "source": "heymarket",
        "conversation_key": CONV.key,
        "contact": CONV.contact,
        "own_number": "+14155559999",
        "inbox_id": "413",
        "direction": Direction.INBOUND,
        "status": "received",
        "body": f"body {mid}",
        "created_at": BASE + timedelta(seconds=seconds),
        "raw": {"authorization": "Bearer secret-raw-token"},
    }
    return Message(**(values | fields))


def known_thread() -> list[Message]:
    return [
        message("1", 0, body="Hi, is my order ready?", contact_name="Ada Li"),
        message(
            "2",
            90,
            direction=Direction.OUTBOUND,
            status="delivered",
            author="Sam",
            body='=SUM(A1) "quoted", two\nlines',
        ),
        message("3", 3600, kind="private", direction=Direction.OUTBOUND, author="Sam",
                body="", status="sent", flagged=True, media_url="https://x.example/a.jpg"),
    ]  # fmt: skip


class Pages:
    """Newest page first, as a pager walks; ``make`` builds each page only when asked."""

    def __init__(self, pages: list[list[Message]] | None = None, make: Any = None, n: int = 0):
        self.pages, self.make, self.n = pages, make, n if make else len(pages or [])
        self.requests = 0
        self.rejected = 0

    @property
    def exhausted(self) -> bool:
        return self.requests >= self.n

    async def older(self) -> list[Message]:
        self.requests += 1
        if self.make is not None:
            return self.make(self.requests - 1)
        assert self.pages is not None
        return self.pages[self.requests - 1]

    async def newer(self) -> list[Message]:
        return []


EXPECTED_JSONL = (
    '{"id": "1", "created_at": "2024-01-15T10:00:00Z", "direction": "inbound", '
    '"status": "received", "contact": "+14155550100", "own_number": "+14155559999", '
    '"author": null, "body": "Hi, is my order ready?", "media_url": null, "flagged": false, '
    '"kind": "sms", "inbox_id": "413"}\n'
    '{"id": "2", "created_at": "2024-01-15T10:01:30Z", "direction": "outbound", '
    '"status": "delivered", "contact": "+14155550100", "own_number": "+14155559999", '
    '"author": "Sam", "body": "=SUM(A1) \\"quoted\\", two\\nlines", "media_url": null, '
    '"flagged": false, "kind": "sms", "inbox_id": "413"}\n'
    '{"id": "3", "created_at": "2024-01-15T11:00:00Z", "direction": "outbound", '
    '"status": "sent", "contact": "+14155550100", "own_number": "+14155559999", '
    '"author": "Sam", "body": "", "media_url": "https://x.example/a.jpg", "flagged": true, '
    '"kind": "private", "inbox_id": "413"}\n'
)
EXPECTED_CSV = (
    "id,created_at,direction,status,contact,own_number,author,body,media_url,flagged,kind,"
    "inbox_id\n"
    "1,2024-01-15T10:00:00Z,inbound,received,+14155550100,+14155559999,,"
    '"Hi, is my order ready?",,false,sms,413\n'
    "2,2024-01-15T10:01:30Z,outbound,delivered,+14155550100,+14155559999,Sam,"
    '"\'=SUM(A1) ""quoted"", two\nlines",,false,sms,413\n'
    "3,2024-01-15T11:00:00Z,outbound,sent,+14155550100,+14155559999,Sam,,"
    "https://x.example/a.jpg,true,private,413\n"
)
EXPECTED_MD = (
    "# Conversation with Ada Li, +1 (415) 555-0100 (inbox 413)\n"
    "\n**← 2024-01-15 10:00:00 UTC · inbound · received** <!-- id 1 -->\n\n"
    "> Hi, is my order ready?\n"
    "\n**→ 2024-01-15 10:01:30 UTC · outbound · delivered · Sam** <!-- id 2 -->\n\n"
    '> =SUM(A1) "quoted", two\n> lines\n'
    "\n**→ 2024-01-15 11:00:00 UTC · outbound · sent · note · Sam · flagged** <!-- id 3 -->\n\n"
    "> (no text)\n>\n> media: https://x.example/a.jpg\n"
)
EXPECTED = {"jsonl": EXPECTED_JSONL, "csv": EXPECTED_CSV, "md": EXPECTED_MD}


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "md"])
async def test_streamed_export_writes_exactly_the_known_content(fmt: str) -> None:
    thread = known_thread()
    pages = [[thread[2]], [thread[1]], [thread[0]]]  # newest first, one message a page
    spooled = await exporter.spool(Pages(pages), [], Filters(), fmt=fmt)
    try:
        out = io.StringIO()
        exporter.write_export(spooled, CONV, fmt, out)
    finally:
        spooled.close()
    assert out.getvalue() == EXPECTED[fmt]
    in_memory = io.StringIO()
    exporter.write_export(thread, CONV, fmt, in_memory)  # the offline path: a list
    assert in_memory.getvalue() == EXPECTED[fmt]


async def test_a_long_thread_streams_in_order_and_keeps_no_message(tmp_path: Any) -> None:
    size, per_page = 5_000, 50

    def page(k: int) -> list[Message]:
        end = size - k * per_page
        return [message(f"m{i:05d}", i) for i in range(end - per_page, end)]

    gc.collect()
    before = sum(isinstance(o, Message) for o in gc.get_objects())
    spooled = await exporter.spool(Pages(make=page, n=size // per_page), [], Filters(), fmt="jsonl")
    try:
        gc.collect()
        held = sum(isinstance(o, Message) for o in gc.get_objects()) - before
        assert held == 0  # every page was formatted and let go
        target = tmp_path / "thread.jsonl"
        exporter.write_export(spooled, CONV, "jsonl", io.StringIO(), target)
    finally:
        spooled.close()
    ids = [json.loads(line)["id"] for line in target.read_text().splitlines()]
    assert ids == [f"m{i:05d}" for i in range(size)]


async def test_overlapping_pages_come_back_sorted_as_rows() -> None:
    spooled = Spool(Filters(), "csv")
    try:
        spooled.add([message("y", 50), message("z", 60)])
        spooled.add([message("a", 1), message("late", 70)])  # a server out of order
        out = io.StringIO()
        spooled.write(out, CONV)
    finally:
        spooled.close()
    assert [line.split(",")[0] for line in out.getvalue().splitlines()[1:]] == [
        "a",
        "y",
        "z",
        "late",
    ]


async def test_markdown_title_names_the_oldest_named_message_across_pages() -> None:
    pages = [
        [message("3", 30, contact_name="Newer Name")],
        [message("2", 20)],
        [message("1", 10, contact_name="Oldest Name")],
    ]
    spooled = await exporter.spool(Pages(pages), [], Filters(), fmt="md")
    try:
        out = io.StringIO()
        exporter.write_export(spooled, CONV, "md", out)
    finally:
        spooled.close()
    assert out.getvalue().startswith("# Conversation with Oldest Name, +1 (415) 555-0100")


def test_a_row_spool_is_not_read_as_messages() -> None:
    spooled = Spool(Filters(), "jsonl")
    try:
        spooled.add([message("1", 0)])
        with pytest.raises(TypeError):
            list(spooled)
        with pytest.raises(ValueError):
            exporter.write_export(spooled, CONV, "csv", io.StringIO())
    finally:
        spooled.close()


def test_cli_streams_the_big_demo_thread_whole_and_in_order(
    demo_server: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv("INBOX_TUI_TOKEN", demo_server.heymarket_token)
    conv = demo_server.dataset.biggest_threads(1)[0]
    target = tmp_path / "big.csv"
    status = main(
        ["export", "--backend", "heymarket", "--base-url", demo_server.base_url,
         "--contact", "+" + conv.contact, "--inbox", str(conv.inbox_id), "--output", str(target)]
    )  # fmt: skip
    assert status == 0
    import csv

    with target.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    expected = [str(m.id) for m in demo_server.dataset.thread(conv.inbox_id, conv.contact)]
    assert len(rows) == conv.message_count == len(expected)
    assert [r["id"] for r in rows] == expected
    assert [r["created_at"] for r in rows] == sorted(r["created_at"] for r in rows)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "md"])
async def test_offline_export_from_compact_cache_reads_writes_the_known_content(
    store: Store, tmp_path: Any, fmt: str
) -> None:
    thread = known_thread()
    await store.upsert_messages(thread)
    ends = MessagePosition.of(thread[0]), MessagePosition.of(thread[-1])
    await store.set_thread_state(ThreadState(CONV.key, *ends, complete=True))
    target = tmp_path / f"offline.{fmt}"
    assert await exporter.export_cached(store, CONV, target, fmt) == 3
    assert target.read_text(encoding="utf-8") == EXPECTED[fmt]
