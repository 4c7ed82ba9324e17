"""ThreadView pilots: opening at the newest message, prefetching scroll-back without a jump,
status rows, errors + retry, keys, narrow/wide layout."""

from __future__ import annotations

import asyncio

from rich.cells import cell_len
from support.thread_view_kit import (
    CONTACT,
    SIZE,
    FakePager,
    ThreadApp,
    conversation,
    make_message,
    make_thread,
    open_thread,
    screen_text,
    settle_view,
)

from inbox_tui.filters import Filters
from inbox_tui.models import Direction
from inbox_tui.ui.widgets.thread_view import BEGINNING_TEXT, ERROR_TEXT, LOADING_TEXT, ThreadView


async def test_opens_at_the_newest_message() -> None:
    app = ThreadApp()
    async with app.run_test(size=SIZE) as pilot:
        pager = FakePager(make_thread(500), page_size=50)
        view = await open_thread(pilot, app, pager)
        assert pager.calls == [None]  # the newest page, no before-cursor
        assert view.scroll_y == view.max_scroll_y > 0
        assert view.selected_message is not None
        assert view.selected_message.id == "m0000499"
        lines = screen_text(view)
        body_rows = [i for i, line in enumerate(lines) if "message 499:" in line]
        assert body_rows and body_rows[0] > len(lines) - 8  # at the bottom of the screen
        assert not any(LOADING_TEXT in line or BEGINNING_TEXT in line for line in lines)


async def test_prefetches_older_page_before_reaching_the_top() -> None:
    app = ThreadApp()
    async with app.run_test(size=SIZE) as pilot:
        thread = make_thread(500)
        pager = FakePager(thread, page_size=50)
        view = await open_thread(pilot, app, pager)
        presses = 0
        while len(pager.calls) < 2:
            await pilot.press("k")
            presses += 1
            assert presses < 50, "no prefetch while scrolling up"
        # Requested with the oldest loaded message's timestamp as the before-parameter ...
        assert pager.calls[1] == thread[450].created_at
        # ... while the top (the status row) was still more than a screen away.
        assert view.scroll_y > view.scrollable_content_region.height
        await settle_view(pilot, view)
        assert len(view.messages) == 100
        assert [m.id for m in view.messages] == [m.id for m in thread[400:]]


async def test_older_page_lands_above_without_moving_the_view() -> None:
    app = ThreadApp()
    async with app.run_test(size=SIZE) as pilot:
        gate = asyncio.Event()
        gate.set()
        pager = FakePager(make_thread(300), page_size=40, gate=gate)
        view = await open_thread(pilot, app, pager)
        gate.clear()  # hold the next older() call
        # Page up to the top (g would keep walking to the beginning): the status row shows.
        for _ in range(200):
            if view.scroll_y == 0:
                break
            await pilot.press("pageup")
        await pilot.pause()
        assert view.fetching
        before = screen_text(view)
        assert LOADING_TEXT in before[0]
        assert f"{len(view.messages):,} loaded" in before[0]  # progress (issue 14 item 13)
        gate.set()
        await settle_view(pilot, view)
        after = screen_text(view)
        assert len(pager.calls) >= 2
        # Everything that was under the status row is on the very same screen row (the
        # day separator above the old first message goes: its day continues above now).
        separator = [i for i, line in enumerate(before) if " 2026 ──" in line]
        assert separator == [1]
        assert after[2:] == before[2:]
        assert " 2026 ──" not in after[1]
        assert LOADING_TEXT not in after[0]
        assert view.scroll_y > 0


async def test_beginning_of_conversation_only_when_exhausted() -> None:
    app = ThreadApp()
    async with app.run_test(size=SIZE) as pilot:
        pager = FakePager(make_thread(120), page_size=50)
        view = await open_thread(pilot, app, pager)
        assert not pager.exhausted
        assert BEGINNING_TEXT not in view.status_text()
        for _ in range(10):
            await pilot.press("g")
            await settle_view(pilot, view)
            if pager.exhausted:
                break
        assert pager.exhausted
        await pilot.press("g")
        await pilot.pause()
        assert BEGINNING_TEXT in screen_text(view)[0]
        assert len(view.messages) == 120
        # Paging ends: no further requests once exhausted.
        calls = len(pager.calls)
        await pilot.press("g", "k", "g")
        await settle_view(pilot, view)
        assert len(pager.calls) == calls


async def test_short_thread_shows_beginning_at_once() -> None:
    app = ThreadApp()
    async with app.run_test(size=SIZE) as pilot:
        pager = FakePager(make_thread(3), page_size=50)
        view = await open_thread(pilot, app, pager)
        lines = screen_text(view)
        assert BEGINNING_TEXT in lines[0]
        assert any("message 2:" in line for line in lines)


async def test_failed_load_shows_error_row_posts_load_failed_and_r_retries() -> None:
    app = ThreadApp()
    async with app.run_test(size=SIZE) as pilot:
        pager = FakePager(make_thread(200), page_size=50)
        view = await open_thread(pilot, app, pager)
        pager.fail = 1
        pager.error = ConnectionError("network down")
        await pilot.press("g")
        await settle_view(pilot, view)
        assert len(app.failures) == 1
        assert isinstance(app.failures[0].error, ConnectionError)
        assert ERROR_TEXT in screen_text(view)[0]
        assert len(view.messages) == 50
        calls = len(pager.calls)
        await pilot.press("ctrl+r")
        await settle_view(pilot, view)
        assert app.refreshes == 0  # the thread handled ctrl+r: it had something to retry
        assert len(pager.calls) > calls
        assert view.load_error is None
        assert len(view.messages) > 50
        assert ERROR_TEXT not in screen_text(view)[0]


async def test_first_page_failure_and_retry_callback() -> None:
    app = ThreadApp()
    async with app.run_test(size=SIZE) as pilot:
        pager = FakePager(make_thread(20), page_size=50, fail=1)
        view = await open_thread(pilot, app, pager)
        assert app.failures and not view.messages
        assert "could not load messages: press ctrl+r to retry" in screen_text(view)[0]
        app.failures[0].retry()  # what the app's banner "retry" does
        await settle_view(pilot, view)
        assert len(view.messages) == 20
        await pilot.press("g")
        assert BEGINNING_TEXT in screen_text(view)[0]


async def test_keys_move_selection_and_enter_requests_detail() -> None:
    app = ThreadApp()
    async with app.run_test(size=SIZE) as pilot:
        pager = FakePager(make_thread(100), page_size=100)
        view = await open_thread(pilot, app, pager)
        await pilot.press("k", "k")
        assert view.selected_message is not None
        assert view.selected_message.id == "m0000097"
        await pilot.press("j")
        assert view.selected_message.id == "m0000098"
        await pilot.press("g")
        assert view.selected_message.id == "m0000000"
        assert view.scroll_y == 0
        await pilot.press("G")
        assert view.selected_message.id == "m0000099"
        assert view.scroll_y == view.max_scroll_y
        await pilot.press("ctrl+u")
        assert view.scroll_y < view.max_scroll_y
        await pilot.press("pageup", "pagedown", "ctrl+d")
        selected = view.selected_message
        assert selected is not None
        await pilot.press("enter")
        await pilot.pause()
        assert [e.message.id for e in app.details] == [selected.id]
        # The selected message is drawn with the selection bar (not colour alone).
        assert any(line.startswith("▌") for line in screen_text(view))


async def test_y_copies_body_and_capital_y_copies_number() -> None:
    app = ThreadApp()
    async with app.run_test(size=SIZE) as pilot:
        body = "code [red]1234[/] \x1b[31mred"
        msgs = [*make_thread(5), make_message(5, body=body)]
        view = await open_thread(pilot, app, FakePager(msgs))
        await pilot.press("y")
        assert app.clipboard == "code [red]1234[/] red"
        await pilot.press("Y")
        assert app.clipboard == CONTACT
        assert view.selected_message is not None


async def test_o_shows_url_without_browser(monkeypatch: object) -> None:
    import inbox_tui.ui.widgets.thread_view as tv

    opened: list[str] = []
    app = ThreadApp()
    async with app.run_test(size=SIZE) as pilot:
        mp = monkeypatch  # type: ignore[assignment]
        mp.setattr(tv, "can_open_browser", lambda: False)  # type: ignore[attr-defined]
        mp.setattr(tv.webbrowser, "open", opened.append)  # type: ignore[attr-defined]
        msgs = [make_message(0, body="see https://example.com/x?y=1.", media_url=None)]
        await open_thread(pilot, app, FakePager(msgs))
        await pilot.press("o")
        await pilot.pause()
        assert not opened
        assert any("https://example.com/x?y=1" in n.message for n in app._notifications)


async def test_narrow_layout_labels_direction() -> None:
    app = ThreadApp()
    async with app.run_test(size=(60, 30)) as pilot:
        view = await open_thread(pilot, app, FakePager(make_thread(12)))
        text = "\n".join(screen_text(view))
        assert "← Ada Lovelace ·" in text
        assert "→ Grace ·" in text
        assert "✗ failed" in text


async def test_wide_layout_puts_outbound_right_and_inbound_left() -> None:
    app = ThreadApp()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await open_thread(pilot, app, FakePager(make_thread(12)))
        lines = screen_text(view)
        width = view.scrollable_content_region.width
        inbound = [line for line in lines if "Ada Lovelace ·" in line]
        outbound = [line for line in lines if "· Grace" in line and "note" not in line]
        assert inbound and outbound
        assert "←" not in "".join(lines)
        assert all(line[2:].startswith("Ada Lovelace") for line in inbound)
        assert all(cell_len(line.rstrip()) == width for line in outbound)
        assert all(cell_len(line) == width for line in lines)


async def test_resize_relayouts_and_keeps_selection() -> None:
    app = ThreadApp()
    async with app.run_test(size=(120, 30)) as pilot:
        view = await open_thread(pilot, app, FakePager(make_thread(60), page_size=60))
        await pilot.press("k", "k", "k")
        selected = view.selected_message
        await pilot.resize_terminal(60, 30)
        await pilot.pause()
        await pilot.pause()
        assert view.selected_message == selected
        lines = screen_text(view)
        assert all(cell_len(line) == view.scrollable_content_region.width for line in lines)
        assert "→ Grace" in "\n".join(lines)


async def test_add_messages_follows_bottom_and_dedupes() -> None:
    app = ThreadApp()
    async with app.run_test(size=SIZE) as pilot:
        pager = FakePager(make_thread(60), page_size=60)
        view = await open_thread(pilot, app, pager)
        view.add_messages([make_message(60), make_message(59, status="failed")])
        await pilot.pause()
        assert len(view.messages) == 61
        assert view.selected_message is not None
        assert view.selected_message.id == "m0000060"
        assert view.scroll_y == view.max_scroll_y
        assert view.messages[59].status == "failed"
        # Not at the bottom: new messages don't move the view.
        await pilot.press("g")
        await pilot.pause()
        before = screen_text(view)
        view.add_messages([make_message(61)])
        await pilot.pause()
        assert screen_text(view) == before
        # Other conversations' messages are ignored.
        view.add_messages([make_message(62, conversation_key="+19998887777")])
        assert len(view.messages) == 62


async def test_ctrl_r_without_error_is_the_apps_refresh_and_refresh_newer_polls() -> None:
    app = ThreadApp()
    async with app.run_test(size=SIZE) as pilot:
        pager = FakePager(make_thread(10))
        view = await open_thread(pilot, app, pager)
        await pilot.press("ctrl+r")
        assert app.refreshes == 1  # no error: the key goes on to the app
        pager.push(make_message(10))
        view.refresh_newer()
        await settle_view(pilot, view)
        await pilot.pause()
        assert pager.newer_calls == 1
        assert view.messages[-1].id == "m0000010"


async def test_jump_to_loads_older_pages_until_found() -> None:
    app = ThreadApp()
    async with app.run_test(size=SIZE) as pilot:
        pager = FakePager(make_thread(400), page_size=50)
        view = await open_thread(pilot, app, pager)
        view.jump_to("m0000123")
        await settle_view(pilot, view)
        assert view.selected_message is not None
        assert view.selected_message.id == "m0000123"
        assert any("message 123:" in line for line in screen_text(view))


async def test_highlight_marks_matches_and_n_jumps() -> None:
    app = ThreadApp()
    async with app.run_test(size=SIZE) as pilot:
        pager = FakePager(make_thread(40), page_size=40)
        view = await open_thread(pilot, app, pager, highlight=Filters(statuses={"failed"}))
        await pilot.press("N")
        message = view.selected_message
        assert message is not None and message.status == "failed"
        assert message.direction is Direction.OUTBOUND
        header = [line for line in screen_text(view) if line.startswith("▌•")]
        assert header and "✗ failed" in header[0]
        first = message.id
        await pilot.press("N")
        assert view.selected_message is not None
        assert view.selected_message.id < first
        await pilot.press("n")
        assert view.selected_message.id == first


async def test_initial_messages_show_immediately_then_merge() -> None:
    app = ThreadApp()
    async with app.run_test(size=SIZE) as pilot:
        thread = make_thread(80)
        gate = asyncio.Event()
        pager = FakePager(thread, page_size=50, gate=gate)
        view = app.view
        view.show(conversation(), pager, initial=thread[20:70])
        await pilot.pause()
        assert len(view.messages) == 50
        assert any("message 69:" in line for line in screen_text(view))
        gate.set()
        await settle_view(pilot, view)
        ids = [m.id for m in view.messages]
        assert ids == sorted(set(ids))
        assert ids[-1] == "m0000079"
        assert view.scroll_y == view.max_scroll_y


async def test_clear_and_switching_conversations_cancels_loads() -> None:
    app = ThreadApp()
    async with app.run_test(size=SIZE) as pilot:
        gate = asyncio.Event()
        slow = FakePager(make_thread(100), gate=gate)
        view = app.view
        view.show(conversation(), slow)
        await pilot.pause()
        fast = FakePager(make_thread(5))
        view.show(conversation(), fast)
        await settle_view(pilot, view)
        gate.set()
        await pilot.pause()
        assert len(view.messages) == 5
        view.clear()
        await pilot.pause()
        assert view.messages == [] and view.conversation is None
        assert "no conversation selected" in screen_text(view)[0]


async def test_hostile_messages_render_literally_in_the_view() -> None:
    hostile = [
        "[red]x[/] [bold]not bold[/bold]",
        "ansi \x1b[31mred\x1b[0m osc8 \x1b]8;;https://evil\x1b\\click\x1b]8;;\x1b\\ c1 \x9b2J",
        "bell\x07 nul\x00 bidi \u202eevil\u202c emoji 👩‍👩‍👧 cjk 漢字 rtl שלום",
        "A" * 100_000,
    ]
    msgs = [make_message(i, body=body, author="[i]Eve[/i]") for i, body in enumerate(hostile)]
    app = ThreadApp()
    async with app.run_test(size=(80, 40)) as pilot:
        view = await open_thread(pilot, app, FakePager(msgs))
        seen: list[str] = []
        for _ in range(40):  # walk the whole thread, rendering every line
            seen += screen_text(view)
            await pilot.press("pageup")
        text = "\n".join(seen)
        assert "[red]x[/] [bold]not bold[/bold]" in text
        assert "[i]Eve[/i]" in text
        assert "more lines (enter for detail)" in text
        for bad in ("\x1b", "\x07", "\x00", "\x9b", "\u202e"):
            assert bad not in text
        width = view.scrollable_content_region.width
        assert all(cell_len(line) == width for line in seen)


async def test_click_selects_and_double_click_requests_detail() -> None:
    app = ThreadApp()
    async with app.run_test(size=SIZE) as pilot:
        view = await open_thread(pilot, app, FakePager(make_thread(30), page_size=30))
        lines = screen_text(view)
        row = next(i for i, line in enumerate(lines) if "message 27:" in line)
        await pilot.click(ThreadView, offset=(10, row))
        assert view.selected_message is not None
        assert view.selected_message.id == "m0000027"
        await pilot.click(ThreadView, offset=(10, row), times=2)
        await pilot.pause()
        assert [e.message.id for e in app.details] == ["m0000027"]


async def test_a_message_that_cannot_be_laid_out_does_not_crash(monkeypatch: object) -> None:
    import inbox_tui.ui.widgets.thread_view as tv

    real_plan = tv.plan_message

    def flaky_plan(message, ctx, *, day_header):  # type: ignore[no-untyped-def]
        if message.id == "m0000008":
            raise ValueError("bad data")
        return real_plan(message, ctx, day_header=day_header)

    monkeypatch.setattr(tv, "plan_message", flaky_plan)  # type: ignore[attr-defined]
    app = ThreadApp()
    async with app.run_test(size=SIZE) as pilot:
        view = await open_thread(pilot, app, FakePager(make_thread(10)))
        text = "\n".join(screen_text(view))
        assert "m0000008 cannot be displayed" in text
        assert "message 9:" in text


async def test_resize_keeps_the_top_message_in_place() -> None:
    app = ThreadApp()
    async with app.run_test(size=(120, 30)) as pilot:
        view = await open_thread(pilot, app, FakePager(make_thread(300), page_size=300))
        for _ in range(8):
            await pilot.press("pageup")
        lines = screen_text(view)
        row, top_id = next(
            (i, line.split("message ")[1].split(":")[0])
            for i, line in enumerate(lines)
            if "message " in line and ":" in line.split("message ")[1][:8]
        )
        await pilot.resize_terminal(70, 30)
        await pilot.pause()
        after = screen_text(view)
        assert any(f"message {top_id}:" in line for line in after[: row + 2])
        assert all(cell_len(line) == view.scrollable_content_region.width for line in after)


async def test_large_initial_thread_opens_with_estimates_and_scrolls_everywhere() -> None:
    thread = make_thread(20_000)
    app = ThreadApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.view
        view.show(conversation(), FakePager(thread, page_size=100), initial=thread)
        await settle_view(pilot, view)
        assert len(view.messages) == 20_000
        assert any("message 19999:" in line for line in screen_text(view))
        assert view.scroll_y == view.max_scroll_y
        await pilot.press("g")
        assert view.selected_message is not None
        assert view.selected_message.id == "m0000000"
        assert any("message 0:" in line for line in screen_text(view))
        view.jump_to("m0012345")
        await pilot.pause()
        assert any("message 12345:" in line for line in screen_text(view))
        await pilot.press("G")
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y
        assert any("message 19999:" in line for line in screen_text(view))
