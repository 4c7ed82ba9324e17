"""Opening the cache database: pragmas, schema and forward migrations.

The schema version lives in the one-row ``schema_version`` table. Each migration is a
function run inside a single transaction, so a crash half-way leaves the previous version
intact. A database newer than this code is refused rather than guessed at.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA_VERSION = 2


class CacheError(Exception):
    """The cache file cannot be used (newer schema, corrupt, not a database)."""


class CacheTooNew(CacheError):
    """Written by a newer inbox-tui: left untouched (that version may still need it)."""


# Version 1: the first release shape. Kept verbatim: tests build real v1 files from it.
V1_DDL = """
CREATE TABLE messages (
    rowid INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    id TEXT NOT NULL,
    conversation_key TEXT NOT NULL,
    inbox_id TEXT,
    contact TEXT NOT NULL,
    created_us INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT '',
    direction TEXT NOT NULL,
    flagged INTEGER NOT NULL DEFAULT 0,
    body TEXT NOT NULL DEFAULT '',
    json TEXT NOT NULL,
    UNIQUE (source, id)
);
CREATE INDEX messages_thread ON messages (conversation_key, created_us, id);
CREATE TABLE conversations (
    key TEXT PRIMARY KEY,
    contact TEXT NOT NULL,
    name TEXT,
    inbox_id TEXT,
    last_us INTEGER NOT NULL,
    unread INTEGER NOT NULL DEFAULT 0,
    flagged INTEGER NOT NULL DEFAULT 0,
    has_failed INTEGER NOT NULL DEFAULT 0,
    preview TEXT NOT NULL DEFAULT ''
);
CREATE INDEX conversations_recent ON conversations (last_us, key);
"""


def _v1(conn: sqlite3.Connection) -> None:
    for statement in _split(V1_DDL):
        conn.execute(statement)


def _v2(conn: sqlite3.Connection) -> None:
    """Adds thread completeness state, FTS5 search, per-conversation status/source."""
    stmts = [
        # Search columns live in the content table so FTS5 can be external-content.
        "ALTER TABLE messages ADD COLUMN search_name TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE messages ADD COLUMN search_numbers TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE conversations ADD COLUMN status TEXT",
        "ALTER TABLE conversations ADD COLUMN last_json TEXT",
        "ALTER TABLE conversations ADD COLUMN synced_us INTEGER",
        "CREATE INDEX conversations_inbox_recent ON conversations (inbox_id, last_us, key)",
        """CREATE TABLE thread_state (
            conversation_key TEXT PRIMARY KEY,
            oldest_us INTEGER,
            oldest_id TEXT,
            newest_us INTEGER,
            newest_id TEXT,
            complete INTEGER NOT NULL DEFAULT 0,
            synced_us INTEGER
        )""",
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)",
        """CREATE VIRTUAL TABLE messages_fts USING fts5(
            body, search_name, search_numbers,
            content='messages', content_rowid='rowid',
            tokenize='unicode61 remove_diacritics 2'
        )""",
    ]
    triggers = [
        """CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN
            INSERT INTO messages_fts (rowid, body, search_name, search_numbers)
            VALUES (new.rowid, new.body, new.search_name, new.search_numbers);
        END""",
        """CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, body, search_name, search_numbers)
            VALUES ('delete', old.rowid, old.body, old.search_name, old.search_numbers);
        END""",
        """CREATE TRIGGER messages_au AFTER UPDATE OF body, search_name, search_numbers
            ON messages WHEN old.body IS NOT new.body OR old.search_name IS NOT new.search_name
                OR old.search_numbers IS NOT new.search_numbers BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, body, search_name, search_numbers)
            VALUES ('delete', old.rowid, old.body, old.search_name, old.search_numbers);
            INSERT INTO messages_fts (rowid, body, search_name, search_numbers)
            VALUES (new.rowid, new.body, new.search_name, new.search_numbers);
        END""",
    ]
    for statement in stmts:
        conn.execute(statement)
    # Backfill search columns of v1 rows and re-encode their JSON in the v2 (compact) form,
    # then index everything already cached.
    from inbox_tui.store.codec import (
        MESSAGE_READ_COLUMNS,
        message_from_row,
        message_json,
        numbers_text,
    )

    cursor = conn.execute(
        f"SELECT m.rowid, c.name, {', '.join('m.' + c for c in MESSAGE_READ_COLUMNS.split(', '))} "
        "FROM messages m LEFT JOIN conversations c ON c.key = m.conversation_key"
    )
    while rows := cursor.fetchmany(2000):
        updates = []
        for rowid, name, *columns in rows:
            message = message_from_row(tuple(columns))
            updates.append(
                (message_json(message), numbers_text(message.contact), name or "", rowid)
            )
        conn.executemany(
            "UPDATE messages SET json = ?, search_numbers = ?, search_name = ? WHERE rowid = ?",
            updates,
        )
    conn.execute("INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')")
    # Only now keep the index in step (an FTS 'delete' of a row never indexed corrupts it).
    for statement in triggers:
        conn.execute(statement)


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {1: _v1, 2: _v2}


def _split(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``; ``ROLLBACK`` on any error (all or nothing)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def schema_version(conn: sqlite3.Connection) -> int:
    """0 for an empty database."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_version'"
    ).fetchone()
    if not exists:
        return 0
    row = conn.execute("SELECT version FROM schema_version").fetchone()
    return int(row[0]) if row else 0


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring the database forward to ``target``, one transaction per step."""
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise CacheTooNew(
            f"cache schema version {current} is newer than this inbox-tui understands "
            f"({SCHEMA_VERSION}); upgrade inbox-tui or run `inbox-tui cache clear`"
        )
    while current < target:
        step = current + 1
        with transaction(conn):
            MIGRATIONS[step](conn)
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            conn.execute("DELETE FROM schema_version")
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (step,))
        current = step
    return current


def connect(
    path: Path, *, readonly: bool = False, migrate_schema: bool = True
) -> sqlite3.Connection:
    """Open ``path`` with the cache's pragmas; create/migrate it unless ``readonly``."""
    try:
        if readonly:
            conn = sqlite3.connect(
                f"{path.resolve().as_uri()}?mode=ro",
                uri=True,
                isolation_level=None,
                check_same_thread=False,
            )
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    except (sqlite3.Error, OSError) as exc:
        raise CacheError(f"cannot open cache {path}: {exc}") from exc
    try:
        _configure(conn, readonly=readonly, migrate_schema=migrate_schema)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise CacheError(f"cannot open cache {path}: {exc}") from exc
    except BaseException:
        conn.close()
        raise
    return conn


def _configure(conn: sqlite3.Connection, *, readonly: bool, migrate_schema: bool) -> None:
    conn.execute("PRAGMA busy_timeout = 5000")
    if not readonly:
        # Only takes effect on a new file (before the first table): lets eviction give
        # pages back to the filesystem.
        conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA cache_size = -16000")  # 16 MB page cache
    if not readonly and migrate_schema:
        migrate(conn)
    elif readonly and (version := schema_version(conn)) != SCHEMA_VERSION:
        raise CacheError(
            f"cache schema version {version} differs from {SCHEMA_VERSION}; "
            "open it read-write once to migrate"
        )
