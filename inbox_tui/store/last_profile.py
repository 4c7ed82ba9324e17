"""The ``last_profile`` marker: lets ``inbox-tui --offline`` find the last cache used when
there is no config to name one (the profile, and the account: see ``cli.target``)."""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

from inbox_tui import paths
from inbox_tui.store.db import private_dir

log = logging.getLogger(__name__)

LAST_PROFILE_FILE = "last_profile"


def last_profile_path() -> Path:
    return paths.cache_dir() / LAST_PROFILE_FILE


def record_last_profile(name: str, account: str | None = None) -> None:
    """Remember which profile's cache (and account: see ``cli_target.cache_account``) was
    used last, for ``--offline`` with no config. Written whole or not at all (0600, via a
    temporary file that never outlives a failure)."""
    path = last_profile_path()
    text = name + "\n" + (account + "\n" if account else "")
    tmp = path.with_name(path.name + ".tmp")
    try:
        private_dir(path.parent)
        tmp.unlink(missing_ok=True)  # a left-over from an older version could be 0644
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)
    except OSError as exc:  # a read-only or full cache dir must not stop the app
        log.warning("cannot record the last profile: %s", exc)


def _last_lines() -> list[str]:
    with contextlib.suppress(OSError, UnicodeDecodeError):
        return last_profile_path().read_text(encoding="utf-8").splitlines()
    return []


def read_last_profile() -> str | None:
    lines = _last_lines()
    name = lines[0].strip() if lines else ""
    return name if name and len(name) <= 200 else None


def read_last_account() -> str | None:
    """The account of the last profile used, None when not recorded (older versions)."""
    lines = _last_lines()
    account = lines[1].strip() if len(lines) > 1 else ""
    return account if account and len(account) <= 2000 else None
