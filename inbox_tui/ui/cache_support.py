"""Small pieces the app uses around the SQLite cache: a thread pager that knows when an
offline cache ends early, the header's cache-age text, a backend for cache-only runs, and the
``last_profile`` marker that lets ``inbox-tui --offline`` find the last cache with no config.
"""

from __future__ import annotations

import contextlib
import logging
import os
from datetime import datetime, timedelta, tzinfo
from pathlib import Path

from inbox_tui import paths
from inbox_tui.api.errors import NetworkError
from inbox_tui.core.backend import ConversationPager, MessagePager
from inbox_tui.core.sync import CacheMessagePager
from inbox_tui.models import Conversation, Filters, Inbox, Message
from inbox_tui.store.db import private_dir

log = logging.getLogger(__name__)

DEFAULT_CACHE_MAX_MB = 500
LAST_PROFILE_FILE = "last_profile"


class ThreadPager(CacheMessagePager):
    """:class:`CacheMessagePager` that also says whether, offline, it stopped only at the
    end of what the cache holds rather than at the start of the conversation: ``partial``."""

    partial = False

    async def older(self) -> list[Message]:
        messages = await super().older()
        if self.exhausted and self.thread.offline:
            self.partial = not (await self.thread.state()).complete
        return messages


def cache_age_text(
    synced_at: datetime | None, now: datetime, *, offline: bool, tz: tzinfo | None = None
) -> str:
    """``cached 3m ago`` (online, before the server answered) or ``cache from 22:41``
    (offline). Never synced: ``cache empty`` / ``no sync yet``."""
    if synced_at is None:
        return "cache: never synced" if offline else "cached"
    if offline:
        local = synced_at.astimezone(tz)
        today = now.astimezone(tz).date()
        if local.date() == today:
            return f"cache from {local:%H:%M}"
        if local.year == today.year:
            return f"cache from {local:%b} {local.day} {local:%H:%M}"
        return f"cache from {local:%Y-%m-%d %H:%M}"
    return f"cached {_ago(now - synced_at)}"


def _ago(delta: timedelta) -> str:
    seconds = max(int(delta.total_seconds()), 0)
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60}m ago"
    if seconds < 86_400:
        return f"{seconds // 3600}h ago"
    return f"{seconds // 86_400}d ago"


class CacheOnlyBackend:
    """The backend of an ``--offline`` run: every network method refuses. The app never
    calls it when offline; this keeps an accidental call from reaching any server."""

    kind = "cache"

    def __init__(self, label: str = "cache only") -> None:
        self.label = label

    def server_filter_fields(self, filters: Filters) -> frozenset[str]:
        return frozenset()

    async def inboxes(self) -> list[Inbox]:
        raise _offline()

    def conversations(self, filters: Filters, inbox_id: str | None = None) -> ConversationPager:
        raise _offline()

    def thread(self, conversation: Conversation, filters: Filters | None = None) -> MessagePager:
        raise _offline()

    async def latest(self, inbox_id: str | None = None) -> list[Message]:
        raise _offline()

    async def count(self, filters: Filters, inbox_id: str | None = None) -> int | None:
        return None

    async def aclose(self) -> None:
        return None


def _offline() -> NetworkError:
    return NetworkError("offline: reading the local cache only")


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
