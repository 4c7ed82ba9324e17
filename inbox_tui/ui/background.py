"""What happens without a key press: poll results reaching the list and the open thread,
new-message notices, the cache-age note ticking, and the cache kept under its limit."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import TYPE_CHECKING

from textual.worker import Worker

from inbox_tui.core.notify import Notifier
from inbox_tui.core.poller import PollResult, PollState
from inbox_tui.core.session import (
    CachedListStart,
    Source,
    new_message_notice,
    new_message_summary,
)
from inbox_tui.dates import to_local
from inbox_tui.ui.timefmt import cache_age_text
from inbox_tui.ui.widgets.banner import error_text
from inbox_tui.ui.widgets.status_bar import Connection

if TYPE_CHECKING:
    from inbox_tui.ui.shell import Shell

log = logging.getLogger("inbox_tui.ui.app")


class Background:
    def __init__(self, app: Shell) -> None:
        self.app = app
        settings = app.session.settings
        self.notifier = Notifier(
            bell=settings.bell,
            osc=settings.notify == "osc",
            command=settings.notify_command,
            ring=lambda: app.bell(),  # looked up late: tests and themes may replace it
            write=self.write_terminal,
        )
        self.offline_since: datetime | None = None  # the server unreachable since then
        self.upkeep_started = False  # the start-up timer has fired (see start_upkeep)

    def write_terminal(self, sequence: str) -> None:
        """Write an escape sequence to the terminal (as Textual's own OSC 52 copy does);
        nothing when headless."""
        driver = getattr(self.app, "_driver", None)
        if driver is not None and not self.app.is_headless:
            driver.write(sequence)
            driver.flush()

    def went_offline(self, detail: str = "retrying") -> None:
        """The server is unreachable: the cached inbox stays usable, the header says since
        when, and the poller keeps probing (its backoff) until an answer comes back."""
        app = self.app
        if self.offline_since is None:
            self.offline_since = app.clock()
        since = to_local(self.offline_since, app.tz).strftime("%H:%M")
        app.header.set_state(Connection.OFFLINE, f"offline since {since}; {detail}")

    async def _back_online(self) -> None:
        """The first answer after being offline: revalidate the list that was shown from
        the cache (the poll only brings the newest messages)."""
        self.offline_since = None
        app = self.app
        for retry in app.banner.take_retries():  # what failed while offline, tried again
            retry()
        changed = await app.errors.attempt(Source.LIST, None, app.session.revalidate_list())
        if isinstance(changed, bool):
            app.errors.resolved(Source.LIST)
        if changed is True:
            await app.resync_list()

    def show_cache_note(self, start: CachedListStart) -> None:
        app = self.app
        note = cache_age_text(start.synced_at, app.clock(), offline=app.offline, tz=app.tz)
        app.header.set_cache_note(note)

    def tick(self) -> None:
        """Every minute: relative times in the list, and the header's cache age."""
        app = self.app
        app.conversation_list.tick()
        app.refresh_queue()
        if app.header.cache_note and app.session.conversations is not None:
            app.run_worker(
                self._refresh_cache_note, group="cache-note", exclusive=True, exit_on_error=False
            )

    async def _refresh_cache_note(self) -> None:
        try:
            synced = await self.app.session.synced_at()
        except Exception:  # a note about the cache's age is not worth an error
            return
        if self.app.header.cache_note:
            self.show_cache_note(CachedListStart(synced, True))

    def start_upkeep(self) -> Worker[None] | None:
        """The start-up timer fired: the cache limit is enforced now, and from now on after
        polls that stored messages (before it, they would compete with the first paint)."""
        self.upkeep_started = True
        return self.enforce_limit()

    def enforce_limit(self) -> Worker[None] | None:
        """Keep the cache under the profile's limit (never the open thread), in a worker;
        nothing before :meth:`start_upkeep`."""
        if not self.upkeep_started:
            return None
        return self.app.run_worker(
            self._enforce_limit, group="evict", exclusive=True, exit_on_error=False
        )

    async def _enforce_limit(self) -> None:
        conversation = self.app.thread.conversation
        try:
            await self.app.session.enforce_limit(conversation.key if conversation else None)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # upkeep: logged, never in the user's way
            log.warning("cache limit: %s", error_text(error))

    async def on_poll(self, result: PollResult) -> None:
        app = self.app
        app.errors.resolved(Source.POLL)
        if self.offline_since is not None:
            await self._back_online()
        if result.inserted or result.updated:
            await app.resync_list()
        conversation = app.thread.conversation
        if conversation is not None:
            key = conversation.key
            new = [m for m in result.inserted if m.conversation_key == key]
            changed = [m for m in result.updated if m.conversation_key == key]
            if new:
                app.thread.add_messages(new)
            if changed:
                app.thread.update_messages(changed)
        if result.new_inbound and not result.initial:
            app.notify(new_message_summary(result), title="New message", timeout=6, markup=False)
            self.notifier.submit(new_message_notice(result, app.session.inboxes))
        if result.inserted or result.updated:
            app.refresh_queue()
        if result.inserted:
            self.enforce_limit()

    def on_poll_error(self, error: Exception, state: PollState) -> None:
        app = self.app
        poller = app.session.poller
        if state is PollState.PAUSED:  # credentials refused: polling stopped
            app.errors.show(error, poller.resume if poller else None, Source.POLL)
            return
        delay = f"next try in {poller.next_delay():.0f}s" if poller else ""
        if state is PollState.OFFLINE or self.offline_since is not None:
            self.went_offline(delay or "retrying")
        else:
            app.header.set_state(Connection.RETRYING, f"{type(error).__name__}; {delay}")
