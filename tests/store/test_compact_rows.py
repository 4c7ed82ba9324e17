"""An open thread reads its messages from the cache as slotted ``CompactMessage``s without
parsing the vendor payload: the same fields as the full read, no payload, and the full
message (payload included) still there for the detail screen."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta

import pytest

from inbox_tui.compact import FIELDS, CompactMessage
from inbox_tui.models import Direction, Message
from inbox_tui.store import MessagePosition, Store
from inbox_tui.store.codec import _without_payload

BASE = datetime(2024, 1, 15, 10, 0, tzinfo=UTC)
KEY = "413:+14155550100"
TRICKY_RAW = {
    "id": 7,
    "text": 'a "quoted" ,"raw": {"x": 1} inside',
    "nested": {"raw": {"raw": [1, 2, {"raw": None}]}},
    "emoji": "👩‍💻",
}


def message(mid: str, seconds: int, **fields: object) -> Message:
    values: dict[str, object] = {
        "id": mid,
        "source": "heymarket",
        "conversation_key": KEY,
        "contact": "+14155550100",
        "direction": Direction.INBOUND,
        "created_at": BASE + timedelta(seconds=seconds),
        "raw": TRICKY_RAW,
    }
    return Message(**(values | fields))


def full_fields() -> dict[str, object]:
    return {
        "own_number": "+14155559999",
        "inbox_id": "413",
        "kind": "mms",
        "status": "delivered",
        "body": 'line one\nline two ,"raw": not a key',
        "media_url": "https://x.example/m.jpg",
        "updated_at": BASE + timedelta(hours=1, microseconds=5),
        "author": 'Sam ,"raw":',
        "user_id": "55",
        "contact_name": "Ada",
        "flagged": True,
        "broadcast_id": "b1",
        "local_id": "l1",
        "provider_sid": "SM1",
    }


@pytest.mark.parametrize("fields", [{}, full_fields()], ids=["defaults", "every-field"])
async def test_compact_read_has_the_fields_of_the_full_read(
    store: Store, fields: dict[str, object]
) -> None:
    await store.upsert_messages([message("1", 0, **fields), message("2", 5, raw={})])
    full = await store.thread_window(KEY, limit=10)
    compact = await store.thread_window(KEY, limit=10, compact=True)
    assert all(type(m) is CompactMessage for m in compact)
    assert [m.id for m in compact] == ["1", "2"]
    for a, b in zip(full, compact, strict=True):
        assert {n: getattr(a, n) for n in FIELDS} == {n: getattr(b, n) for n in FIELDS}
        assert b.raw == {}
    assert full[0].raw == TRICKY_RAW  # the payload is still in the cache
    stored = await store.get_message("1", "heymarket")
    assert stored is not None and stored.raw == TRICKY_RAW
    after = await store.thread_after(KEY, after=MessagePosition.of(full[0]), compact=True)
    assert [type(m) for m in after] == [CompactMessage]


def test_the_payload_is_cut_at_its_key_only() -> None:
    js = message("1", 0, author='x ,"raw": y').model_dump_json(exclude={"id"})
    cut = _without_payload(js)
    assert '"nested"' not in cut and cut.endswith("}")
    assert '"author":"x ,\\"raw\\": y"' in cut
    assert _without_payload('{"raw":{"a":1}}') == "{}"
    assert _without_payload('{"kind":"mms"}') == '{"kind":"mms"}'


async def test_an_unreadable_compact_row_is_read_the_full_way(store: Store) -> None:
    await store.upsert_messages([message("1", 0, updated_at=BASE)])
    await store.write(
        lambda conn: conn.execute(
            "UPDATE messages SET json = ? WHERE id = '1'",
            ('{"updated_at":"not a date","raw":{}}',),
        )
    )
    with pytest.raises(Exception):  # noqa: B017 - the full read says why, as before
        await store.thread_window(KEY, compact=True)


def test_compact_messages_are_small_read_only_and_pickle() -> None:
    import sys

    full = message("1", 0, **full_fields())
    compact = CompactMessage.of(full)
    assert sys.getsizeof(compact) < 250 < sys.getsizeof(full.__dict__)
    assert compact == full and compact.sort_key == full.sort_key and compact.is_note is False
    with pytest.raises(AttributeError):
        compact.body = "changed"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(compact)) == compact
    assert compact.model_copy(update={"status": "failed"}).is_failed
    assert CompactMessage.of(compact) is compact


async def test_the_page_caches_are_bounded_per_connection(store: Store) -> None:
    """SQLite keeps each connection's page cache full once a long walk has filled it."""
    from inbox_tui.store.db import READER_CACHE_KB, WRITER_CACHE_KB

    writer = await store.write(lambda conn: conn.execute("PRAGMA cache_size").fetchone()[0])
    reader = await store.read(lambda conn: conn.execute("PRAGMA cache_size").fetchone()[0])
    assert (writer, reader) == (-WRITER_CACHE_KB, -READER_CACHE_KB)
    assert WRITER_CACHE_KB + READER_CACHE_KB <= 10_000
