"""DetailScreen: every field, literal text, raw payload without secrets, keys."""

from __future__ import annotations

from datetime import UTC, timedelta, timezone

from support.thread_view_kit import make_message
from support.wait import wait_for
from textual.app import App
from textual.widgets import Static

from inbox_tui import secrets
from inbox_tui.models import Direction
from inbox_tui.ui.screens.detail import DetailScreen, detail_text


def full_message():  # type: ignore[no-untyped-def]
    return make_message(
        3,
        direction=Direction.OUTBOUND,
        body="[red]literal[/] \x1b[31mno ansi\x1b[0m\nsecond line",
        status="failed",
        updated_at=make_message(3).created_at + timedelta(minutes=2),
        contact_name="Ada [b]L[/b]",
        inbox_id="inbox-7",
        author="Grace",
        user_id="u-42",
        flagged=True,
        broadcast_id="bc-9",
        local_id="loc-1",
        provider_sid="SM123",
        media_url="https://media.example/3.jpg",
        raw={"id": 3, "text": "[red]raw[/]\x1b]0;title\x07", "auth": "Bearer abcdefghijkl123"},
    )


def test_detail_text_has_every_field_literal_and_redacted() -> None:
    message = full_message()
    text = detail_text(message, tz=timezone(timedelta(hours=2))).plain
    for expected in (
        "m0000003",
        "outbound",
        "failed",
        "✗ failed",
        "2026-01-05 08:51:00 UTC",
        "10:51:00",
        "local",
        "+1 (415) 555-0100",
        "+14155550100",
        "Ada [b]L[/b]",
        "+14155550199",
        "inbox-7",
        "Grace",
        "u-42",
        "yes ⚑",
        "bc-9",
        "loc-1",
        "SM123",
        "https://media.example/3.jpg",
        "[red]literal[/] no ansi\nsecond line",
        # JSON shows control characters as escapes: visible, inert.
        '"text": "[red]raw[/]\\u001b]0;title\\u0007"',
    ):
        assert expected in text, expected
    assert "\x1b" not in text and "\x07" not in text
    assert "abcdefghijkl123" not in text and secrets.MASK in text


class DetailApp(App[None]):
    def on_mount(self) -> None:
        self.push_screen(DetailScreen(full_message(), tz=UTC))


async def test_detail_screen_shows_fields_copies_and_closes() -> None:
    app = DetailApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
        body = app.screen.query_one("#detail-body", Static)
        rendered = str(body.render())
        assert "provider sid" in rendered and "[red]literal[/]" in rendered
        await pilot.press("j", "j", "k")
        await pilot.press("y")
        assert app.clipboard == "[red]literal[/] no ansi\nsecond line"
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, DetailScreen))
        app.push_screen(DetailScreen(make_message(1, body="x" * 50_000)))
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
        await pilot.press("q")
        await wait_for(pilot, lambda: not isinstance(app.screen, DetailScreen))
