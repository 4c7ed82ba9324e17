"""The reply queue (``w``) over a real cache, offline: oldest wait first, the list says
"waiting …" (overdue ones with "!"), the status line counts them, enter opens one, and a
reply stored in the cache takes its conversation out."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from support.fake_backend import make_app
from support.messages import T0, contact_of, msg
from support.wait import settle

from inbox_tui.config import Profile
from inbox_tui.core.offline import CacheOnlyBackend
from inbox_tui.store import Store
from inbox_tui.ui.screens.reply_queue import ReplyQueueScreen
from inbox_tui.ui.widgets.conversation_list import ConversationList

NOW = T0 + timedelta(hours=3)


def row_text(lst: ConversationList, index: int, width: int = 100) -> str:
    conv = lst.conversations[index]
    return lst._row_text(conv, 0, 2, width, lst._get_styles()).plain


async def seeded(path: Path) -> None:
    async with await Store.open(path) as store:
        await store.upsert_messages(
            [
                # 1: waiting 2h 14m (over 30m): two inbound after an answered one
                msg(1, 0, inbound=True, seconds=-3600 * 5),
                msg(1, 1, inbound=False, seconds=-3600 * 4),
                msg(1, 2, inbound=True, seconds=46 * 60),
                msg(1, 3, inbound=True, seconds=50 * 60),
                # 2: answered
                msg(2, 0, inbound=True, seconds=0),
                msg(2, 1, inbound=False, seconds=60),
                # 3: waiting 10 minutes, under the threshold
                msg(3, 0, inbound=True, seconds=170 * 60),
                # 4: the oldest wait (a failed send is no reply)
                msg(4, 0, inbound=True, seconds=-86400),
                msg(4, 1, inbound=False, status="failed", seconds=-86000),
            ]
        )


async def test_queue_oldest_first_labels_status_open_and_reply(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    await seeded(path)

    async def open_store() -> Store:
        return await Store.open(path)

    app = make_app(
        CacheOnlyBackend(),
        offline=True,
        store=open_store,
        clock=lambda: NOW,
        settings=Profile(reply_within="30m"),
    )
    async with app.run_test(size=(120, 36)) as pilot:
        lst = app.conversation_list
        await settle(pilot, lambda: len(lst.conversations) == 4 and app.status.queue)
        assert app.status.queue == (3, "1d 3h", True)
        assert "! 3 waiting, longest 1d 3h" in app.status.render_text().plain
        by_contact = {c.contact: n for n, c in enumerate(lst.conversations)}
        assert "!waiting 2h 14m" in row_text(lst, by_contact[contact_of(1)])
        assert "waiting 10m" in row_text(lst, by_contact[contact_of(3)])
        assert "!waiting 10m" not in row_text(lst, by_contact[contact_of(3)])
        assert "waiting" not in row_text(lst, by_contact[contact_of(2)])

        await pilot.press("w")
        await settle(pilot, lambda: isinstance(app.screen, ReplyQueueScreen) and app.screen.loaded)
        screen = app.screen
        assert isinstance(screen, ReplyQueueScreen)
        assert [r.conversation.contact for r in screen.rows] == [
            contact_of(4),
            contact_of(1),
            contact_of(3),
        ]

        # A reply lands in the cache (a send or a poll): the conversation leaves the queue.
        await app.session.store.upsert_messages(
            [msg(4, 2, inbound=False, status="sent", seconds=-3600)]
        )
        app.refresh_queue()
        await settle(pilot, lambda: len(screen.rows) == 2)
        assert screen.rows[0].conversation.contact == contact_of(1)

        await pilot.press("enter")
        await settle(pilot, lambda: app.thread.conversation is not None)
        assert app.thread.conversation.contact == contact_of(1)
        assert not isinstance(app.screen, ReplyQueueScreen)
        await settle(pilot, lambda: app.status.queue == (2, "2h 14m", True))


async def test_palette_lists_the_reply_queue() -> None:
    from inbox_tui.ui.palette import COMMANDS

    assert ("reply_queue") in {action for _, _, action in COMMANDS}
