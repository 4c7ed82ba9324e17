"""Previews of the list rows on screen that came without a message (heymarket's
conversations API): each is filled in place, cursor untouched, once the text is known.

A short pause after the list loads or scrolls, the rows then visible that lack a preview
are asked of the session (cache first, else one request each, a few at a time: see
:mod:`inbox_tui.core.previews`). A fast scroll asks only where it stops; a request still
waiting for its turn is dropped when its row left the screen or the list changed. A filled
row also refreshes the waiting labels (its messages are in the cache now)."""

from __future__ import annotations

import asyncio
import logging
from functools import partial
from typing import TYPE_CHECKING

from textual.timer import Timer

from inbox_tui.ui.widgets.banner import error_text

if TYPE_CHECKING:
    from inbox_tui.models import Conversation
    from inbox_tui.ui.shell import Shell

log = logging.getLogger(__name__)
SETTLE = 0.25  # seconds the list stays still before its visible rows are asked for
HIDDEN_RETRY = 0.5  # seconds between looks while the list is hidden


class ListPreviews:
    def __init__(self, app: Shell) -> None:
        self.app = app
        self._pending: set[str] = set()  # keys being looked up
        self._timer: Timer | None = None
        self._queue_timer: Timer | None = None

    def start(self) -> None:
        """Follow the list's scrolling (after mount)."""
        self.app.watch(
            self.app.conversation_list, "scroll_y", lambda _: self.schedule(), init=False
        )

    def schedule(self) -> None:
        """The list loaded, scrolled or changed: look at what is visible once it settles."""
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.app.set_timer(SETTLE, self._fill_visible)

    def _visible_keys(self) -> set[str]:
        return {c.key for c in self.app.conversation_list.visible_conversations()}

    def _fill_visible(self) -> None:
        listed = self.app.conversation_list
        shown = listed.visible_conversations()
        if not shown and listed.conversations:
            # Rows, none on screen: the list is hidden (a narrow terminal shows the filter
            # pane or the thread in its place). Look again once it may be back.
            self._timer = self.app.set_timer(HIDDEN_RETRY, self._fill_visible)
            return
        for conversation in shown:
            if conversation.last_message is not None or conversation.key in self._pending:
                continue
            self._pending.add(conversation.key)
            work = partial(self._fill, conversation)
            self.app.run_worker(work, group="previews", exit_on_error=False)

    async def _fill(self, conversation: Conversation) -> None:
        listed = self.app.conversation_list
        key = conversation.key
        try:
            message = await self.app.session.preview_of(
                conversation, lambda: key in self._visible_keys()
            )
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a preview is not worth an error banner
            log.info("preview of %s: %s", key, error_text(error))
            return
        finally:
            self._pending.discard(key)
        row = next((c for c in listed.conversations if c.key == key), None)
        if row is None or row.last_message is not None:
            return  # the list changed meanwhile, or another load brought it
        if message is None:
            if key in self._visible_keys():  # asked, and none came (not dropped unseen)
                listed.set_no_preview(key)
            return
        listed.update_row(row.model_copy(update={"last_message": message}))
        self._refresh_queue_soon()

    def _refresh_queue_soon(self) -> None:
        """One reply-queue read for a burst of filled rows, not one per row."""
        if self._queue_timer is not None:
            self._queue_timer.stop()
        self._queue_timer = self.app.set_timer(SETTLE, self.app.refresh_queue)
