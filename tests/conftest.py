"""Shared fixtures: every test runs with its own config, cache and log directories."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from support.logging_reset import restored_logging

from inbox_tui.demo.server import DemoServer
from inbox_tui.store import Store

settings.register_profile("default", deadline=None)
settings.register_profile("ci", deadline=None, max_examples=200)
settings.register_profile(
    "nightly", deadline=None, max_examples=10_000, suppress_health_check=[HealthCheck.too_slow]
)
# HYPOTHESIS_PROFILE wins; otherwise CI (set by .ci/run and most CI services) selects "ci".
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "default")
)


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep config, cache and logs of each test inside its own temporary directory."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("INBOX_TUI_CONFIG", str(home / "config.toml"))
    monkeypatch.setenv("INBOX_TUI_CACHE_DIR", str(home / "cache"))
    monkeypatch.setenv("INBOX_TUI_LOG_DIR", str(home / "logs"))
    monkeypatch.setenv("INBOX_TUI_STATE_DIR", str(home / "state"))
    for name in ("INBOX_TUI_TOKEN", "INBOX_TUI_SECRET_ID", "INBOX_TUI_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture(autouse=True)
def reset_logging() -> Iterator[None]:
    """Leave logging as the test found it (``main()`` run in-process installs a file handler
    on the root logger at INFO, pointing into this test's temporary directory)."""
    with restored_logging():
        yield


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """An empty cache in a real SQLite file of the test's own, closed at the end. Modules
    that need data in it override this fixture and fill the one they are given."""
    s = await Store.open(tmp_path / "cache.sqlite3")
    yield s
    await s.close()


@pytest.fixture
def server() -> Iterator[DemoServer]:
    """A demo server of the test's own (default dataset) for tests that stop it, inject
    faults or add messages; tests that only read share the session's ``demo_server``."""
    with DemoServer() as srv:
        yield srv


@pytest.fixture(scope="session")
def demo_server() -> Iterator[object]:
    """One demo server (both API styles, default dataset) over real loopback HTTP, shared by
    the session. Tests that inject faults start their own with ``DemoServer(faults=...)``."""
    with DemoServer() as server:
        yield server


@pytest.fixture
def sigint_enabled() -> Iterator[None]:
    """Child processes that a test interrupts with SIGINT must not inherit an ignored SIGINT
    (``pytest ... &`` from a non-interactive shell or CI script starts pytest with SIGINT
    ignored; exec keeps that, so the child would never see the test's ctrl-c)."""
    import signal

    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        yield
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
