"""Who is waiting on us, kept current: the list's "waiting 2h 14m" labels, the status
line's queue length and longest wait, and the reply queue screen (``w``).

One cache query (:meth:`Session.reply_queue`) feeds all three; it runs after the list
loads, after a poll stores messages, and every minute (waits grow)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from textual.app import ScreenStackError

from inbox_tui.core.waiting import WaitingConversation, overdue, wait_text
from inbox_tui.ui.widgets.banner import error_text

if TYPE_CHECKING:
    from inbox_tui.models import Conversation
    from inbox_tui.ui.shell import Shell

log = logging.getLogger(__name__)


class WaitingFeed:
    def __init__(self, app: Shell) -> None:
        self.app = app
        self.rows: list[WaitingConversation] = []

    @property
    def reply_within(self) -> timedelta:
        return self.app.session.settings.reply_threshold

    def refresh(self) -> None:
        """Read the queue again; an open queue screen reads it itself (and tells us)."""
        from inbox_tui.ui.screens.reply_queue import ReplyQueueScreen

        try:
            top = self.app.screen
        except (ScreenStackError, KeyError):  # the app is shutting down
            return
        if isinstance(top, ReplyQueueScreen):
            top.reload()
            return
        self.app.run_worker(self._refresh, group="waiting", exclusive=True, exit_on_error=False)

    async def _refresh(self) -> None:
        try:
            rows = await self.app.session.reply_queue()
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a label is not worth an error banner
            log.warning("reply queue: %s", error_text(error))
            return
        self.show(rows)

    def show(self, rows: list[WaitingConversation]) -> None:
        app = self.app
        self.rows = rows
        app.conversation_list.set_waiting(
            {row.conversation.key: row.since for row in rows}, self.reply_within
        )
        if not rows:
            app.status.set_queue(0)
            return
        longest = rows[0].waited(app.clock())
        app.status.set_queue(len(rows), wait_text(longest), overdue(longest, self.reply_within))

    def open_screen(self) -> None:
        """``w``: the queue, oldest wait first; ``enter`` opens the conversation."""
        from inbox_tui.ui.screens.reply_queue import ReplyQueueScreen

        app = self.app

        def chosen(conversation: Conversation | None) -> None:
            self.refresh()
            if conversation is not None:
                app.open_conversation(conversation)

        async def load() -> list[WaitingConversation]:
            rows = await app.session.reply_queue()
            self.show(rows)  # the status line and list labels follow what the screen shows
            return rows

        screen = ReplyQueueScreen(
            load,
            reply_within=self.reply_within,
            inbox_names={inbox.id: inbox.name for inbox in app.session.inboxes},
            clock=app.clock,
            offline=app.offline,
        )
        app.push_screen(screen, chosen)
