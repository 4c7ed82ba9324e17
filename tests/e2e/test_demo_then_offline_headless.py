"""Issue 5's "Done means" through the real CLI code path, headless: `inbox-tui --demo`,
browse, quit (the demo server stops with it); then `inbox-tui --offline` with no config at
all shows the same inbox from the cache and `/` finds a word from a message seen before."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from support.cached_app import a_word
from support.wait import settle

from inbox_tui.cli.main import main
from inbox_tui.store.last_profile import read_last_profile
from inbox_tui.ui.app import InboxApp
from inbox_tui.ui.screens.search import SearchScreen
from inbox_tui.ui.widgets.status_bar import Connection

ORIGINAL_RUN = InboxApp.run


def headless(monkeypatch: pytest.MonkeyPatch, job: Callable[[Any, Any], Awaitable[None]]) -> None:
    original = ORIGINAL_RUN

    def run(self: Any, **kwargs: Any) -> Any:
        async def auto_pilot(pilot: Any) -> None:
            try:
                await job(self, pilot)
            finally:
                self.exit()

        return original(self, headless=True, size=(120, 36), auto_pilot=auto_pilot)

    monkeypatch.setattr(InboxApp, "run", run)


def test_demo_then_offline_shows_the_same_inbox_and_search_finds_a_seen_word(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict[str, Any] = {}

    async def browse(app: Any, pilot: Any) -> None:
        rows = app.conversation_list
        await settle(pilot, lambda: len(rows.conversations) >= 10, timeout=60)
        await settle(pilot, lambda: app.header.cache_note == "", timeout=60)
        seen["keys"] = [c.key for c in rows.conversations[:10]]
        seen["poll"] = app.session.settings.poll_seconds
        await pilot.press("j", "j", "enter")
        await settle(pilot, lambda: len(app.thread.messages) >= 3 and not app.thread.fetching)
        message = next(m for m in reversed(app.thread.messages) if re.search("[A-Za-z]{5}", m.body))
        seen["message"], seen["word"] = message.id, a_word(message.body)
        seen["profile"] = app.profile_name

    headless(monkeypatch, browse)
    assert main(["--demo"]) == 0
    assert seen["profile"] == "demo" and seen["poll"] <= 5
    assert read_last_profile() == "demo"

    found: dict[str, Any] = {}

    async def offline(app: Any, pilot: Any) -> None:
        rows = app.conversation_list
        await settle(pilot, lambda: len(rows.conversations) >= 10, timeout=60)
        found["keys"] = [c.key for c in rows.conversations[:10]]
        found["header"] = app.header.render_text(with_backend=True).plain
        found["state"] = app.header.state
        await pilot.press("slash")
        await settle(pilot, lambda: isinstance(app.screen, SearchScreen))
        screen = app.screen
        await pilot.press(*seen["word"])
        await settle(pilot, lambda: any(h.message_id == seen["message"] for h in screen.hits))
        index = next(n for n, h in enumerate(screen.hits) if h.message_id == seen["message"])
        await pilot.press("down", *["down"] * index, "enter")
        await settle(
            pilot,
            lambda: (
                app.thread.selected_message is not None
                and app.thread.selected_message.id == seen["message"]
            ),
        )
        found["opened"] = app.thread.selected_message.id

    headless(monkeypatch, offline)
    assert main(["--offline"]) == 0
    assert found["keys"] == seen["keys"]
    assert found["state"] is Connection.OFFLINE
    assert "demo:" in found["header"] and "cache from " in found["header"]
    assert found["opened"] == seen["message"]


def test_offline_with_no_config_and_no_cache_says_what_to_do(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--offline"]) == 2
    assert "run inbox-tui" in capsys.readouterr().err
