"""Filling the thread pane: the cached messages of a conversation at once (around a search
hit when there is one), then what the server has that is newer or changed.

Each load runs in an exclusive worker group, so opening another conversation cancels what
was in flight for the last one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.worker import Worker

from inbox_tui.core.session import Source
from inbox_tui.models import Conversation
from inbox_tui.store import SearchHit
from inbox_tui.ui.error_router import Failed

if TYPE_CHECKING:
    from inbox_tui.ui.shell import Shell


class ThreadLoader:
    def __init__(self, app: Shell) -> None:
        self.app = app

    def _run(self, work: Callable[[], Awaitable[None]], group: str) -> Worker[None]:
        return self.app.run_worker(work, group=group, exclusive=True, exit_on_error=False)

    def open(self, conversation: Conversation, hit: SearchHit | None = None) -> None:
        self._run(partial(self._open, conversation, hit), "open")

    def revalidate(self) -> None:
        """New messages merge in (no jump), changed statuses re-render in place."""
        self._run(self._revalidate, "thread-sync")

    def open_hit(self, hit: SearchHit) -> None:
        self._run(partial(self._open_hit, hit), "search-open")

    async def _open(self, conversation: Conversation, hit: SearchHit | None) -> None:
        app = self.app
        opened = await app.errors.attempt(
            Source.THREAD,
            lambda: app.open_conversation(conversation, hit),
            app.session.open_thread(conversation, hit),
        )
        if isinstance(opened, Failed):
            return
        if conversation.unread:  # opening it read it (the session marked the cache)
            conversation = conversation.model_copy(update={"unread": False})
            app.conversation_list.update_row(conversation)
        highlight = None if app.filters.is_empty() else app.filters
        app.thread.show(
            conversation, opened.pager, highlight=highlight, initial=opened.page.messages
        )
        if hit is not None:
            app.thread.jump_to(hit.message_id)
            app.thread.refresh_newer()  # the messages after the hit's neighbourhood
        elif opened.page.messages and not app.offline:
            self.revalidate()

    async def _revalidate(self) -> None:
        app = self.app
        thread = app.session.thread
        if thread is None:
            return
        update = await app.errors.attempt(
            Source.THREAD,
            self.revalidate,
            app.session.revalidate_thread(thread, app.thread.messages),
        )
        shown = app.thread.conversation
        if isinstance(update, Failed) or update is None or shown is None:
            return
        if shown.key != thread.key:
            return
        app.errors.resolved(Source.THREAD)
        if update.added:
            app.thread.add_messages(update.added)
        if update.updated:
            app.thread.update_messages(update.updated)
        if update.changed:
            app.background.enforce_limit()

    async def _open_hit(self, hit: SearchHit) -> None:
        app = self.app
        conversation = await app.errors.attempt(
            Source.CACHE, None, app.session.conversation_of(hit)
        )
        if isinstance(conversation, Failed):
            return
        if conversation is None:
            app.notify("That conversation is no longer in the cache.", severity="warning")
            return
        app.open_conversation(conversation, hit)
