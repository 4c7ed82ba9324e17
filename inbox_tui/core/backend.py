"""The one interface the UI, the store and the CLI use to read a vendor API.

Each API style (``inbox_tui/api/heymarket.py``, ``inbox_tui/api/workspace.py``) provides a
class satisfying :class:`Backend`. Nothing outside ``api/`` knows which one it has.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from inbox_tui.models import Conversation, Filters, Inbox, Message


@runtime_checkable
class MessagePager(Protocol):
    """Walks one timeline backwards in time, a page at a time (see ``core/pager.py``)."""

    @property
    def exhausted(self) -> bool:
        """True only when the pager is certain nothing older exists."""

    @property
    def requests(self) -> int:
        """HTTP requests made so far (for benches and tests)."""

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

    def server_filter_fields(self, filters: Filters) -> frozenset[str]:
        """Which of ``filters.active_fields()`` the server applies; the caller applies the
        rest locally (``filters.only(rest).matches``) and labels them as local."""

    async def inboxes(self) -> list[Inbox]:
        """Inboxes the credentials can see (workspace style: one pseudo-inbox)."""

    def conversations(self, filters: Filters, inbox_id: str | None = None) -> ConversationPager:
        """Conversations having at least one message matching the server-side filters."""

    def thread(self, conversation: Conversation, filters: Filters | None = None) -> MessagePager:
        """The messages of one conversation, newest first, paged backwards."""

    async def latest(self, inbox_id: str | None = None) -> list[Message]:
        """The newest page of messages team/workspace-wide: the cheapest request for polling.
        Sorted oldest first."""

    async def count(self, filters: Filters, inbox_id: str | None = None) -> int | None:
        """Messages matching ``filters`` as the server counts them, or None if it can't."""

    async def aclose(self) -> None:
        """Close the HTTP client."""
