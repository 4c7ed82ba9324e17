"""The backend of an ``--offline`` run: reads nothing from any network."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from inbox_tui.core.backend import READ_ONLY, ConversationPager, MessagePager, RetryListener
from inbox_tui.errors import NetworkError
from inbox_tui.filters import Filters
from inbox_tui.models import Conversation, Inbox, Message


class CacheOnlyBackend:
    """The backend of an ``--offline`` run: every network method refuses. The app never
    calls it when offline; this keeps an accidental call from reaching any server."""

    kind = "cache"
    capabilities = READ_ONLY

    def __init__(self, label: str = "cache only") -> None:
        self.label = label

    def server_filter_fields(self, filters: Filters) -> frozenset[str]:
        return frozenset()

    async def inboxes(self) -> list[Inbox]:
        raise _offline()

    def conversations(self, filters: Filters, inbox_id: str | None = None) -> ConversationPager:
        raise _offline()

    def thread(
        self,
        conversation: Conversation,
        filters: Filters | None = None,
        *,
        start_before: datetime | None = None,
        known_ids: Iterable[str] = (),
    ) -> MessagePager:
        raise _offline()

    async def latest(self, inbox_id: str | None = None) -> list[Message]:
        raise _offline()

    async def count(self, filters: Filters, inbox_id: str | None = None) -> int | None:
        return None

    def watch_retries(self, listener: RetryListener) -> None:
        return None

    async def aclose(self) -> None:
        return None


def _offline() -> NetworkError:
    return NetworkError("offline: reading the local cache only")
