"""Filling the conversation list: from the cache at once then revalidated, or (filtered)
straight from the server; then the side loads (the count, the inbox names) once the first
page is in, so they never compete with it for the server or the event loop.

Each load runs in an exclusive worker group: whatever was in flight for the old inbox or
filters is cancelled."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.worker import Worker

from inbox_tui.core.backend import ConversationPager
from inbox_tui.core.session import Source
from inbox_tui.errors import NetworkError
from inbox_tui.filters import Filters
from inbox_tui.ui.error_router import Failed
from inbox_tui.ui.widgets.banner import error_text

if TYPE_CHECKING:
    from inbox_tui.ui.shell import Shell

log = logging.getLogger("inbox_tui.ui.app")


class ListLoader:
    def __init__(self, app: Shell) -> None:
        self.app = app

    def _run(self, work: Callable[[], Awaitable[None]], group: str) -> Worker[None]:
        """An exclusive worker (a callable, not a coroutine: a worker cancelled before it
        starts must not leave a coroutine that was never awaited)."""
        return self.app.run_worker(work, group=group, exclusive=True, exit_on_error=False)

    def reload(self, *, count: bool = True) -> None:
        """Unfiltered (or offline) the list comes from the cache at once and is then
        revalidated against the server; filtered, from the server."""
        app = self.app
        session = app.session
        if session.list_is_cached:
            source = session.cached_list()
            self.load_cached(source.pager, source.local)
        else:
            # A cached load still revalidating would repaint the unfiltered list later.
            app.workers.cancel_group(app, "list-sync")
            app.header.set_cache_note("")
            try:
                source = session.direct_list()
            except Exception as error:  # a backend may validate filters eagerly
                app.show_error(error, app.reload, Source.LIST)
                return
            app.conversation_list.load(source.pager, source.local)
        app.status.set_filters(session.list_filters, source.local_fields)
        app.status.set_listed(0)
        if app.offline:
            app.status.set_count(None)
        elif count:
            self.count()

    def load_cached(self, pager: ConversationPager, local: Filters) -> None:
        self._run(partial(self._load_cached, pager, local), "list-sync")

    async def _load_cached(self, pager: ConversationPager, local: Filters) -> None:
        """Paint the cached list at once, then revalidate it against the server. A first
        run (empty cache) pages from the server through the same pager instead."""
        app = self.app
        session = app.session
        start = await app.errors.attempt(
            Source.CACHE, lambda: self.load_cached(pager, local), session.cached_list_start()
        )
        if isinstance(start, Failed):
            return
        if start.has_rows or app.offline:
            app.conversation_list.load(pager, local)
            app.background.show_cache_note(start)
        if app.offline:
            return
        if not start.has_rows:
            # Nothing cached: the pager walks the server from the top, and its first page
            # is painted as soon as one request brought rows (no revalidation first).
            app.conversation_list.load(pager, local)
            return
        changed = await app.errors.attempt(Source.LIST, app.reload, session.revalidate_list())
        if isinstance(changed, Failed):
            if isinstance(changed.error, NetworkError):  # the cached list stays usable
                app.background.went_offline()
            self.start_side_loads()
            return
        app.header.set_cache_note("")
        app.errors.resolved(Source.LIST)
        self.announce_endpoints()
        if changed:
            await self.resync()
        # The cache limit is not enforced here: the app's timer does it a little after start.

    async def resync(self) -> None:
        """Re-read the top of the cached list (after a sync or a poll) without losing the
        cursor: new activity moves conversations up, unread marks appear."""
        app = self.app
        rows = app.conversation_list
        for _ in range(3):  # the list may grow while the cache is read: read that far
            shown = max(len(rows.conversations), rows.cursor + 1)
            top = await app.session.top_rows(shown)
            if top is None:
                return
            if len(rows.conversations) <= shown:
                break
        rows.replace_rows(*top)

    def announce_endpoints(self) -> None:
        """Say once (a notice; the backend logs it) that the server lacks an optional
        endpoint the app works without, e.g. heymarket's conversations API."""
        notice = self.app.session.endpoint_notice()
        if notice:
            self.app.notify(notice, title="Server", timeout=10, markup=False)
            self.app.run_worker(self.app.session.remember_endpoints, exit_on_error=False)

    def start_side_loads(self) -> None:
        app = self.app
        self.announce_endpoints()  # a list loaded (or failed): the server has been asked
        if app.side_loads_pending:
            app.side_loads_pending = False
            app.triage_keys.load_member_names()
            if app.offline:  # nothing but the cache: no count, no inbox list
                app.header.set_inbox(app.session.inbox_label())
                return
            self.count()
            self._run(self._load_inboxes, "inboxes")

    def count(self) -> None:
        self._run(self._count, "count")

    async def _count(self) -> None:
        status = self.app.status
        status.set_count(None, counting=True)
        try:
            count = await self.app.session.count()
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the count is a hint: its failure is only logged
            log.info("count failed: %s", error_text(error))
            count = None
        status.set_count(count)

    async def _load_inboxes(self) -> None:
        app = self.app
        retry = lambda: self._run(self._load_inboxes, "inboxes")  # noqa: E731
        inboxes = await app.errors.attempt(Source.INBOXES, retry, app.session.load_inboxes())
        if isinstance(inboxes, Failed):
            return
        app.errors.resolved(Source.INBOXES)
        app.conversation_list.set_inbox_names({i.id: i.name for i in inboxes})
        app.header.set_inbox(app.session.inbox_label())
