"""Schema 4: the conversations API's ``last_inbound`` / ``replied`` have their own columns
(the reply queue reads them in SQL). A v3 file, which kept them in the ``triage`` JSON, is
upgraded with the values copied; a new file is created at the same schema."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from inbox_tui.store import SCHEMA_VERSION, Store
from inbox_tui.store.db import ensure_side_tables, migrate, schema_version
from inbox_tui.store.waiting import waiting_conversations

T_IN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
T_REPLY = datetime(2026, 3, 1, 11, 0, tzinfo=UTC)


def columns(path: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(path)
    try:
        return sorted((r[1], r[2]) for r in conn.execute("PRAGMA table_info(conversations)"))
    finally:
        conn.close()


def write_v3_file(path: Path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, target=3)
    ensure_side_tables(conn)  # the triage column, as a v3 inbox-tui left it
    triage = {
        "assigned_to": "5",
        "closed": False,
        "last_inbound_at": T_IN.isoformat(),
        "replied_at": T_REPLY.isoformat(),
    }
    rows = [
        ("413:+14155550111", "+14155550111", json.dumps(triage)),
        ("413:+14155550112", "+14155550112", '{"assigned_to": "5"}'),
        ("413:+14155550113", "+14155550113", '{"last_inbound_at": "not a time"'),  # damaged
    ]
    for key, contact, js in rows:
        conn.execute(
            "INSERT INTO conversations (key, contact, inbox_id, last_us, status, triage) "
            "VALUES (?, ?, '413', 1, 'open', ?)",
            (key, contact, js),
        )
    assert schema_version(conn) == 3
    conn.close()


async def test_a_v3_file_keeps_its_waiting_times(tmp_path: Path) -> None:
    path = tmp_path / "v3.sqlite3"
    write_v3_file(path)
    async with await Store.open(path) as store:
        got = await store.get_conversation("413:+14155550111")
        assert got is not None
        assert (got.last_inbound_at, got.replied_at, got.assigned_to) == (T_IN, T_REPLY, "5")
        other = await store.get_conversation("413:+14155550112")
        assert other is not None and other.last_inbound_at is None and other.assigned_to == "5"
        assert await store.get_conversation("413:+14155550113") is not None  # never lost
        queue = await store.read(waiting_conversations)
        assert [(r.conversation.key, r.since) for r in queue] == [("413:+14155550111", T_IN)]
    conn = sqlite3.connect(path)
    assert schema_version(conn) == SCHEMA_VERSION == 4
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()


async def test_a_new_file_has_the_same_columns_as_an_upgraded_one(tmp_path: Path) -> None:
    old, new = tmp_path / "old.sqlite3", tmp_path / "new.sqlite3"
    write_v3_file(old)
    async with await Store.open(old):
        pass
    async with await Store.open(new):
        pass
    assert columns(new) == columns(old)
    assert ("last_inbound_us", "INTEGER") in columns(new)
    assert ("replied_us", "INTEGER") in columns(new)


async def test_a_later_list_without_the_times_keeps_them_and_older_times_never_win(
    store: Store,
) -> None:
    from inbox_tui.models import Conversation

    def row(**times: object) -> Conversation:
        return Conversation(
            key="413:+14155550111",
            contact="+14155550111",
            inbox_id="413",
            last_at=T_IN,
            **times,  # type: ignore[arg-type]
        )

    await store.upsert_conversations([row(last_inbound_at=T_IN, replied_at=T_REPLY)])
    await store.upsert_conversations([row()])  # e.g. the message walk
    await store.upsert_conversations([row(last_inbound_at=T_REPLY)])  # a stale page
    got = await store.get_conversation("413:+14155550111")
    assert got is not None and (got.last_inbound_at, got.replied_at) == (T_IN, T_REPLY)
