"""Opening the cache (issue 10 items 1, 8, 14): only real damage is moved aside; locked,
read-only and full caches become a read-only copy or an in-memory store with one clear
line; files are private. Real SQLite files; a second connection holds the locks."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.cache_files import exclusive, unwritable, v1_cache_file
from support.messages import msg

from inbox_tui.store import SCHEMA_VERSION, Store
from inbox_tui.store.db import (
    CacheCorrupt,
    CacheError,
    CacheFull,
    CacheLocked,
    connect,
    schema_version,
)
from inbox_tui.store.last_profile import last_profile_path, record_last_profile
from inbox_tui.store.maintenance import cache_stats
from inbox_tui.store.store import profile_path
from inbox_tui.ui.widgets.banner import error_text

SHORT = 0.2  # busy timeout (seconds) for tests that wait on a lock


def _corrupt_files(path: Path) -> list[Path]:
    return sorted(path.parent.glob(path.name + ".corrupt-*"))


async def _filled(path: Path, n: int = 20) -> None:
    async with await Store.open(path) as s:
        await s.upsert_messages([msg(1, i) for i in range(n)])


# -- item 1: a healthy cache is never moved aside ----------------------------------------


async def test_locked_cache_opens_and_is_not_moved_aside() -> None:
    path = profile_path("work", "heymarket|https://x|")
    path.parent.mkdir(parents=True)
    await _filled(path)
    with exclusive(path):
        store = await Store.open_profile("work", account="heymarket|https://x|", busy_timeout=SHORT)
        async with store:
            assert store.recovered_from is None and _corrupt_files(path) == []
            assert await store.count_messages() == 20  # WAL: reads go on under the lock
            with pytest.raises(CacheLocked) as caught:
                await store.upsert_messages([msg(2, 0)])
            assert "locked" in error_text(caught.value)
    async with await Store.open_profile("work", account="heymarket|https://x|") as again:
        assert again.mode == "normal" and await again.count_messages() == 20


async def test_locked_during_migration_gives_a_memory_store_and_keeps_the_file() -> None:
    path = profile_path("default")
    path.parent.mkdir(parents=True)
    v1_cache_file(path)
    with exclusive(path):  # as a first instance migrating it would
        store = await Store.open_profile(busy_timeout=SHORT)
        async with store:
            assert store.mode == "memory" and store.notice and "locked" in store.notice
            await store.upsert_messages([msg(1, 1)])  # still works, from the server
            assert await store.count_messages() == 1
    assert _corrupt_files(path) == []
    async with await Store.open_profile() as s:  # lock gone: migrated now
        assert s.mode == "normal" and s.notice is None
    conn = sqlite3.connect(path)
    assert schema_version(conn) == SCHEMA_VERSION
    conn.close()


@pytest.mark.parametrize("make", ["fresh", "v1"])
def test_concurrent_opens_of_one_file_both_succeed(tmp_path: Path, make: str) -> None:
    """Two instances on a fresh (or old) profile: no `duplicate column name`, one schema."""
    for round_no in range(5):
        path = tmp_path / f"{make}-{round_no}.sqlite3"
        if make == "v1":
            v1_cache_file(path)
        else:  # just created by one of them, no table yet
            sqlite3.connect(path).execute("PRAGMA journal_mode = WAL").connection.close()
        barrier = threading.Barrier(4)
        errors: list[BaseException] = []

        def open_it(
            path: Path = path,
            barrier: threading.Barrier = barrier,
            errors: list[BaseException] = errors,
        ) -> None:
            barrier.wait()
            try:
                connect(path).close()
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=open_it) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        conn = sqlite3.connect(path)
        assert schema_version(conn) == SCHEMA_VERSION
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        conn.close()


async def test_read_only_file_shows_a_read_only_copy() -> None:
    path = profile_path("default")
    path.parent.mkdir(parents=True)
    await _filled(path, 7)
    before = path.read_bytes()
    with unwritable(path):
        async with await Store.open_profile() as store:
            assert store.mode == "read-only" and store.recovered_from is None
            assert store.notice and "read-only" in store.notice and "not saved" in store.notice
            assert await store.count_messages() == 7  # cached data still shown
            await store.upsert_messages([msg(2, 0)])  # and what the server sends
            assert await store.count_messages() == 8
    assert path.read_bytes() == before and _corrupt_files(path) == []
    assert cache_stats("default")["messages"] == 7


async def test_read_only_directory_gives_one_clear_line() -> None:
    folder = profile_path("default").parent
    folder.mkdir(parents=True)
    with unwritable(folder):
        async with await Store.open_profile() as store:
            assert store.mode == "memory"
            assert store.notice and "directory" in store.notice and "read-only" in store.notice
            await store.upsert_messages([msg(1, 0)])
            assert await store.count_messages() == 1
    assert list(folder.iterdir()) == []


async def test_cache_from_a_newer_version_gives_a_memory_store() -> None:
    path = profile_path("default")
    conn = connect(path)
    conn.execute("UPDATE schema_version SET version = 99")
    conn.close()
    async with await Store.open_profile() as store:
        assert store.mode == "memory" and store.notice and "newer" in store.notice
    assert path.exists() and _corrupt_files(path) == []


# -- item 14: real damage, a full disk -----------------------------------------------------


async def test_garbage_in_the_middle_is_moved_aside_with_a_notice() -> None:
    path = profile_path("default")
    path.parent.mkdir(parents=True)
    async with await Store.open(path) as s:
        await s.upsert_messages([msg(c, i) for c in range(20) for i in range(20)])
    size = path.stat().st_size
    with path.open("r+b") as f:  # the header stays valid: only pages inside are damaged
        f.seek(size // 2)
        f.write(os.urandom(8192))
    async with await Store.open_profile() as store:
        assert store.recovered_from is not None and store.recovered_from.exists()
        assert store.notice and "damaged" in store.notice
        assert store.mode == "normal" and await store.count_messages() == 0


async def test_damage_found_later_is_a_typed_error_naming_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    conn = sqlite3.connect(path)
    conn.close()
    error = CacheError("x")
    assert error.user_message() == "x"
    from inbox_tui.store.db import classify

    damaged = classify(sqlite3.DatabaseError("database disk image is malformed"), path)
    assert isinstance(damaged, CacheCorrupt) and "inbox-tui cache clear" in error_text(damaged)


async def test_disk_full_is_one_clear_line_and_the_store_carries_on(tmp_path: Path) -> None:
    path = tmp_path / "full.sqlite3"
    await _filled(path, 5)
    store = await Store.open(path)
    try:

        def fill_up(conn: sqlite3.Connection) -> None:
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages + 1}")

        await store.write(fill_up)
        big = [msg(3, i).model_copy(update={"body": "x" * 4000}) for i in range(50)]
        with pytest.raises(CacheFull) as caught:
            await store.upsert_messages(big)
        line = error_text(caught.value)
        assert "full" in line and "free some space" in line and "Unexpected" not in line
        assert store.mode == "read-only" and store.notice and "not saved" in store.notice
        assert await store.count_messages() == 5  # what was cached is still there
        await store.upsert_messages(big)  # the retry works (in memory)
        assert await store.count_messages() == 55
    finally:
        await store.close()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM messages").fetchone() == (5,)
    conn.close()


# -- item 8: private files -----------------------------------------------------------------


@contextlib.contextmanager
def umask(value: int) -> Iterator[None]:
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_new_cache_files_are_private_under_umask_022() -> None:
    path = profile_path("default", "workspace|https://x|w1")
    with umask(0o022):
        async with await Store.open_profile("default", account="workspace|https://x|w1") as s:
            await s.upsert_messages([msg(1, 1)])
            companions = [path.with_name(path.name + x) for x in ("-wal", "-shm")]
            assert all(p.exists() for p in companions)
            assert {p.name: _mode(p) for p in companions} == {p.name: 0o600 for p in companions}
        record_last_profile("default", "workspace|https://x|w1")
    assert _mode(path.parent) == 0o700 and _mode(path) == 0o600
    assert _mode(last_profile_path()) == 0o600


async def test_existing_wide_cache_files_are_tightened_on_open() -> None:
    path = profile_path("default")
    with umask(0o022):
        path.parent.mkdir(parents=True, mode=0o755)
        await _filled(path, 1)
        path.parent.chmod(0o755)
        path.chmod(0o644)
        async with await Store.open_profile() as s:
            assert await s.count_messages() == 1
            wal = path.with_name(path.name + "-wal")
            assert _mode(wal) == 0o600
    assert _mode(path.parent) == 0o700 and _mode(path) == 0o600


def test_last_profile_write_failure_leaves_no_tmp_and_keeps_the_old_one(
    isolated_dirs: Path,
) -> None:
    """A full disk while writing ``last_profile`` (a file-size limit of 0 in a child)."""
    record_last_profile("before", "heymarket|https://a|")
    script = textwrap.dedent(
        """
        import resource, signal
        from inbox_tui.store.last_profile import record_last_profile
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
        record_last_profile("after", "heymarket|https://b|")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], env=os.environ.copy(), timeout=60)
    assert done.returncode == 0
    folder = last_profile_path().parent
    assert sorted(p.name for p in folder.iterdir() if "last_profile" in p.name) == ["last_profile"]
    assert last_profile_path().read_text().splitlines()[0] == "before"
