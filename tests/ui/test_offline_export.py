"""``e`` offline writes a thread the cache holds whole, says what is missing otherwise, and
leaves the header as it found it (issue 14 item 9)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.fake_backend import make_conversation, make_messages
from support.wait import wait_for

from inbox_tui.core.offline import CacheOnlyBackend
from inbox_tui.store import MessagePosition, Store
from inbox_tui.store.messages import ThreadState
from inbox_tui.ui.app import InboxApp
from inbox_tui.ui.widgets.status_bar import Connection

PROFILE = "offline-export"


async def fill_cache(*, complete: bool) -> int:
    """One conversation of 30 messages in the profile cache, whole or not."""
    messages = make_messages(3, 30)
    store = await Store.open_profile(PROFILE)
    try:
        await store.upsert_conversations([make_conversation(3, messages)])
        await store.upsert_messages(messages)
        await store.set_thread_state(
            ThreadState(
                messages[0].conversation_key,
                oldest=MessagePosition.of(messages[0]),
                newest=MessagePosition.of(messages[-1]),
                complete=complete,
            )
        )
    finally:
        await store.close()
    return len(messages)


def offline_app() -> InboxApp:
    async def open_store() -> Store:
        return await Store.open_profile(PROFILE)

    return InboxApp(CacheOnlyBackend(), profile_name=PROFILE, offline=True, store=open_store)


def notes(app: InboxApp) -> str:
    return " | ".join(str(n.message) for n in app._notifications)


@pytest.mark.parametrize("complete", [True, False])
async def test_offline_export_of_a_cached_thread(
    complete: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    count = await fill_cache(complete=complete)
    app = offline_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: bool(app.conversation_list.conversations))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.thread.conversation is not None)
        await pilot.press("e")
        if complete:
            await wait_for(pilot, lambda: f"Exported {count} messages" in notes(app))
            written = list(tmp_path.glob("inbox-*.md"))
            assert len(written) == 1 and written[0].read_text().count("<!-- id ") == count
            assert app.header.state is Connection.OFFLINE
            assert not app.banner.showing
        else:
            await wait_for(pilot, lambda: app.banner.showing)
            assert "holds 30 message(s)" in app.banner.message
            assert "not its beginning" in app.banner.message
            assert not list(tmp_path.glob("inbox-*.md"))
            assert app.header.state is Connection.OFFLINE  # the cache, not the connection
