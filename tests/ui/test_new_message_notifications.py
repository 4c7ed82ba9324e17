"""A new inbound message reaches you outside the app: an OSC 9/777 notification written to
the terminal and the profile's notify_command run with the message in its environment."""

from __future__ import annotations

from pathlib import Path

from support.cached_app import backend_for, populate, store_factory
from support.wait import settle

from inbox_tui.config import Profile
from inbox_tui.demo.server import DemoServer
from inbox_tui.ui.app import InboxApp


async def test_poll_notifies_by_osc_and_command(server: DemoServer, tmp_path: Path) -> None:
    await populate(server)
    out = tmp_path / "notified"
    settings = Profile(
        poll_seconds=1,
        notify="osc",
        notify_command=f'printf "%s|%s" "$INBOX_TUI_CONTACT" "$INBOX_TUI_TEXT" > "{out}"',
    )
    app = InboxApp(backend_for(server), store=store_factory(), settings=settings)
    written: list[str] = []
    app.background.notifier._write = written.append  # the terminal, as seen by the driver
    async with app.run_test(size=(120, 36)) as pilot:
        rows = app.conversation_list
        await settle(pilot, lambda: len(rows.conversations) >= 10)
        await settle(pilot, lambda: app.poller is not None and app.poller.polls >= 1)
        other = rows.conversations[5]
        server.add_message(int(other.inbox_id or 413), other.contact, "where is my refund?\x1b]0;x")
        await settle(pilot, lambda: out.exists() and out.read_text().endswith("refund?"))
        assert any(s.startswith("\x1b]9;inbox-tui: New message from") for s in written)
        assert written[-1].endswith(";where is my refund?\x07")
        assert out.read_text().startswith(other.name or "+")
