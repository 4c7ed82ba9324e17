"""Opening the cache database: pragmas, schema and forward migrations.

The schema version lives in the one-row ``schema_version`` table. Each migration is a
function run inside a single transaction, so a crash half-way leaves the previous version
intact. A database newer than this code is refused rather than guessed at.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA_VERSION = 4
BUSY_TIMEOUT = 5.0  # seconds another inbox-tui may hold the write lock before we give up
QUICK_CHECK_MAX_BYTES = 128 * 1024 * 1024  # bigger files skip the open-time check (speed)
COMPANIONS = ("-wal", "-shm", "-journal")
CLEAR_HINT = "run `inbox-tui cache clear`"


class CacheError(Exception):
    """The cache file cannot be used (newer schema, corrupt, not a database)."""

    def user_message(self) -> str:
        return str(self)


class CacheTooNew(CacheError):
    """Written by a newer inbox-tui: left untouched (that version may still need it)."""


class CacheCorrupt(CacheError):
    """Not a database, or its integrity check fails: the only case moved aside."""


class CacheLocked(CacheError):
    """Another process held the write lock longer than the busy timeout."""


class CacheReadOnly(CacheError):
    """The file or its directory cannot be written."""


class CacheFull(CacheError):
    """The disk (or the database's page limit) is full."""


def classify(exc: BaseException, path: Path | str) -> CacheError:
    """One typed :class:`CacheError` with a one-line message naming the fix."""
    if isinstance(exc, CacheError):
        return exc
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc)
    low = text.lower()
    if (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or name == "SQLITE_FULL":
        return CacheFull(
            f"The disk holding the cache is full ({path}): free some space or {CLEAR_HINT}; "
            "changes are not being saved"
        )
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in low:
        return CacheLocked(
            f"The cache {path} is locked by another program (another inbox-tui?): "
            "close it to save changes again"
        )
    if (
        name.startswith("SQLITE_READONLY")
        or "readonly" in low
        or isinstance(exc, PermissionError)
        or (isinstance(exc, OSError) and exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM))
        or (name == "SQLITE_CANTOPEN" and Path(path).exists())
    ):
        return read_only(Path(path))
    if name in ("SQLITE_NOTADB", "SQLITE_CORRUPT") or "malformed" in low:
        return CacheCorrupt(
            f"The cache {path} is damaged ({text}): {CLEAR_HINT}; it is rebuilt from the server"
        )
    return CacheError(f"cannot use the cache {path}: {text}")


def read_only(path: Path) -> CacheReadOnly:
    """The error for a cache file or directory this process cannot write."""
    folder = path.parent
    if not path.exists() or not os.access(folder, os.W_OK):
        return CacheReadOnly(
            f"The cache directory {folder} is read-only: make it writable (chmod u+w) "
            "or point INBOX_TUI_CACHE_DIR elsewhere"
        )
    return CacheReadOnly(
        f"The cache {path} is read-only: make it writable (chmod u+w) or {CLEAR_HINT}"
    )


def _check_writable(path: Path) -> None:
    """SQLite would open an unwritable file read-only and fail only at the first write."""
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise read_only(path)


def private_file(path: Path) -> None:
    """0600 for the file and its WAL/SHM companions that exist (fixes older, wider files)."""
    for file in (path, *(path.with_name(path.name + s) for s in COMPANIONS)):
        with contextlib.suppress(OSError):
            if file.stat().st_mode & 0o077:
                file.chmod(0o600)


def private_dir(path: Path) -> None:
    """Create ``path`` (and parents) as 0700; tighten it if it already exists wider."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        if path.stat().st_mode & 0o077:
            path.chmod(0o700)


def _create_private(path: Path) -> None:
    """Create an empty 0600 file unless it exists: SQLite gives WAL/SHM the same mode."""
    if path.exists():
        return
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600))


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


FTS_TRIGGERS: tuple[str, ...] = (
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
)


# Tables that a numbered step created and a new file creates as they are (CURRENT_DDL).
# A later step that changes one of them must keep this text for the step that made it.
THREAD_STATE_TABLE = """CREATE TABLE thread_state (
    conversation_key TEXT PRIMARY KEY,
    oldest_us INTEGER,
    oldest_id TEXT,
    newest_us INTEGER,
    newest_id TEXT,
    complete INTEGER NOT NULL DEFAULT 0,
    synced_us INTEGER
)"""
META_TABLE = "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)"
FTS_TABLE = """CREATE VIRTUAL TABLE messages_fts USING fts5(
    body, search_name, search_numbers,
    content='messages', content_rowid='rowid',
    tokenize='unicode61 remove_diacritics 2',
    prefix='2 3'
)"""


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
        THREAD_STATE_TABLE,
        META_TABLE,
        """CREATE VIRTUAL TABLE messages_fts USING fts5(
            body, search_name, search_numbers,
            content='messages', content_rowid='rowid',
            tokenize='unicode61 remove_diacritics 2'
        )""",
    ]
    triggers = FTS_TRIGGERS
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


def _v3(conn: sqlite3.Connection) -> None:
    """FTS5 prefix indexes for 2- and 3-character prefixes: a short word as typed ("ba")
    merged the doclists of every term it starts (~0.5 s at 1M messages); with the index
    it is one lookup. The index is rebuilt from the messages table (once, at upgrade)."""
    for name in ("messages_ai", "messages_ad", "messages_au"):
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    conn.execute("DROP TABLE IF EXISTS messages_fts")
    conn.execute(FTS_TABLE)
    conn.execute("INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')")
    for statement in FTS_TRIGGERS:
        conn.execute(statement)


def _v4(conn: sqlite3.Connection) -> None:
    """The conversations API's ``last_inbound`` / ``replied`` in their own columns, so the
    reply queue (SQL, see ``store/waiting.py``) has the waiting time of a conversation whose
    messages are not cached yet: offline and at start, before any poll. Values an earlier
    version kept in the ``triage`` JSON are copied over (that column may not exist yet: a
    new file gets it from :func:`ensure_side_tables` after the numbered steps)."""
    conn.execute("ALTER TABLE conversations ADD COLUMN last_inbound_us INTEGER")
    conn.execute("ALTER TABLE conversations ADD COLUMN replied_us INTEGER")
    if "triage" not in {r[1] for r in conn.execute("PRAGMA table_info(conversations)")}:
        return
    from inbox_tui.store.codec import legacy_wait_fields

    cursor = conn.execute("SELECT key, triage FROM conversations WHERE triage IS NOT NULL")
    while rows := cursor.fetchmany(2000):
        updates = [(*legacy_wait_fields(js), key) for key, js in rows]
        conn.executemany(
            "UPDATE conversations SET last_inbound_us = ?, replied_us = ? WHERE key = ?",
            [u for u in updates if u[0] is not None or u[1] is not None],
        )


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {1: _v1, 2: _v2, 3: _v3, 4: _v4}

# A new (empty) file is created at version 4 directly: the two tables the numbered steps
# widened, written out with their columns in the order those steps add them, then the
# tables the steps created as they are, the search index and the side tables below. The
# steps would build the search index twice and rewrite tables for each added column.
# tests/store/test_schema_created_current.py holds this equal to an upgraded file.
CURRENT_DDL = """
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
    search_name TEXT NOT NULL DEFAULT '',
    search_numbers TEXT NOT NULL DEFAULT '',
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
    preview TEXT NOT NULL DEFAULT '',
    status TEXT,
    last_json TEXT,
    synced_us INTEGER,
    last_inbound_us INTEGER,
    replied_us INTEGER,
    triage TEXT
);
CREATE INDEX conversations_recent ON conversations (last_us, key);
CREATE INDEX conversations_inbox_recent ON conversations (inbox_id, last_us, key);
"""


def _create_current(conn: sqlite3.Connection) -> None:
    for statement in _split(CURRENT_DDL):
        conn.execute(statement)
    for statement in (THREAD_STATE_TABLE, META_TABLE, FTS_TABLE, *FTS_TRIGGERS, *SIDE_TABLES):
        conn.execute(statement)


# Additions that need no version step: created when missing on every writable open, so they
# merge with any numbered migration and an older inbox-tui still opens the file (it names
# the columns it reads). Drafts of the triage compose box live here (they survive restarts);
# ``conversations.triage`` holds the conversation-list fields (assignee, closed, ...) as JSON.
SIDE_TABLES = (
    """CREATE TABLE IF NOT EXISTS drafts (
        conversation_key TEXT PRIMARY KEY,
        text TEXT NOT NULL,
        private INTEGER NOT NULL DEFAULT 0,
        media_url TEXT,
        reason TEXT,
        updated_us INTEGER NOT NULL
    )""",
)
SIDE_COLUMNS = (("conversations", "triage", "TEXT"),)


def ensure_side_tables(conn: sqlite3.Connection) -> None:
    """Create the unversioned tables and columns that are missing (one transaction)."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    missing_columns = [
        (table, column, kind)
        for table, column, kind in SIDE_COLUMNS
        if column not in {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
    ]
    if "drafts" in tables and not missing_columns:
        return
    with transaction(conn):
        for statement in SIDE_TABLES:
            conn.execute(statement)
        for table, column, kind in missing_columns:
            known = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
            if column not in known:  # another process may have added it meanwhile
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")


def _split(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``; ``ROLLBACK`` on any error (all or nothing)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        # SQLite may already have rolled back (disk full, I/O error): don't mask the cause.
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        raise


def schema_version(conn: sqlite3.Connection) -> int:
    """0 for an empty database."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_version'"
    ).fetchone()
    if not exists:
        return 0
    row = conn.execute("SELECT version FROM schema_version").fetchone()
    return int(row[0]) if row else 0


def _too_new(current: int) -> CacheTooNew:
    return CacheTooNew(
        f"cache schema version {current} is newer than this inbox-tui understands "
        f"({SCHEMA_VERSION}); upgrade inbox-tui or run `inbox-tui cache clear`"
    )


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring the database forward to ``target`` in one ``BEGIN IMMEDIATE`` transaction.

    The version is read again inside the transaction (holding the write lock), so two
    processes opening the same old or new file never both run a step. An empty file is
    created at the current schema (:data:`CURRENT_DDL`), not stepped through the old ones.
    """
    current = schema_version(conn)  # fast path: no write lock when nothing is to do
    if current > SCHEMA_VERSION:
        raise _too_new(current)
    if current >= target:
        return current
    with transaction(conn):
        current = schema_version(conn)
        if current > SCHEMA_VERSION:
            raise _too_new(current)
        if current >= target:
            return current
        if current == 0 and target == SCHEMA_VERSION:
            _create_current(conn)
        else:
            for step in range(current + 1, target + 1):
                MIGRATIONS[step](conn)
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        conn.execute("DELETE FROM schema_version")
        conn.execute("INSERT INTO schema_version (version) VALUES (?)", (target,))
    return target


# Page cache per connection. Each fills up to its size as a long thread is walked (written,
# then read back) and keeps it: 16 MB each was 25-30 MB of a 100k walk's peak RSS. The
# writer appends (the right edges of its B-trees stay cached); the reader's searches and
# thread windows are served from the OS page cache past this.
CACHE_KB = 16_000
WRITER_CACHE_KB = 4_000
READER_CACHE_KB = 6_000


def connect(
    path: Path,
    *,
    readonly: bool = False,
    migrate_schema: bool = True,
    busy_timeout: float = BUSY_TIMEOUT,
    check: bool = False,
    cache_kb: int = CACHE_KB,
) -> sqlite3.Connection:
    """Open ``path`` with the cache's pragmas; create/migrate it unless ``readonly``.
    ``cache_kb``: SQLite's page cache for this connection (it fills up to that and stays).

    Failures are typed (:func:`classify`): only :class:`CacheCorrupt` means the file is
    damaged. ``check`` runs ``PRAGMA quick_check`` on files up to
    :data:`QUICK_CHECK_MAX_BYTES`.
    """
    try:
        if readonly:
            conn = sqlite3.connect(
                f"{path.resolve().as_uri()}?mode=ro",
                uri=True,
                isolation_level=None,
                check_same_thread=False,
            )
        else:
            if not path.parent.is_dir():
                private_dir(path.parent)
            _create_private(path)
            _check_writable(path)
            private_file(path)
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    except (sqlite3.Error, OSError) as exc:
        raise classify(exc, path) from exc
    try:
        _configure(
            conn,
            readonly=readonly,
            migrate_schema=migrate_schema,
            busy_timeout=busy_timeout,
            cache_kb=cache_kb,
        )
        if check:
            quick_check(conn, path)
    except (sqlite3.Error, OSError) as exc:
        conn.close()
        raise classify(exc, path) from exc
    except BaseException:
        conn.close()
        raise
    return conn


def quick_check(conn: sqlite3.Connection, path: Path) -> None:
    """Raise :class:`CacheCorrupt` when SQLite's quick check finds damage (small files)."""
    with contextlib.suppress(OSError):
        if path.stat().st_size > QUICK_CHECK_MAX_BYTES:
            return
    rows = conn.execute("PRAGMA quick_check(3)").fetchall()
    if rows != [("ok",)]:
        detail = "; ".join(str(r[0]) for r in rows)[:200]
        raise CacheCorrupt(
            f"The cache {path} is damaged ({detail}): {CLEAR_HINT}; it is rebuilt from the server"
        )


def _configure(
    conn: sqlite3.Connection,
    *,
    readonly: bool,
    migrate_schema: bool,
    busy_timeout: float,
    cache_kb: int = CACHE_KB,
) -> None:
    conn.execute(f"PRAGMA busy_timeout = {max(int(busy_timeout * 1000), 0)}")
    if not readonly:
        # Only on a new file (before the first table): lets eviction give pages back to
        # the filesystem. On an existing file it would take the write lock for nothing.
        if conn.execute("PRAGMA page_count").fetchone()[0] == 0:
            conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute(f"PRAGMA cache_size = -{int(cache_kb)}")
    if not readonly and migrate_schema:
        migrate(conn)
        ensure_side_tables(conn)
    elif readonly and (version := schema_version(conn)) != SCHEMA_VERSION:
        raise CacheError(
            f"cache schema version {version} differs from {SCHEMA_VERSION}; "
            "open it read-write once to migrate"
        )


def configure_memory(conn: sqlite3.Connection) -> None:
    """Pragmas and schema of an in-memory cache (empty or copied from a file)."""
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA temp_store = MEMORY")
    migrate(conn)
    ensure_side_tables(conn)
