"""ThreadView against the real demo server over loopback HTTP (heymarket style): scroll a
2,000-message thread back to its first message, page by page, with ``timestamp``."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from support.thread_view_kit import screen_text
from textual.app import App, ComposeResult

from inbox_tui.api.auth import BearerToken
from inbox_tui.api.heymarket import HeymarketBackend
from inbox_tui.models import Conversation, conversation_key
from inbox_tui.ui.widgets.thread_view import BEGINNING_TEXT, ThreadView


class RecordingTransport(httpx.AsyncBaseTransport):
    """The real loopback transport, remembering each request's query parameters."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.params: list[dict[str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/messages":
            self.params.append(dict(request.url.params))
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


class LoopbackApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ThreadView(tz=UTC)


async def test_scrolls_the_2000_message_demo_thread_back_to_its_beginning(
    demo_server: object,
) -> None:
    srv = demo_server
    demo = next(c for c in srv.dataset.biggest_threads() if c.message_count == 2000)  # type: ignore[attr-defined]
    expected = [str(m.id) for m in srv.dataset.thread(demo.inbox_id, demo.contact)]  # type: ignore[attr-defined]
    assert len(expected) == 2000
    transport = RecordingTransport()
    backend = HeymarketBackend(
        srv.base_url,  # type: ignore[attr-defined]
        BearerToken(srv.heymarket_token),  # type: ignore[attr-defined]
        inbox_id=str(demo.inbox_id),
        transport=transport,
    )
    contact = "+" + demo.contact
    conversation = Conversation(
        key=conversation_key(contact, str(demo.inbox_id)),
        contact=contact,
        inbox_id=str(demo.inbox_id),
        name=demo.name,
        last_at=datetime.fromtimestamp(demo.updated_ms / 1000, UTC),
    )
    app = LoopbackApp()
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            view = app.query_one(ThreadView)
            view.focus()
            view.show(conversation, backend.thread(conversation))
            for _ in range(400):
                await pilot.pause()
                if not view.fetching and view.messages:
                    break
            assert view.scroll_y == view.max_scroll_y  # opens at the newest message
            assert view.messages[-1].id == expected[-1]
            for _ in range(200):  # keep scrolling to the top until the pager is sure
                await pilot.press("g")
                for _ in range(100):
                    await pilot.pause()
                    if not view.fetching:
                        break
                if view.exhausted and not view.fetching:
                    break
            assert view.exhausted
            await pilot.press("g")
            assert BEGINNING_TEXT in screen_text(view)[0]
            assert [m.id for m in view.messages] == expected
    finally:
        await backend.aclose()
    # The first request had no before-cursor; every later one carried `timestamp`.
    assert "timestamp" not in transport.params[0]
    assert len(transport.params) >= 2000 // 50
    assert all("timestamp" in p for p in transport.params[1:])
    stamps = [int(p["timestamp"]) for p in transport.params[1:]]
    assert stamps == sorted(stamps, reverse=True)
