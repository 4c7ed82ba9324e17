"""A new cache file is created at the current schema in one step (issue 11, item 3), and
that schema is the one an old file reaches through every numbered migration: same tables,
columns in the same order with the same types and defaults, same indexes, triggers and
search index. Real SQLite files on disk."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from support.cache_files import v1_cache_file

from inbox_tui.store import db


def _shape(conn: sqlite3.Connection) -> dict[str, Any]:
    """Everything that defines the schema, independent of how the SQL text was laid out
    (SQLite splices columns added by ALTER TABLE into the stored CREATE statement)."""
    shape: dict[str, Any] = {}
    rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name")
    for kind, name, table, sql in rows.fetchall():
        if kind == "table" and not (sql or "").startswith("CREATE VIRTUAL"):
            detail: Any = conn.execute(f"PRAGMA table_xinfo('{name}')").fetchall()
        elif kind == "index":
            unique = [
                row[2] for row in conn.execute(f"PRAGMA index_list('{table}')") if row[1] == name
            ]
            detail = (unique, conn.execute(f"PRAGMA index_xinfo('{name}')").fetchall())
        else:  # triggers and the FTS5 table: their text is the definition
            detail = " ".join((sql or "").split())
        shape[f"{kind} {name} on {table}"] = detail
    shape["auto_vacuum"] = conn.execute("PRAGMA auto_vacuum").fetchone()[0]
    return shape


def test_a_new_file_has_the_schema_an_upgraded_file_reaches(tmp_path: Path) -> None:
    upgraded_path = tmp_path / "v1.sqlite3"
    v1_cache_file(upgraded_path)
    upgraded = db.connect(upgraded_path)  # every numbered step, then the side tables
    created = db.connect(tmp_path / "new.sqlite3")
    try:
        assert db.schema_version(created) == db.schema_version(upgraded) == db.SCHEMA_VERSION
        new_shape, old_shape = _shape(created), _shape(upgraded)
        old_shape["auto_vacuum"] = new_shape["auto_vacuum"]  # set only on a new file, by design
        assert new_shape == old_shape
        assert any(key.startswith("trigger messages_au") for key in new_shape)
    finally:
        created.close()
        upgraded.close()


def test_a_new_file_is_not_stepped_through_old_schemas(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "new.sqlite3", isolation_level=None)
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    db.migrate(conn)
    db.ensure_side_tables(conn)
    conn.close()
    text = "\n".join(statements)
    assert "ALTER TABLE" not in text and "DROP TABLE" not in text
    assert text.count("CREATE VIRTUAL TABLE messages_fts") == 1
    assert "'rebuild'" not in text  # no search index rebuilt from (empty) old tables


def test_the_new_schema_holds_and_finds_a_message(tmp_path: Path) -> None:
    conn = db.connect(tmp_path / "new.sqlite3")
    try:
        conn.execute(
            "INSERT INTO messages (source, id, conversation_key, contact, created_us, direction,"
            " body, json, search_name) VALUES ('heymarket', '1', 'k', '+14155550100', 1,"
            " 'inbound', 'bananas please', '{}', 'Ada')"
        )
        found = conn.execute(
            "SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'ba*'"
        ).fetchall()
        assert len(found) == 1
    finally:
        conn.close()
