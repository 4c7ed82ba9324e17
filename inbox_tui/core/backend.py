"""The one interface the UI, the store and the CLI use to read a vendor API.

Each API style (``inbox_tui/api/heymarket.py``, ``inbox_tui/api/workspace.py``) provides a
class satisfying :class:`Backend`. Nothing outside ``api/`` knows which one it has.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol, runtime_checkable

from inbox_tui.capabilities import READ_ONLY, Capabilities, RetryListener
from inbox_tui.filters import Filters
from inbox_tui.models import Conversation, Inbox, Message

__all__ = [
    "READ_ONLY",
    "Backend",
    "Capabilities",
    "ConversationPager",
    "MessagePager",
    "RetryListener",
]


@runtime_checkable
class MessagePager(Protocol):
    """Walks one timeline backwards in time, a page at a time (see ``core/pager.py``)."""

    @property
    def exhausted(self) -> bool:
        """True only when the pager is certain nothing older exists."""

    @property
    def complete(self) -> bool:
        """Exhausted with nothing skipped: every message of the timeline was returned
        (a pager that skipped a gap it could not fill is exhausted but not complete)."""

    @property
    def partial(self) -> bool:
        """Exhausted only because a local copy ends there (an offline cache), not at the
        start of the conversation."""

    @property
    def requests(self) -> int:
        """HTTP requests made so far (for benches and tests)."""

    @property
    def rejected(self) -> int:
        """Records the server sent that could not be read (each logged and skipped)."""

    async def older(self) -> list[Message]:
        """The next batch of messages older than any returned so far, never seen before,
        sorted oldest first. May be empty only when ``exhausted`` is then true."""

    async def newer(self) -> list[Message]:
        """Messages newer than the newest returned so far (polling / revalidation),
        never seen before, sorted oldest first. Costs the cheapest request the API has."""


@runtime_checkable
class ConversationPager(Protocol):
    """Discovers conversations lazily, most recently active first."""

    @property
    def exhausted(self) -> bool: ...

    async def next_page(self) -> list[Conversation]:
        """Conversations not returned before, in order of their newest message."""


@runtime_checkable
class Backend(Protocol):
    kind: str  # "heymarket" | "workspace"
    label: str  # human description for the header, e.g. "workspace ws_demo @ 127.0.0.1"
    capabilities: Capabilities

    def server_filter_fields(self, filters: Filters) -> frozenset[str]:
        """Which of ``filters.active_fields()`` the server applies; the caller applies the
        rest locally (``filters.only(rest).matches``) and labels them as local."""

    async def inboxes(self) -> list[Inbox]:
        """Inboxes the credentials can see (workspace style: one pseudo-inbox)."""

    def conversations(self, filters: Filters, inbox_id: str | None = None) -> ConversationPager:
        """Conversations having at least one message matching the server-side filters."""

    def thread(
        self,
        conversation: Conversation,
        filters: Filters | None = None,
        *,
        start_before: datetime | None = None,
        known_ids: Iterable[str] = (),
    ) -> MessagePager:
        """The messages of one conversation, newest first, paged backwards. With
        ``capabilities.resume``, ``start_before`` continues from a cached position
        (``known_ids``: ids already held at that boundary); others ignore both."""

    async def latest(self, inbox_id: str | None = None) -> list[Message]:
        """The newest page of messages team/workspace-wide: the cheapest request for polling.
        Sorted oldest first."""

    async def count(self, filters: Filters, inbox_id: str | None = None) -> int | None:
        """Messages matching ``filters`` as the server counts them, or None if it can't."""

    def watch_retries(self, listener: RetryListener) -> None:
        """Call ``listener`` before each HTTP retry (no-op for backends without HTTP)."""

    async def aclose(self) -> None:
        """Close the HTTP client."""
