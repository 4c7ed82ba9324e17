"""What ``inbox-tui cache path|stats|clear`` does (the CLI wires and prints these)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from inbox_tui.store import evict
from inbox_tui.store.db import schema_version
from inbox_tui.store.store import profile_path

_SUFFIXES = ("", "-wal", "-shm", "-journal")


def cache_path(profile: str = "default", account: str | None = None) -> Path:
    """The cache file of ``profile`` for ``account`` (it may not exist yet)."""
    return profile_path(profile, account)


def _files(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in _SUFFIXES]


def cache_stats(profile: str = "default", account: str | None = None) -> dict[str, Any]:
    """Size and contents of a profile's cache. Never creates or changes the file; a
    damaged one is described by an ``error`` entry."""
    path = cache_path(profile, account)
    size = sum(p.stat().st_size for p in _files(path) if p.exists())
    stats: dict[str, Any] = {
        "profile": profile,
        "path": str(path),
        "exists": path.exists(),
        "file_bytes": size,
        "messages": 0,
        "conversations": 0,
        "threads_complete": 0,
        "schema_version": None,
    }
    if not path.exists():
        return stats
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        stats["error"] = f"cannot read the cache: {exc}"
        return stats
    try:
        version = schema_version(conn)
        stats["schema_version"] = version
        stats["messages"] = conn.execute("SELECT count(*) FROM messages").fetchone()[0]
        stats["conversations"] = conn.execute("SELECT count(*) FROM conversations").fetchone()[0]
        if version >= 2:
            stats["threads_complete"] = conn.execute(
                "SELECT count(*) FROM thread_state WHERE complete = 1"
            ).fetchone()[0]
            stats["used_bytes"] = evict.used_bytes(conn)
    except sqlite3.DatabaseError as exc:
        # A damaged file is reported, not raised: `cache clear` (or the next start) fixes it.
        stats["error"] = f"cannot read the cache: {exc}"
    finally:
        conn.close()
    return stats


def cache_clear(profile: str = "default", account: str | None = None) -> None:
    """Delete a profile's cache file (and its WAL/SHM companions). Idempotent."""
    for file in _files(cache_path(profile, account)):
        file.unlink(missing_ok=True)
