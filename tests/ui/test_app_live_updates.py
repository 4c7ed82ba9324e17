"""Live updates in the app over real loopback HTTP: a message added on the DemoServer shows
up at the top of the list with ●, in the open thread, with a notification and a bell; and
polling racing scroll-back never duplicates a message."""

from __future__ import annotations

from typing import Any

from support.cached_app import PROFILE, backend_for, populate, store_factory
from support.wait import settle

from inbox_tui.config import Profile
from inbox_tui.demo.server import DemoServer
from inbox_tui.models import Direction
from inbox_tui.ui.app import InboxApp


def live_app(srv: DemoServer, *, bell: bool = True) -> tuple[InboxApp, dict[str, list[Any]]]:
    app = InboxApp(
        backend_for(srv),
        profile_name=PROFILE,
        store=store_factory(),
        settings=Profile(poll_seconds=1, bell=bell),
    )
    seen: dict[str, list[Any]] = {"notes": [], "bells": []}
    original_notify = app.notify

    def notify(message: str, **kw: Any) -> None:
        seen["notes"].append(message)
        original_notify(message, **kw)

    app.notify = notify  # type: ignore[method-assign]
    app.bell = lambda: seen["bells"].append(1)  # type: ignore[method-assign]
    return app, seen


async def test_new_inbound_message_moves_to_top_unread_and_notifies(server: DemoServer) -> None:
    await populate(server)
    app, seen = live_app(server)
    async with app.run_test(size=(120, 36)) as pilot:
        rows = app.conversation_list
        await settle(pilot, lambda: len(rows.conversations) >= 10)
        await settle(pilot, lambda: app.poller is not None and app.poller.polls >= 1)
        await pilot.press("enter")  # open the first conversation
        await settle(pilot, lambda: len(app.thread.messages) > 0 and not app.thread.fetching)
        opened = app.thread.conversation
        assert opened is not None
        other = rows.conversations[8]
        server.add_message(int(other.inbox_id or 413), other.contact, "polling works [red]hi[/]")
        await settle(
            pilot, lambda: rows.conversations[0].key == other.key and rows.conversations[0].unread
        )
        assert any("polling works [red]hi[/]" in n for n in seen["notes"])  # literal text
        assert seen["bells"]
        keys = [c.key for c in rows.conversations]
        assert len(keys) == len(set(keys))

        # A message in the open conversation lands in the thread, which stays read.
        server.add_message(int(opened.inbox_id or 413), opened.contact, "in the open thread")
        await settle(pilot, lambda: app.thread.messages[-1].body == "in the open thread")
        await settle(pilot, lambda: rows.conversations[0].key == opened.key)
        assert not rows.conversations[0].unread
        ids = [m.id for m in app.thread.messages]
        assert len(ids) == len(set(ids))


async def test_polling_racing_scroll_back_never_duplicates(server: DemoServer) -> None:
    big = server.dataset.biggest_threads(1)[0]
    app, _ = live_app(server, bell=False)
    async with app.run_test(size=(120, 36)) as pilot:
        rows = app.conversation_list
        await settle(pilot, lambda: len(rows.conversations) >= 5)
        await settle(pilot, lambda: app.poller is not None and app.poller.polls >= 1)
        # Bring the big conversation to the top and open it.
        server.add_message(big.inbox_id, big.contact, "bump 0")
        await settle(pilot, lambda: rows.conversations[0].contact.endswith(big.contact[-10:]))
        rows.focus()
        await pilot.press("g", "enter")
        await settle(pilot, lambda: len(app.thread.messages) > 0)
        app.thread.focus()
        for n in range(1, 8):
            server.add_message(big.inbox_id, big.contact, f"bump {n}")
            if n % 2:
                server.add_message(big.inbox_id, big.contact, f"reply {n}", direction="outbound")
            await pilot.press("home", "pageup", "pageup")
            await pilot.pause(0.25)
        await settle(pilot, lambda: app.thread.messages[-1].body == "reply 7")
        messages = app.thread.messages
        ids = [m.id for m in messages]
        assert len(ids) == len(set(ids)), "a message is shown twice"
        assert messages == sorted(messages, key=lambda m: m.sort_key)
        bumps = [m.body for m in messages if m.body.startswith("bump ")]
        assert bumps == [f"bump {n}" for n in range(8)]
        assert {m.direction for m in messages if m.body.startswith("reply ")} == {
            Direction.OUTBOUND
        }


async def test_poll_errors_back_off_in_the_header_then_recover() -> None:
    from inbox_tui.api.auth import BearerToken
    from inbox_tui.api.heymarket import HeymarketBackend
    from inbox_tui.api.http import HttpSettings
    from inbox_tui.demo.faults import FaultConfig
    from inbox_tui.ui.widgets.status_bar import Connection

    details: list[tuple[Connection, str]] = []
    with DemoServer() as srv:
        await populate(srv)
        backend = HeymarketBackend(
            srv.base_url, BearerToken(srv.heymarket_token), settings=HttpSettings(max_retries=0)
        )
        app = InboxApp(
            backend, profile_name=PROFILE, store=store_factory(), settings=Profile(poll_seconds=1)
        )
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot, lambda: len(app.conversation_list.conversations) >= 5)
            await settle(pilot, lambda: app.poller is not None and app.poller.polls >= 1)
            # The start-up revalidation of the cached list also posts /v1/messages/all: let
            # it finish first, or an injected 503 lands on it (a "list" banner that only the
            # user's retry clears) instead of on the poller.
            await settle(pilot, lambda: app.header.cache_note == "" and not app.banner.showing)
            original = app.header.set_state

            def record(state: Connection, detail: str = "") -> None:
                details.append((state, detail))
                original(state, detail)

            app.header.set_state = record  # type: ignore[method-assign]
            srv.set_faults(FaultConfig(schedule=("503", "503"), paths=("/v1/messages/all",)))
            await settle(pilot, lambda: app.poller is not None and app.poller.errors >= 1)
            await settle(pilot, lambda: app.poller is not None and app.poller.errors == 0)
            await settle(pilot, lambda: app.header.state is Connection.CONNECTED)
    backoff = [d for s, d in details if s is Connection.RETRYING]
    assert backoff and "next try in" in backoff[0], details
