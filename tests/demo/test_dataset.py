"""The demo dataset: deterministic, realistic, and full of the cases clients must survive."""

from __future__ import annotations

import unicodedata
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from inbox_tui.demo.content import BROADCASTS
from inbox_tui.demo.dataset import build_dataset

NOW = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def default():
    return build_dataset(now=NOW)


def fingerprint(ds) -> list[tuple[object, ...]]:
    return [
        (m.id, m.created_ms, m.updated_ms, m.text, m.status, m.contact, m.inbox_id, m.user)
        for m in ds.messages
    ]


def test_same_seed_same_data(default) -> None:
    again = build_dataset(now=NOW)
    assert fingerprint(again) == fingerprint(default)
    assert [(c.id, c.name, c.read, c.status, c.assigned) for c in again.conversations] == [
        (c.id, c.name, c.read, c.status, c.assigned) for c in default.conversations
    ]
    assert fingerprint(build_dataset(8, now=NOW)) != fingerprint(default)


def test_sizes_and_shapes(default) -> None:
    sizes = [c.message_count for c in default.biggest_threads()]
    assert sizes[:2] == [5000, 2000]
    assert 250 <= len(default.conversations) <= 310
    assert max(sizes[2:]) <= 60 + len(BROADCASTS)  # normal threads: 1-60, plus campaigns
    assert min(sizes) >= 1
    assert [i.id for i in default.inboxes] == [413, 414, 415]
    assert [i.id for i in default.hidden_inboxes] == [999]
    assert len({i.phone for i in (*default.inboxes, *default.hidden_inboxes)}) == 4
    assert all(m.inbox_id != 999 for m in default.messages)
    assert sum(c.name is None for c in default.conversations) > 10
    assert sum(c.name is not None for c in default.conversations) > 200


def test_messages_newest_first_with_unique_increasing_ids(default) -> None:
    msgs = default.messages
    keys = [(m.created_ms, m.id) for m in msgs]
    assert keys == sorted(keys, reverse=True)
    assert len({m.id for m in msgs}) == len(msgs)
    newest, oldest = msgs[0].created_at, msgs[-1].created_at
    assert NOW - timedelta(hours=1) < newest <= NOW
    assert timedelta(days=300) < NOW - oldest < timedelta(days=420)


def test_thread_lookup_is_chronological(default) -> None:
    conv = default.biggest_threads(1)[0]
    thread = default.thread(conv.inbox_id, conv.contact)
    assert len(thread) == 5000 == conv.message_count
    assert [m.created_ms for m in thread] == sorted(m.created_ms for m in thread)
    assert default.thread(conv.inbox_id, "+" + conv.contact) == thread
    assert default.thread(conv.inbox_id, "10000000000") == []
    assert conv.updated_ms == thread[-1].created_ms and conv.created_ms == thread[0].created_ms


def test_bursts_share_a_second_with_distinct_milliseconds(default) -> None:
    conv = default.biggest_threads(1)[0]
    thread = default.thread(conv.inbox_id, conv.contact)
    per_second = Counter(m.created_ms // 1000 for m in thread)
    bursts = [n for n in per_second.values() if n >= 10]
    assert len(bursts) >= 10 and max(bursts) <= 40
    assert len({m.created_ms for m in thread}) == len(thread)


def test_variety_of_content(default) -> None:
    msgs = default.messages
    statuses = Counter(m.status for m in msgs)
    for status in ("delivered", "sent", "received", "failed", "pending", "queued",
                   "undelivered", "carrier_hold"):  # fmt: skip
        assert statuses[status] > 0, status
    assert {m.direction for m in msgs} == {"inbound", "outbound"}
    assert {m.type for m in msgs} == {"sms", "mms", "private"}
    assert all(m.media for m in msgs if m.type == "mms")
    assert sum(m.flagged for m in msgs) > 10
    assert sum(m.broadcast_id is not None for m in msgs) > 20
    assert any(m.local_id for m in msgs)
    notes = [m for m in msgs if m.is_note]
    assert notes and all(m.user is not None for m in notes)
    member_ids = {m.id for m in default.team_members}
    assert {m.user for m in msgs if m.user is not None} <= member_ids
    texts = [m.text for m in msgs]
    assert any("\x1b[" in t for t in texts), "ANSI CSI"
    assert any("\x1b]" in t for t in texts), "OSC"
    assert any("[red]" in t for t in texts), "Rich markup"
    assert any("\x00" in t or "\x07" in t for t in texts), "control characters"
    assert any(unicodedata.bidirectional(ch) == "AL" for t in texts for ch in t), "Arabic"
    assert any(unicodedata.bidirectional(ch) == "R" for t in texts for ch in t), "Hebrew"
    assert any("\u4e00" <= ch <= "\u9fff" for t in texts for ch in t), "CJK"
    assert any(ord(ch) > 0x1F000 for t in texts for ch in t), "emoji"
    longs = [len(t) for t in texts if len(t) >= 5_000]
    assert len(longs) >= 4 and max(longs) <= 20_000


def test_big_thread_holds_tricky_bodies_near_its_newest_end(default) -> None:
    conv = default.biggest_threads(1)[0]
    newest = default.thread(conv.inbox_id, conv.contact)[-120:]
    assert any("\x1b" in m.text for m in newest)
    assert any(len(m.text) >= 5_000 for m in newest)


def test_conversation_metadata(default) -> None:
    convs = default.conversations
    updated = [c.updated_ms for c in convs]
    assert updated == sorted(updated, reverse=True)
    assert {c.status for c in convs} == {"open", "closed"}
    assert any(not c.read for c in convs) and any(c.read for c in convs)
    assert any(c.assigned is None for c in convs) and any(c.assigned for c in convs)
    contacts = Counter(c.contact for c in convs)
    assert any(n > 1 for n in contacts.values()), "some customers text two inboxes"


def test_custom_big_threads() -> None:
    ds = build_dataset(1, conversations=5, big_threads=(10_000,), now=NOW)
    assert ds.biggest_threads(1)[0].message_count == 10_000
    none = build_dataset(1, conversations=5, big_threads=(), now=NOW)
    assert none.biggest_threads(1)[0].message_count <= 60 + len(BROADCASTS)


@pytest.mark.slow
def test_hundred_thousand_message_thread_builds() -> None:
    """The 100,000-message thread the benches use: complete, unique, oldest first. (How long
    building takes is a benchmark's business, not a test's.)"""
    ds = build_dataset(conversations=50, big_threads=(100_000,), now=NOW)
    big = ds.biggest_threads(1)[0]
    assert big.message_count == 100_000
    thread = ds.thread(big.inbox_id, big.contact)
    assert len(thread) == 100_000 and len({m.id for m in thread}) == 100_000
    created = [m.created_ms for m in thread]
    assert created == sorted(created)


def test_add_message_invalidates_every_derived_index() -> None:
    from functools import cached_property

    from inbox_tui.demo.dataset import _DERIVED, Dataset

    cached = {name for name, value in vars(Dataset).items() if isinstance(value, cached_property)}
    assert cached == set(_DERIVED)
    ds = build_dataset(9, conversations=5, big_threads=(), now=NOW)
    conv = ds.conversations[-1]
    old = ds.thread(conv.inbox_id, conv.contact)
    m = ds.add_message(conv.inbox_id, conv.contact, "late", created_ms=0)
    assert m.created_ms > ds.messages[1].created_ms  # raised to be the newest
    assert ds.messages[0] is m and ds.thread(conv.inbox_id, conv.contact) == [*old, m]
    assert ds.conversations[0] is conv and conv.message_count == len(old) + 1
    assert ds.workspace_messages[-1] is m and ds.workspace_by_number[conv.contact_e164][-1] is m
