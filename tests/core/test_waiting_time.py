"""Waiting time: since the oldest inbound message with no later reply. Notes and failed
sends are not replies; a burst waits from its first message. The SQL query over the cache
agrees with the pure function."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from support.messages import T0, msg

from inbox_tui.config import Profile, parse_duration
from inbox_tui.core.waiting import (
    WaitingConversation,
    overdue,
    queue_order,
    wait_text,
    waiting_from_fields,
    waiting_since,
    waiting_since_with_fields,
)
from inbox_tui.models import Conversation
from inbox_tui.store import Store
from inbox_tui.store.waiting import waiting_conversations


def _at(n: int):
    return T0 + timedelta(minutes=n)


def note(conv: int, n: int):
    return msg(conv, n, inbound=False).model_copy(update={"kind": "private"})


def test_unanswered_burst_waits_from_its_first_message() -> None:
    thread = [
        msg(1, 0, inbound=True),
        msg(1, 1, inbound=False),
        *(msg(1, n, inbound=True) for n in (2, 3, 4)),
    ]
    assert waiting_since(reversed(thread)) == _at(2)


def test_a_reply_ends_the_wait() -> None:
    assert waiting_since([msg(1, 0, inbound=True), msg(1, 1, inbound=False)]) is None
    assert waiting_since([msg(1, 0, inbound=False)]) is None
    assert waiting_since([]) is None


def test_private_notes_are_not_replies() -> None:
    assert waiting_since([msg(1, 0, inbound=True), note(1, 1)]) == _at(0)


def test_failed_sends_are_not_replies() -> None:
    for status in ("failed", "undelivered", "error"):
        thread = [msg(1, 0, inbound=True), msg(1, 1, inbound=False, status=status)]
        assert waiting_since(thread) == _at(0), status


def test_pending_and_sent_replies_count() -> None:
    for status in ("pending", "queued", "sent"):
        thread = [msg(1, 0, inbound=True), msg(1, 1, inbound=False, status=status)]
        assert waiting_since(thread) is None, status


def test_vendor_fields_used_when_present_and_absent_is_fine() -> None:
    conv = Conversation(key="k", contact="+14155550100", last_at=_at(5))
    assert waiting_from_fields(conv) is None  # no such fields on this model: tolerated

    class WithFields:
        last_inbound_at = _at(3)
        replied_at = _at(1)

    assert waiting_from_fields(WithFields()) == _at(3)  # type: ignore[arg-type]
    WithFields.replied_at = _at(4)
    assert waiting_from_fields(WithFields()) is None  # type: ignore[arg-type]


def test_wait_labels_and_threshold() -> None:
    assert wait_text(timedelta(seconds=42)) == "42s"
    assert wait_text(timedelta(minutes=12)) == "12m"
    assert wait_text(timedelta(hours=2, minutes=14)) == "2h 14m"
    assert wait_text(timedelta(days=3, hours=4)) == "3d 4h"
    assert wait_text(timedelta(seconds=-5)) == "0s"
    threshold = Profile(reply_within="30m").reply_threshold
    assert overdue(timedelta(minutes=31), threshold)
    assert not overdue(timedelta(minutes=30), threshold)
    assert parse_duration("1d") == timedelta(days=1)


def test_queue_is_oldest_first() -> None:
    convs = [Conversation(key=k, contact="+14155550100", last_at=_at(9)) for k in "abc"]
    rows = [WaitingConversation(c, _at(n)) for c, n in zip(convs, (5, 1, 3), strict=True)]
    assert [r.conversation.key for r in queue_order(rows)] == ["b", "c", "a"]


async def test_store_query_bursts_notes_failed_and_closed(store: Store) -> None:
    await store.upsert_messages(
        [
            # 1: answered
            msg(1, 0, inbound=True),
            msg(1, 1, inbound=False),
            # 2: a burst after a reply, then a note and a failed send
            msg(2, 0, inbound=False),
            msg(2, 1, inbound=True),
            msg(2, 2, inbound=True),
            note(2, 3),
            msg(2, 4, inbound=False, status="failed"),
            # 3: never answered, older wait
            msg(3, 0, inbound=True, seconds=-600),
        ]
    )
    rows = await store.read(waiting_conversations)
    assert [(r.conversation.contact[-1], r.since, r.unanswered) for r in rows] == [
        ("3", T0 - timedelta(minutes=10), 1),
        ("2", _at(1), 2),
    ]
    # A reply lands: conversation 2 leaves the queue.
    await store.upsert_messages([msg(2, 5, inbound=False, status="sent")])
    assert [r.conversation.contact[-1] for r in await store.read(waiting_conversations)] == ["3"]


async def test_store_query_narrows_to_inboxes(store: Store) -> None:
    await store.upsert_messages(
        [msg(1, 0, inbound=True, inbox_id="10"), msg(2, 0, inbound=True, inbox_id="20")]
    )
    rows = await store.read(waiting_conversations, ["20"])
    assert [r.conversation.inbox_id for r in rows] == ["20"]
    assert await store.read(waiting_conversations, []) == []


_kinds = st.sampled_from(["in", "reply", "note", "failed", "in-note"])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(_kinds, st.integers(0, 30)), max_size=12))
async def test_sql_agrees_with_the_pure_function(tmp_path_factory, events) -> None:
    thread = []
    for n, (kind, minute) in enumerate(events):
        m = msg(
            7,
            n,
            inbound=kind in ("in", "in-note"),
            seconds=minute * 60,
            status="failed" if kind == "failed" else None,
        )
        if kind in ("note", "in-note"):
            m = m.model_copy(update={"kind": "private comment"})
        thread.append(m)
    async with await Store.open(tmp_path_factory.mktemp("w") / "c.sqlite3") as store:
        if thread:
            await store.upsert_messages(thread)
        rows = await store.read(waiting_conversations)
    expected = waiting_since(thread)
    assert (rows[0].since if rows else None) == expected


# -- the conversation list's last_inbound / replied (stored; schema 4) ---------------------
def listed(conv: int, last_inbound: int | None, replied: int | None, **extra: object):
    """A conversations-API row of ``conv`` (times in minutes after T0)."""
    base = msg(conv, 0)
    return Conversation(
        key=base.conversation_key,
        contact=base.contact,
        last_at=_at(max(t for t in (last_inbound, replied, 0) if t is not None)),
        last_inbound_at=None if last_inbound is None else _at(last_inbound),
        replied_at=None if replied is None else _at(replied),
        status="open",
        **extra,  # type: ignore[arg-type]
    )


def test_fields_alone_wait_from_last_inbound_unless_replied_after() -> None:
    assert waiting_since_with_fields([], _at(3), None) == _at(3)
    assert waiting_since_with_fields([], _at(3), _at(1)) == _at(3)
    assert waiting_since_with_fields([], _at(3), _at(4)) is None
    assert waiting_since_with_fields([], None, _at(4)) is None
    assert waiting_since_with_fields([], None, None) is None


def test_messages_that_cover_the_fields_decide_notes_and_failed_sends_are_no_reply() -> None:
    """The vendor may count a note or a failed send as "replied": the cached thread, which
    has seen it, says the customer still waits (issue 13's rule)."""
    thread = [msg(1, 0, inbound=True), note(1, 1), msg(1, 2, inbound=False, status="failed")]
    assert waiting_since_with_fields(thread, _at(0), _at(2)) == _at(0)


def test_newer_fields_count_with_older_messages() -> None:
    older = [msg(1, 0, inbound=True), msg(1, 1, inbound=True)]
    # Answered after the cached messages (a reply not cached yet): not waiting.
    assert waiting_since_with_fields(older, _at(1), _at(5)) is None
    # A newer inbound the cache has not seen, nothing answered: the cached burst is older.
    assert waiting_since_with_fields(older, _at(6), None) == _at(0)
    # Replied, then a newer inbound: waiting since that one.
    assert waiting_since_with_fields(older, _at(7), _at(5)) == _at(7)


async def test_stored_fields_put_a_conversation_without_messages_in_the_queue(
    store: Store,
) -> None:
    await store.upsert_conversations(
        [listed(1, 2, None), listed(2, 1, 3), listed(3, 0, None, closed=True)]
    )
    await store.upsert_conversations([listed(3, 0, None).model_copy(update={"status": "closed"})])
    rows = await store.read(waiting_conversations)
    assert [(r.conversation.contact[-1], r.since, r.unanswered) for r in rows] == [("1", _at(2), 1)]
    # A reply fetched later (newer than the fields) takes it out.
    await store.upsert_messages([msg(1, 3, inbound=False, status="sent")])
    assert await store.read(waiting_conversations) == []


_field = st.one_of(st.none(), st.integers(0, 30))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(_kinds, st.integers(0, 30)), max_size=8),
    _field,
    _field,
)
async def test_sql_agrees_with_the_pure_function_with_fields(
    tmp_path_factory, events, last_inbound, replied
) -> None:
    thread = []
    for n, (kind, minute) in enumerate(events):
        m = msg(
            7,
            n,
            inbound=kind in ("in", "in-note"),
            seconds=minute * 60,
            status="failed" if kind == "failed" else None,
        )
        if kind in ("note", "in-note"):
            m = m.model_copy(update={"kind": "private comment"})
        thread.append(m)
    async with await Store.open(tmp_path_factory.mktemp("w") / "c.sqlite3") as store:
        await store.upsert_conversations([listed(7, last_inbound, replied)])
        if thread:
            await store.upsert_messages(thread)
        rows = await store.read(waiting_conversations)
    expected = waiting_since_with_fields(
        thread,
        None if last_inbound is None else _at(last_inbound),
        None if replied is None else _at(replied),
    )
    assert (rows[0].since if rows else None) == expected
