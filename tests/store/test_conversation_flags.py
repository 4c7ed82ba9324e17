"""The conversation flags match on the whole cached conversation (real SQLite): a
conversation whose last message is fine but an older one failed "has a failed message";
"waiting over threshold" follows the reply queue's rule over every cached message."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from support.messages import T0, contact_of, msg

from inbox_tui.core.conversation_filters import FlagCheck, FlaggedPager
from inbox_tui.filters import Filters
from inbox_tui.models import Conversation
from inbox_tui.store import Store
from inbox_tui.store.conversation_flags import conversation_facts
from inbox_tui.store.waiting import waiting_conversations

NOW = T0 + timedelta(hours=2)


def thread(conv: int, *steps: tuple[int, bool, str]) -> list:
    """Messages of ``conv``: (minute, inbound, status)."""
    return [msg(conv, minute, inbound=inbound, status=status) for minute, inbound, status in steps]


THREADS = {
    # An older send failed; the last message (a later reply) is fine.
    1: thread(1, (0, True, "received"), (1, False, "failed"), (2, False, "delivered")),
    # Answered, nothing failed.
    2: thread(2, (0, True, "received"), (1, False, "delivered")),
    # Waiting since minute 1 (two hours at NOW): over a 30-minute threshold.
    3: thread(3, (0, False, "delivered"), (1, True, "received")),
    # Waiting ten minutes: under it.
    4: thread(4, (0, False, "delivered"), (110, True, "received")),
    # Its only "reply" failed, so the customer still waits since minute 0 (and it failed).
    5: thread(5, (0, True, "received"), (1, False, "undelivered")),
}


@pytest.fixture
async def store(store: Store) -> AsyncIterator[Store]:
    await store.upsert_messages([m for messages in THREADS.values() for m in messages])
    yield store


def row(conv: int, **fields: object) -> Conversation:
    """A listed row as a server list gives it: nothing says a message failed."""
    last = THREADS[conv][-1]
    return Conversation(
        key=last.conversation_key, contact=contact_of(conv), last_at=last.created_at, **fields
    )


def check(store: Store, me: str | None = "7", **flags: bool) -> FlagCheck:
    return FlagCheck(store, Filters(**flags), me, timedelta(minutes=30), lambda: NOW)


async def keys_kept(store: Store, rows: list[Conversation], **flags: bool) -> list[int]:
    kept = await check(store, **flags).keep(rows)
    return [int(c.contact[-4:]) for c in kept]


async def test_facts_come_from_every_cached_message(store: Store) -> None:
    keys = {conv: messages[-1].conversation_key for conv, messages in THREADS.items()}
    facts = await store.read(conversation_facts, list(keys.values()))
    assert {conv for conv, key in keys.items() if facts[key].has_failed} == {1, 5}
    assert facts[keys[2]].waiting_since_us is None
    assert facts[keys[3]].waiting_since_us is not None
    assert facts[keys[5]].waiting_since_us is not None  # a failed send is no reply


async def test_has_failed_matches_an_older_failed_message(store: Store) -> None:
    rows = [row(n) for n in THREADS]
    assert not any(r.has_failed for r in rows)  # the rows alone would find nothing
    assert await keys_kept(store, rows, failed_only=True) == [1, 5]


async def test_waiting_over_threshold_uses_the_whole_thread(store: Store) -> None:
    rows = [row(n) for n in THREADS]
    assert await keys_kept(store, rows, waiting_only=True) == [3, 5]
    # A closed conversation waits on nobody (the reply queue's rule).
    closed = [row(3, closed=True), row(5)]
    assert await keys_kept(store, closed, waiting_only=True) == [5]


async def test_unread_and_mine_and_all_flags_together(store: Store) -> None:
    rows = [
        row(1, unread=True, assigned_to="7"),
        row(2, unread=True, assigned_to="7"),
        row(3, unread=False, assigned_to="7"),
        row(5, unread=True, assigned_to="8"),
    ]
    assert await keys_kept(store, rows, unread_only=True) == [1, 2, 5]
    assert await keys_kept(store, rows, mine_only=True) == [1, 2, 3]
    assert await keys_kept(store, rows, unread_only=True, mine_only=True, failed_only=True) == [1]
    # Without a member id nothing is "mine".
    assert await check(store, me=None, mine_only=True).keep(rows) == []


async def test_a_row_the_cache_does_not_hold_is_judged_by_its_own_fields(store: Store) -> None:
    stranger = Conversation(
        key="+19995550000",
        contact="+19995550000",
        last_at=NOW,
        has_failed=True,
        last_inbound_at=T0,
    )
    assert await check(store, failed_only=True).keep([stranger]) == [stranger]
    assert await check(store, waiting_only=True).keep([stranger]) == [stranger]


class ListPager:
    def __init__(self, pages: list[list[Conversation]]) -> None:
        self.pages = pages

    @property
    def exhausted(self) -> bool:
        return not self.pages

    async def next_page(self) -> list[Conversation]:
        return self.pages.pop(0)


async def test_the_flagged_pager_narrows_every_page(store: Store) -> None:
    pager = FlaggedPager(
        ListPager([[row(1), row(2)], [row(3), row(5)]]), check(store, failed_only=True)
    )
    first = await pager.next_page()
    assert [c.contact for c in first] == [contact_of(1)]
    assert not pager.exhausted
    assert [c.contact for c in await pager.next_page()] == [contact_of(5)]
    assert pager.exhausted


async def test_waiting_agrees_with_the_queue_when_the_list_knows_a_newer_reply(
    store: Store,
) -> None:
    """Conversation 3 waits in the cache, but the conversations API says we replied since
    (that reply not fetched yet): the queue drops it, and so does the flag."""
    answered = row(
        3, last_inbound_at=T0 + timedelta(minutes=1), replied_at=T0 + timedelta(minutes=50)
    )
    assert await keys_kept(store, [row(3)], waiting_only=True) == [3]
    await store.upsert_conversations([answered])
    queued = {w.conversation.key for w in await store.read(waiting_conversations)}
    assert answered.key not in queued
    assert await keys_kept(store, [answered], waiting_only=True) == []
