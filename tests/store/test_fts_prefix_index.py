"""Schema v3: the search index keeps 2- and 3-character prefixes (FTS5 ``prefix='2 3'``),
so a short word as typed is one index lookup; a v2 cache is upgraded in place and its
search results stay the same."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from support.messages import msg

from inbox_tui.store import SCHEMA_VERSION, Store
from inbox_tui.store.db import migrate, schema_version
from inbox_tui.store.messages import upsert_messages


def fts_sql(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT sql FROM sqlite_master WHERE name = 'messages_fts'").fetchone()[
            0
        ]
    finally:
        conn.close()


def write_v2_file(path: Path) -> list:
    messages = [msg(3, n, body=f"barnacle bay number {n}") for n in range(5)]
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, target=2)
    upsert_messages(conn, messages)  # its own transaction
    assert schema_version(conn) == 2
    conn.close()
    return messages


async def test_a_new_cache_has_the_short_prefix_index(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    async with await Store.open(path) as store:
        await store.upsert_messages([msg(1, 0, body="bagel")])
        assert [h.message_id for h in await store.search("ba")] == [msg(1, 0).id]
    assert "prefix='2 3'" in fts_sql(path)


async def test_a_v2_cache_is_upgraded_and_finds_the_same_messages(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    messages = write_v2_file(path)
    assert "prefix" not in fts_sql(path)
    async with await Store.open(path) as store:
        ids = {m.id for m in messages}
        assert {h.message_id for h in await store.search("ba")} == ids
        assert {h.message_id for h in await store.search("bar")} == ids
        assert {h.message_id for h in await store.search("barnacle")} == ids
        assert await store.search("zz") == []
        new = msg(4, 0, body="bayou")  # inserted after the upgrade: the triggers work again
        await store.upsert_messages([new])
        assert new.id in {h.message_id for h in await store.search("ba")}
    assert "prefix='2 3'" in fts_sql(path)
    conn = sqlite3.connect(path)
    assert schema_version(conn) == SCHEMA_VERSION
    conn.execute("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')")
    conn.close()
