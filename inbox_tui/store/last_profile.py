"""The ``last_profile`` marker: lets ``inbox-tui --offline`` find the last cache used when
there is no config to name one."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

from inbox_tui import paths

log = logging.getLogger(__name__)

LAST_PROFILE_FILE = "last_profile"


def last_profile_path() -> Path:
    return paths.cache_dir() / LAST_PROFILE_FILE


def record_last_profile(name: str) -> None:
    """Remember which profile's cache was used last (for ``--offline`` with no config)."""
    path = last_profile_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(name + "\n", encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:  # a read-only cache dir must not stop the app
        log.warning("cannot record the last profile: %s", exc)


def read_last_profile() -> str | None:
    with contextlib.suppress(OSError, UnicodeDecodeError):
        name = last_profile_path().read_text(encoding="utf-8").strip()
        if name and len(name) <= 200 and "\n" not in name:
            return name
    return None
