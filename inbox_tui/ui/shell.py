"""What the app's helpers (layout, list loading, background upkeep) may use of the app:
declared here so they need no import of ``ui/app.py`` (which imports them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from typing import Protocol

from textual.app import App
from textual.containers import Horizontal, Vertical

from inbox_tui.clock import Clock
from inbox_tui.core.session import CachedListStart, Session, Source
from inbox_tui.filters import Filters
from inbox_tui.models import Conversation
from inbox_tui.store import SearchHit
from inbox_tui.ui.error_router import ErrorRouter
from inbox_tui.ui.widgets.conversation_list import ConversationList
from inbox_tui.ui.widgets.filter_pane import FilterPane
from inbox_tui.ui.widgets.status_bar import AppHeader, StatusLine
from inbox_tui.ui.widgets.thread_view import ThreadView


class Upkeep(Protocol):
    """The part of :class:`~inbox_tui.ui.background.Background` the list loader calls."""

    def show_cache_note(self, start: CachedListStart) -> None: ...

    def enforce_limit(self) -> object: ...


class MemberNames(Protocol):
    """The part of :class:`~inbox_tui.ui.triage_keys.TriageKeys` the list loader calls."""

    def load_member_names(self) -> None: ...


class Shell(App[None], Protocol):
    """The :class:`~inbox_tui.ui.app.InboxApp` as its helpers see it."""

    session: Session
    offline: bool
    clock: Clock
    tz: tzinfo | None
    header: AppHeader
    status: StatusLine
    body: Horizontal
    conversation_list: ConversationList
    thread: ThreadView
    thread_pane: Vertical  # the thread and, under it, compose
    filter_pane: FilterPane | None
    thread_pane_open: bool
    side_loads_pending: bool
    errors: ErrorRouter
    background: Upkeep
    triage_keys: MemberNames

    @property
    def filters(self) -> Filters: ...

    @property
    def narrow(self) -> bool: ...

    @property
    def filters_open(self) -> bool: ...

    def reload(self, *, count: bool = True) -> None: ...

    def open_conversation(
        self, conversation: Conversation, hit: SearchHit | None = None
    ) -> None: ...

    async def resync_list(self) -> None: ...

    def refresh_queue(self) -> None: ...

    def show_error(
        self, error: BaseException, retry: Callable[[], object] | None, source: Source
    ) -> None: ...
