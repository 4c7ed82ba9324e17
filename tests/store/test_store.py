"""The SQLite store: upserts, reads, migration, crash safety, size limit, cache commands."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.messages import contact_of, msg

from inbox_tui.models import Conversation
from inbox_tui.store import (
    SCHEMA_VERSION,
    CacheError,
    CacheTooNew,
    ConversationCursor,
    MessagePosition,
    Store,
    StoreClosed,
    ThreadState,
)
from inbox_tui.store.db import connect, schema_version
from inbox_tui.store.maintenance import cache_clear, cache_path, cache_stats


@pytest.fixture
async def store(store: Store) -> AsyncIterator[Store]:
    """The shared empty cache, closed twice at the end: closing is idempotent."""
    yield store
    await store.close()


async def test_upsert_is_idempotent_and_applies_status_changes(store: Store) -> None:
    batch = [msg(1, n) for n in range(10)]
    first = await store.upsert_messages(batch)
    assert len(first.inserted) == 10 and not first.updated
    again = await store.upsert_messages(batch + batch[:3])
    assert not again.changed
    assert await store.count_messages() == 10

    failed = batch[3].model_copy(update={"status": "failed"})
    result = await store.upsert_messages([failed, batch[4]])
    assert [m.id for m in result.updated] == [batch[3].id] and not result.inserted
    stored = await store.get_message(batch[3].id)
    assert stored is not None and stored.status == "failed"
    assert stored.raw == {"id": batch[3].id, "nested": {"n": 3}}
    assert await store.count_messages() == 10


async def test_unencodable_text_is_stored_not_fatal(store: Store) -> None:
    """JSON can carry lone surrogates (``\\ud800``): they become U+FFFD, the batch lands."""
    bad = msg(1, 1, body="bad \ud800 text \x00 nul", name="Zo\udfffe")
    bad = bad.model_copy(update={"raw": {"k\ud801": ["v\ud800", 1]}})
    good = msg(1, 2, body="fine")
    result = await store.upsert_messages([bad, good])
    assert len(result.inserted) == 2
    stored = await store.get_message(bad.id)
    assert stored is not None
    assert stored.body == "bad \ufffd text \x00 nul" and stored.contact_name == "Zo\ufffde"
    assert stored.raw == {"k\ufffd": ["v\ufffd", 1]}
    assert not (await store.upsert_messages([bad])).changed  # still idempotent
    assert [h.message_id for h in await store.search("text")] == [bad.id]
    assert await store.search("\ud800") == []
    conv = await store.get_conversation(bad.conversation_key)
    assert conv is not None and conv.last_message is not None


@settings(max_examples=60)
@given(
    body=st.text(),
    name=st.one_of(st.none(), st.text(max_size=30)),
    raw=st.dictionaries(st.text(max_size=8), st.one_of(st.text(max_size=20), st.integers())),
    status=st.text(max_size=12),
)
def test_any_text_round_trips(tmp_path_factory, body, name, raw, status) -> None:  # type: ignore[no-untyped-def]
    from inbox_tui.store.messages import get_message, upsert_messages

    conn = connect(tmp_path_factory.mktemp("rt") / "rt.sqlite3")
    try:
        m = msg(1, 1, body=body, name=name).model_copy(
            update={"raw": raw, "status": status.strip().lower()}
        )
        upsert_messages(conn, [m])
        assert get_message(conn, m.id) == m
        assert not upsert_messages(conn, [m]).changed
    finally:
        conn.close()


async def test_last_occurrence_in_a_batch_wins(store: Store) -> None:
    m = msg(1, 1, status="queued")
    result = await store.upsert_messages([m, m.model_copy(update={"status": "delivered"})])
    assert len(result.inserted) == 1
    stored = await store.get_message(m.id)
    assert stored is not None and stored.status == "delivered"


async def test_round_trip_keeps_the_whole_model(store: Store) -> None:
    m = msg(2, 5, body="multi\nline 🎉 مرحبا \x1b[31m kept as data", name="Zoë")
    await store.upsert_messages([m])
    assert await store.get_message(m.id) == m
    [window] = [await store.thread_window(m.conversation_key)]
    assert window == [m]


async def test_conversations_follow_their_newest_message(store: Store) -> None:
    await store.upsert_messages([msg(1, n) for n in range(3)])
    await store.upsert_messages([msg(2, n) for n in range(5)])
    page = await store.conversation_page()
    assert [c.key for c in page] == [contact_of(2), contact_of(1)]
    assert page[0].last_message is not None and page[0].last_message.id == "c2-m4"
    # An older message arriving later does not move the conversation or its preview.
    await store.upsert_messages([msg(1, -5)])
    conv = await store.get_conversation(contact_of(1))
    assert conv is not None and conv.last_message is not None
    assert conv.last_message.id == "c1-m2"
    # A newer one does.
    await store.upsert_messages([msg(1, 10)])
    page = await store.conversation_page()
    assert page[0].key == contact_of(1)


async def test_get_conversations_reads_many_keys_at_once(store: Store) -> None:
    await store.upsert_messages([msg(c, 0) for c in range(3)])
    wanted = [contact_of(2), "+19999999999", contact_of(0), contact_of(2)]
    got = await store.get_conversations(wanted)
    assert sorted(c.key for c in got) == [contact_of(0), contact_of(2)]
    assert got[0] == await store.get_conversation(got[0].key)
    assert await store.get_conversations([]) == []


async def test_mark_unread_only_for_new_inbound(store: Store) -> None:
    await store.upsert_messages([msg(1, 1, inbound=False)], mark_unread=True)
    conv = await store.get_conversation(contact_of(1))
    assert conv is not None and not conv.unread
    result = await store.upsert_messages([msg(1, 2, inbound=True)], mark_unread=True)
    assert list(result.new_inbound()) == [contact_of(1)]
    conv = await store.get_conversation(contact_of(1))
    assert conv is not None and conv.unread
    await store.set_unread(contact_of(1), False)
    again = await store.upsert_messages([msg(1, 2, inbound=True)], mark_unread=True)
    assert not again.new_inbound()
    conv = await store.get_conversation(contact_of(1))
    assert conv is not None and not conv.unread


async def test_conversation_keyset_pagination_and_inbox_filter(store: Store) -> None:
    # 30 conversations, several sharing one last_at (ties broken by key).
    batch = [msg(c, 0, seconds=(c // 3) * 60, inbox_id="A" if c % 2 else "B") for c in range(30)]
    await store.upsert_messages(batch)
    seen: list[str] = []
    after = None
    while True:
        page = await store.conversation_page(after=after, limit=7)
        if not page:
            break
        seen.extend(c.key for c in page)
        after = ConversationCursor.of(page[-1])
    assert len(seen) == 30 == len(set(seen))
    assert await store.count_conversations() == 30
    only_a = await store.conversation_page(inbox_id="A", limit=100)
    assert len(only_a) == 15 and all(c.inbox_id == "A" for c in only_a)
    assert await store.count_conversations("A") == 15
    times = [c.last_at for c in await store.conversation_page(limit=100)]
    assert times == sorted(times, reverse=True)


async def test_server_conversations_are_stored_with_names(store: Store) -> None:
    last = msg(7, 3)
    conv = Conversation(
        key=last.conversation_key,
        contact=last.contact,
        name="Ada Lovelace",
        last_message=last,
        last_at=last.created_at,
        unread=True,
        flagged=True,
    )
    await store.upsert_conversations([conv])
    got = await store.get_conversation(conv.key)
    assert got is not None
    assert (got.name, got.unread, got.flagged) == ("Ada Lovelace", True, True)
    assert got.last_message == last
    assert await store.count_messages() == 1
    # The name becomes searchable for messages cached before and after.
    await store.upsert_messages([msg(7, 1)])
    hits = await store.search("lovelace")
    assert {h.message_id for h in hits} == {"c7-m1", "c7-m3"}


async def test_thread_window_walks_back_without_gaps(store: Store) -> None:
    # Bursts: three messages per second share a timestamp (order then by id).
    batch = [msg(1, n, seconds=n // 3) for n in range(50)]
    await store.upsert_messages(batch)
    key = batch[0].conversation_key
    got: list[str] = []
    before = None
    while True:
        window = await store.thread_window(key, before=before, limit=8)
        if not window:
            break
        got = [m.id for m in window] + got
        before = MessagePosition.of(window[0])
    assert got == [m.id for m in sorted(batch, key=lambda m: m.sort_key)]
    around = await store.thread_around(key, MessagePosition.of(batch[20]), before=2, after=2)
    assert [m.id for m in around] == [m.id for m in sorted(batch, key=lambda m: m.sort_key)[18:23]]


async def test_thread_state_round_trip(store: Store) -> None:
    key = contact_of(1)
    assert await store.thread_state(key) == ThreadState(key)
    state = ThreadState(key, MessagePosition(1, "a"), MessagePosition(5, "z"), True, 123)
    await store.set_thread_state(state)
    assert await store.thread_state(key) == state


async def test_closed_store_refuses_work(tmp_path: Path) -> None:
    s = await Store.open(tmp_path / "c.sqlite3")
    await s.close()
    with pytest.raises(StoreClosed):
        await s.upsert_messages([msg(1, 1)])
    with pytest.raises(StoreClosed):
        await s.conversation_page()


async def test_writes_run_off_the_event_loop(store: Store) -> None:
    """A big batch is written on the writer thread while the loop keeps ticking."""
    loop_thread = threading.get_ident()
    seen: list[int] = []

    def probe(conn: sqlite3.Connection) -> None:
        seen.append(threading.get_ident())

    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    await store.upsert_messages([msg(c, n) for c in range(20) for n in range(200)])
    await store.write(probe)
    await store.read(probe)
    task.cancel()
    assert ticks > 10
    assert loop_thread not in seen and len(set(seen)) == 2


async def test_reads_see_committed_writes_while_writer_is_busy(store: Store) -> None:
    await store.upsert_messages([msg(1, n) for n in range(5)])
    big = store.upsert_messages([msg(c, n) for c in range(2, 40) for n in range(200)])
    task = asyncio.ensure_future(big)
    count = await store.count_messages(contact_of(1))
    assert count == 5
    await task
    assert await store.count_messages() == 5 + 38 * 200


# -- migration -------------------------------------------------------------------------

# The v1 schema exactly as the first release wrote it (do not edit: it is a fixture).
V1_FILE_DDL = """
CREATE TABLE messages (
    rowid INTEGER PRIMARY KEY, source TEXT NOT NULL, id TEXT NOT NULL,
    conversation_key TEXT NOT NULL, inbox_id TEXT, contact TEXT NOT NULL,
    created_us INTEGER NOT NULL, status TEXT NOT NULL DEFAULT '', direction TEXT NOT NULL,
    flagged INTEGER NOT NULL DEFAULT 0, body TEXT NOT NULL DEFAULT '', json TEXT NOT NULL,
    UNIQUE (source, id));
CREATE INDEX messages_thread ON messages (conversation_key, created_us, id);
CREATE TABLE conversations (
    key TEXT PRIMARY KEY, contact TEXT NOT NULL, name TEXT, inbox_id TEXT,
    last_us INTEGER NOT NULL, unread INTEGER NOT NULL DEFAULT 0,
    flagged INTEGER NOT NULL DEFAULT 0, has_failed INTEGER NOT NULL DEFAULT 0,
    preview TEXT NOT NULL DEFAULT '');
CREATE INDEX conversations_recent ON conversations (last_us, key);
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version VALUES (1);
"""


def _write_v1_file(path: Path) -> list:
    messages = [msg(3, n, body=f"legacy note número {n}") for n in range(4)]
    conn = sqlite3.connect(path)
    conn.executescript(V1_FILE_DDL)
    for m in messages:
        us = int(m.created_at.timestamp()) * 1_000_000 + m.created_at.microsecond
        conn.execute(
            "INSERT INTO messages (source, id, conversation_key, inbox_id, contact, created_us,"
            " status, direction, flagged, body, json) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                m.source,
                m.id,
                m.conversation_key,
                m.inbox_id,
                m.contact,
                us,
                m.status,
                m.direction.value,
                0,
                m.body,
                m.model_dump_json(exclude={"body"}),
            ),
        )
    conn.execute(
        "INSERT INTO conversations (key, contact, name, last_us, preview) VALUES (?,?,?,?,?)",
        (messages[0].conversation_key, messages[0].contact, "Grace Hopper", 1, "x"),
    )
    conn.commit()
    conn.close()
    return messages


async def test_migrates_a_v1_file(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    messages = _write_v1_file(path)
    async with await Store.open(path) as s:
        assert await s.count_messages() == 4
        window = await s.thread_window(messages[0].conversation_key)
        assert window == messages
        hits = await s.search("numero")
        assert len(hits) == 4
        assert {h.message_id for h in await s.search("hopper")} == {m.id for m in messages}
        assert await s.thread_state(messages[0].conversation_key) == ThreadState(
            messages[0].conversation_key
        )
        result = await s.upsert_messages(messages)
        assert not result.changed
    conn = sqlite3.connect(path)
    assert schema_version(conn) == SCHEMA_VERSION
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    conn = connect(path)
    conn.execute("UPDATE schema_version SET version = 99")
    conn.close()
    with pytest.raises(CacheError, match="newer"):
        connect(path)


def test_garbage_file_is_a_cache_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(CacheError):
        connect(path)
    with pytest.raises(CacheError):
        connect(tmp_path / "missing" / "x.sqlite3", readonly=True)


async def test_damaged_profile_cache_is_moved_aside_not_deleted(isolated_dirs: Path) -> None:
    path = cache_path("default")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"garbage" * 1000)
    with pytest.raises(CacheError):
        await Store.open_profile(recover=False)
    async with await Store.open_profile() as s:
        assert s.recovered_from is not None and s.recovered_from.read_bytes().startswith(b"garb")
        await s.upsert_messages([msg(1, 1)])
        assert await s.count_messages() == 1


async def test_cache_from_a_newer_version_is_left_alone(isolated_dirs: Path) -> None:
    conn = connect(cache_path("default"))
    conn.execute("UPDATE schema_version SET version = 99")
    conn.close()
    with pytest.raises(CacheTooNew):
        await Store.open_profile(recover=False)
    async with await Store.open_profile() as s:  # the app always gets a store: in memory
        assert s.mode == "memory" and s.notice is not None and "newer" in s.notice
    assert cache_path("default").exists()


# -- crash safety ----------------------------------------------------------------------

WRITER = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime, timedelta
    from pathlib import Path
    from inbox_tui.models import Direction, Message
    from inbox_tui.store.db import connect
    from inbox_tui.store.messages import upsert_messages

    conn = connect(Path(sys.argv[1]))
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    batch_no = int(sys.argv[2])
    while True:
        batch = [
            Message(id=f"b{batch_no}-{i}", source="workspace",
                    conversation_key=f"+1415555{batch_no % 50:04d}",
                    contact=f"+1415555{batch_no % 50:04d}", direction=Direction.INBOUND,
                    status="received", body=f"batch {batch_no} item {i} " + "x" * 200,
                    created_at=t0 + timedelta(seconds=batch_no * 1000 + i),
                    raw={"batch": batch_no})
            for i in range(250)
        ]
        upsert_messages(conn, batch)
        print(batch_no, flush=True)
        batch_no += 1
    """
)


def _batches(path: Path) -> dict[int, int]:
    conn = connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        conn.execute("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')")
        return dict(
            conn.execute(
                "SELECT json_extract(json, '$.raw.batch'), count(*) FROM messages GROUP BY 1"
            ).fetchall()
        )
    finally:
        conn.close()


@pytest.mark.slow
def test_sigkill_during_writes_leaves_a_consistent_cache(tmp_path: Path) -> None:
    """Three writer processes, each SIGKILLed at a different moment of its write loop."""
    path = tmp_path / "crash.sqlite3"
    start = 0
    for round_no, (wait_batches, extra_sleep) in enumerate([(6, 0.0), (3, 0.013), (4, 0.031)]):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(start)],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stdout is not None
            committed = start - 1
            for line in proc.stdout:
                committed = int(line)
                if committed >= start + wait_batches:
                    break
            assert committed >= start + wait_batches, f"writer died early in round {round_no}"
            time.sleep(extra_sleep)  # land somewhere inside a later batch
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.kill()
            proc.wait()
        counts = _batches(path)
        assert set(counts.values()) == {250}, f"a batch was partially written ({round_no})"
        assert max(counts) >= committed
        assert sorted(counts) == list(range(len(counts)))  # nothing committed was lost
        start = max(counts) + 1


# -- cache commands and size limit -----------------------------------------------------


async def test_cache_commands(isolated_dirs: Path) -> None:
    path = cache_path("work")
    assert path == isolated_dirs / "cache" / "work.sqlite3"
    assert cache_stats("work")["exists"] is False
    async with await Store.open_profile("work") as s:
        await s.upsert_messages([msg(1, n) for n in range(5)] + [msg(2, 0)])
        await s.set_thread_state(
            ThreadState(contact_of(1), MessagePosition(1, "a"), None, True, None)
        )
    stats = cache_stats("work")
    assert stats["messages"] == 6 and stats["conversations"] == 2
    assert stats["threads_complete"] == 1 and stats["schema_version"] == SCHEMA_VERSION
    assert stats["file_bytes"] > 0
    json.dumps(stats)  # printable as JSON by the CLI
    cache_clear("work")
    assert not path.exists() and not Path(f"{path}-wal").exists()
    cache_clear("work")  # idempotent
    path.write_bytes(b"not a database at all" * 50)
    broken = cache_stats("work")
    assert "error" in broken and broken["file_bytes"] > 0


async def test_enforce_limit_evicts_oldest_threads_but_never_the_open_one(store: Store) -> None:
    big = "lorem ipsum dolor sit amet " * 40
    for conv in range(40):
        await store.upsert_messages(
            [msg(conv, n, body=big, seconds=conv * 10_000 + n) for n in range(60)]
        )
        await store.set_thread_state(
            ThreadState(contact_of(conv), MessagePosition(1, "x"), MessagePosition(2, "y"), True, 1)
        )
    oldest, newest = contact_of(0), contact_of(39)
    stats_before = await store.read(lambda c: c.execute("PRAGMA page_count").fetchone()[0])
    assert stats_before > 0
    from inbox_tui.store.evict import used_bytes

    used = await store.read(used_bytes)
    limit = used * 6 // 10
    evicted = await store.enforce_limit(limit, protected_keys=frozenset({oldest}))
    assert evicted > 0
    assert await store.read(used_bytes) <= limit
    # The open (protected) thread and the newest keep their messages.
    assert await store.count_messages(oldest) == 60
    assert await store.count_messages(newest) == 60
    assert await store.count_messages(contact_of(1)) == 0
    # Evicted threads forget they were complete; the conversation list stays whole.
    assert (await store.thread_state(contact_of(1))).complete is False
    assert await store.count_conversations() == 40
    conv = await store.get_conversation(contact_of(1))
    assert conv is not None and conv.last_message is not None
    assert await store.search("lorem") != []
    assert await store.enforce_limit(used * 10) == 0
