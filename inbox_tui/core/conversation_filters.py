"""The conversation flags of the filter pane (has a failed message, waiting over threshold,
unread, assigned to me), applied to whole conversations over the cache.

:class:`FlagCheck` keeps the rows of a page that pass every active flag, asking the store
once per page for what the rows themselves cannot say (a failed message older than the
last one, how long the customer has waited: both from every cached message of the
conversation). :class:`FlaggedPager` wraps any conversation pager with it, so the cached
list, a server list and the walk fallback are narrowed the same way, offline too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from inbox_tui.clock import Clock
from inbox_tui.core.backend import ConversationPager
from inbox_tui.core.waiting import waiting_from_fields
from inbox_tui.dates import from_epoch_us
from inbox_tui.filters import Filters
from inbox_tui.models import Conversation
from inbox_tui.store import Store
from inbox_tui.store.conversation_flags import ConversationFacts, conversation_facts


@dataclass(frozen=True)
class FlagCheck:
    """The active flags of ``filters`` with what they need: the member id ("assigned to
    me"; None: nothing is mine), the reply threshold and the clock ("waiting")."""

    store: Store
    filters: Filters
    me: str | None
    reply_within: timedelta
    clock: Clock

    @property
    def active(self) -> bool:
        f = self.filters
        return f.failed_only or f.waiting_only or f.unread_only or f.mine_only

    async def keep(self, rows: list[Conversation]) -> list[Conversation]:
        """The rows that pass every active flag, in their order."""
        if not self.active or not rows:
            return rows
        facts: dict[str, ConversationFacts] = {}
        if self.filters.failed_only or self.filters.waiting_only:
            facts = await self.store.read(conversation_facts, [row.key for row in rows])
        return [row for row in rows if self._passes(row, facts.get(row.key))]

    def _passes(self, row: Conversation, facts: ConversationFacts | None) -> bool:
        f = self.filters
        if f.unread_only and not row.unread:
            return False
        if f.mine_only and (self.me is None or row.owner != self.me):
            return False
        if f.failed_only and not (row.has_failed or (facts is not None and facts.has_failed)):
            return False
        return not f.waiting_only or self._waits_too_long(row, facts)

    def _waits_too_long(self, row: Conversation, facts: ConversationFacts | None) -> bool:
        """The reply queue's rule: a closed conversation waits on nobody; the cached
        messages say since when, else the conversation's own fields (heymarket's
        ``last_inbound``/``replied``)."""
        if row.is_closed:
            return False
        since = (
            from_epoch_us(facts.waiting_since_us)
            if facts is not None and facts.waiting_since_us is not None
            else waiting_from_fields(row)
        )
        return since is not None and self.clock() - since > self.reply_within


class FlaggedPager:
    """A :class:`ConversationPager` passing on only the rows ``check`` keeps. A page may
    come back empty before the end (every row of it filtered out): the list asks again."""

    def __init__(self, inner: ConversationPager, check: FlagCheck) -> None:
        self.inner = inner
        self.check = check

    @property
    def exhausted(self) -> bool:
        return self.inner.exhausted

    async def next_page(self) -> list[Conversation]:
        return await self.check.keep(await self.inner.next_page())
