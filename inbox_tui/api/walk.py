"""Conversations found by walking a newest-first message timeline: neither vendor API has a
conversation list to page through, so both backends derive one the same way."""

from __future__ import annotations

from inbox_tui.api.pager import MergedPager, TimelinePager
from inbox_tui.models import Conversation, Message


class ConversationWalk:
    """Pages of distinct conversations, newest activity first, each from its newest message.

    Subclasses say which messages count (:meth:`_wanted`), may fetch what they need before a
    page is handed out (:meth:`_prepare`) and build the :class:`Conversation`.

    With ``failed_only`` only failed messages count: the walk lists every conversation with
    a failed message in the walked history, each from its newest failure (the filter
    "has a failed message", which the list of conversations alone cannot answer)."""

    def __init__(
        self, pager: TimelinePager | MergedPager, batch: int = 50, *, failed_only: bool = False
    ) -> None:
        self.pager = pager
        self.batch = batch
        self.failed_only = failed_only
        # Set by a list painting from nothing: the first page is handed out as soon as one
        # request found any conversation (the first rows), later pages fill ``batch``.
        self.early_first = False
        self._handed_out = False  # a page has been returned
        self._keys: set[str] = set()
        # Found but not yet returned: kept across a failed request, so a retry loses none.
        self._found: list[Message] = []

    @property
    def exhausted(self) -> bool:
        return self.pager.exhausted

    @property
    def requests(self) -> int:
        return self.pager.requests

    async def next_page(self) -> list[Conversation]:
        found = self._found
        while len(found) < self.batch and not self.pager.exhausted:
            for message in reversed(await self.pager.older()):
                if message.conversation_key in self._keys or not self._counts(message):
                    continue
                self._keys.add(message.conversation_key)
                found.append(message)
            if found and self.early_first and not self._handed_out:
                break
        if found:
            await self._prepare(found)
        self._found = []
        self._handed_out = True
        return [self._conversation(m) for m in found]

    def _counts(self, message: Message) -> bool:
        return self._wanted(message) and (message.is_failed or not self.failed_only)

    def _wanted(self, message: Message) -> bool:
        return True

    async def _prepare(self, found: list[Message]) -> None:
        """Fetch whatever :meth:`_conversation` needs for ``found`` (nothing by default)."""

    def _conversation(self, message: Message) -> Conversation:
        raise NotImplementedError
