"""The export walks a thread into a spool on disk, a page at a time (constant memory), and
reads it back oldest first: deduplicated, filtered, without the vendor payload, and in
the right order even when a server's pages overlap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from inbox_tui.core import export as exporter
from inbox_tui.core.export_spool import Spool
from inbox_tui.filters import Filters
from inbox_tui.models import Direction, Message

BASE = datetime(2024, 1, 15, 10, 0, tzinfo=UTC)


def message(mid: str, seconds: int, direction: Direction = Direction.INBOUND) -> Message:
    return Message(
        id=mid,
        source="heymarket",
        conversation_key="413:+14155550100",
        contact="+14155550100",
        direction=direction,
        body=f"body {mid}",
        created_at=BASE + timedelta(seconds=seconds),
        raw={"authorization": "Bearer secret-raw-token"},
    )


class Pages:
    def __init__(self, pages: list[list[Message]]) -> None:
        self.pages = pages
        self.requests = 0

    @property
    def exhausted(self) -> bool:
        return self.requests >= len(self.pages)

    async def older(self) -> list[Message]:
        self.requests += 1
        return self.pages[self.requests - 1]

    async def newer(self) -> list[Message]:
        return []


def newest_first_pages(n: int, size: int) -> list[list[Message]]:
    messages = [message(f"m{i:05d}", i) for i in range(n)]
    return [messages[max(0, end - size) : end] for end in range(n, 0, -size)]


async def test_pages_go_to_disk_and_come_back_oldest_first() -> None:
    pages = newest_first_pages(1_000, 50)
    spooled = await exporter.spool(Pages(pages), [], Filters())
    try:
        assert len(spooled) == 1_000
        assert spooled._file.tell() > 0  # written out as the pages came
        back = list(spooled)
        assert [m.id for m in back] == [f"m{i:05d}" for i in range(1_000)]
        originals = {m.id: m for page in pages for m in page}
        assert all(m is not originals[m.id] for m in back)  # read back, not held
        assert all(not m.raw for m in back)
    finally:
        spooled.close()


async def test_duplicates_and_filters_are_applied_as_pages_arrive() -> None:
    pages = [
        [message("c", 5), message("d", 6, Direction.OUTBOUND)],
        [message("b", 4), message("c", 5)],
        [message("a", 1, Direction.OUTBOUND)],
    ]
    spooled = await exporter.spool(Pages(pages), [], Filters(direction="outbound"))
    try:
        assert [m.id for m in spooled] == ["a", "d"]
        assert spooled.ordered
    finally:
        spooled.close()


def test_overlapping_pages_still_come_back_sorted() -> None:
    spooled = Spool(Filters())
    try:
        spooled.add([message("y", 50), message("z", 60)])
        spooled.add([message("a", 1), message("late", 70)])  # a server out of order
        assert not spooled.ordered
        assert [m.id for m in spooled] == ["a", "y", "z", "late"]
    finally:
        spooled.close()
