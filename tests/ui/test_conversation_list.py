"""The virtualised conversation list: lazy paging, scale, literal rendering."""

from __future__ import annotations

from support.fake_backend import FIXED_NOW, FakeBackend, make_app
from support.wait import settle, wait_for

from inbox_tui.filters import Filters
from inbox_tui.ui.app import InboxApp
from inbox_tui.ui.timefmt import relative_time
from inbox_tui.ui.widgets.conversation_list import ConversationList


def pages(backend: FakeBackend) -> int:
    return sum(1 for call in backend.calls if call[0] == "next_page")


def ready(app: InboxApp):  # type: ignore[no-untyped-def]
    return lambda: (
        bool(app.conversation_list.conversations) and not app.conversation_list.is_loading
    )


def screen_text(widget: ConversationList) -> str:
    return "\n".join(widget.render_line(y).text for y in range(widget.size.height))


async def test_loads_lazily_as_the_cursor_nears_the_end() -> None:
    backend = FakeBackend(200, page_size=25)
    app = make_app(backend)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, ready(app))
        listed = app.conversation_list
        first = pages(backend)
        # A screen holds ~13 two-line rows: two pages fill it plus a screen of look-ahead.
        assert 1 <= first <= 3
        assert len(listed.conversations) == 25 * first < 200
        assert not listed.exhausted
        for _ in range(30):
            await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: not listed.is_loading)
        assert pages(backend) > first
        assert listed.cursor < len(listed.conversations) - 5  # loaded ahead of the cursor
        # Walking to the end eventually loads everything, each conversation once.
        while not listed.exhausted:
            await pilot.press("G")
            await wait_for(pilot, lambda: not listed.is_loading)
        keys = [c.key for c in listed.conversations]
        assert len(keys) == len(set(keys)) == 200


async def test_ten_thousand_conversations_key_moves_cost_the_screen_not_the_list() -> None:
    backend = FakeBackend(10_000, per_thread=2, page_size=1_000)
    app = make_app(backend)
    async with app.run_test(size=(100, 40)) as pilot:
        listed = app.conversation_list
        await wait_for(pilot, ready(app))
        while not listed.exhausted:
            await pilot.press("G")
            await wait_for(pilot, lambda: not listed.is_loading)
        assert len(listed.conversations) == 10_000
        await pilot.press("G")
        await pilot.pause()
        assert listed.cursor == 9_999
        height = listed.size.height
        before = listed.render_count
        for _ in range(20):
            await pilot.press("k")
        await pilot.press("g")
        await pilot.pause()
        assert listed.cursor == 0
        # Only rows that scroll into view (and the two cursor rows) are rendered again.
        rendered = listed.render_count - before
        assert rendered <= 21 * 4 + 2 * height, rendered


async def test_rows_render_user_data_literally_with_markers() -> None:
    app = make_app(FakeBackend(10))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, ready(app))
        text = screen_text(app.conversation_list)
        assert "[red]Mallory[/]" in text  # markup shown as typed
        assert "[bold]not markup[/bold]" in text
        assert "\x1b" not in text
        assert "Bob Evil" in text  # the escape sequence in the name was stripped
        assert "●" in text and "⚑" in text and "✗" in text  # unread, flagged, failed
        assert "+1 (415) 555-0002" in text  # number shown when there is no name
        assert "You: " in text  # outbound previews are labelled, not only coloured


async def test_local_filters_keep_paging_until_the_screen_is_full() -> None:
    backend = FakeBackend(300, page_size=20, server_fields=frozenset())
    app = make_app(backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, ready(app))
        app.apply_filters(Filters(text="thanks"))  # local for this backend
        await wait_for(pilot, ready(app))
        listed = app.conversation_list
        # "Thanks!" is one body in seven: pages keep coming until the screen is full.
        assert len(listed.conversations) >= listed.size.height // 2
        assert all("thanks" in c.last_message.body.lower() for c in listed.conversations)
        assert pages(backend) > 1


def test_relative_times() -> None:
    from datetime import timedelta

    now = FIXED_NOW  # a Tuesday
    assert relative_time(now + timedelta(minutes=3), now) == "now"
    assert relative_time(now - timedelta(seconds=30), now) == "now"
    assert relative_time(now - timedelta(minutes=5), now) == "5m"
    assert relative_time(now - timedelta(hours=3), now) == "3h"
    assert relative_time(now - timedelta(days=2), now) == "Sun"
    assert relative_time(now - timedelta(days=10), now) == "Feb 28"
    assert relative_time(now.replace(year=2023), now) == "2023"


async def test_rows_arriving_after_a_paint_replace_the_loading_line() -> None:
    import asyncio

    # Local filters keep one fetch walking several pages: rows from the first page must
    # show while the next page is still on its way.
    backend = FakeBackend(300, page_size=20, server_fields=frozenset())
    app = make_app(backend)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, ready(app))
        backend.steps = asyncio.Semaphore(0)
        app.apply_filters(Filters(text="thanks"))
        await wait_for(pilot, lambda: app.conversation_list.is_loading)
        await pilot.pause()
        assert "loading conversations" in screen_text(app.conversation_list).splitlines()[0]
        # One call at a time until rows show (the count asks the fake too, in any order).
        for _ in range(20):
            backend.steps.release()
            await pilot.pause(0.05)
            if app.conversation_list.conversations:
                break
        assert app.conversation_list.conversations
        await pilot.pause()
        assert app.conversation_list.is_loading  # still walking pages
        first_line = screen_text(app.conversation_list).splitlines()[0]
        assert "loading" not in first_line and "+1 (415)" in first_line
        steps = backend.steps
        backend.steps = None
        for _ in range(100):  # let the walk finish
            steps.release()
        await wait_for(pilot, ready(app))


async def test_a_fetch_overtaken_by_a_resync_before_it_starts_does_not_stay_loading() -> None:
    backend = FakeBackend(200, page_size=25)
    app = make_app(backend)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, ready(app))
        listed = app.conversation_list
        shown = list(listed.conversations)  # enough for the screen: no load of its own
        listed.load_more()  # its worker starts on a later turn of the event loop...
        listed.replace_rows(shown, backend.conversations(Filters()))
        # ...after the resync replaced the rows: that stale worker must not mark the list
        # as loading for good (nothing of the new generation would ever clear it).
        await settle(pilot, lambda: not listed.is_loading, timeout=5)
        assert listed.conversations == shown


def test_relative_times_are_in_the_thread_zone() -> None:
    """Just after midnight UTC on a Monday is still Sunday evening in New York: the list
    says what the thread's day header says."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    now = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)  # a Monday
    when = datetime(2025, 3, 8, 2, 0, tzinfo=UTC)  # Saturday UTC, Friday evening in NY
    assert relative_time(when, now, UTC) == "Sat"
    assert relative_time(when, now, ZoneInfo("America/New_York")) == "Fri"
