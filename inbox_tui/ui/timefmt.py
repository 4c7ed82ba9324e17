"""Times as the UI shows them: relative list times (now, 5m, 3h, Tue, Mar 4, 2023) and the
header's cache age."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from inbox_tui.clock import Clock, utc_now
from inbox_tui.dates import local_date, to_local

__all__ = ["Clock", "cache_age_text", "relative_time", "utc_now"]


def relative_time(when: datetime, now: datetime, tz: tzinfo | None = None) -> str:
    """A short label, at most 6 cells wide. Future times (clock skew) read as ``now``.
    Weekdays and dates are those of ``tz`` (None: the local zone), as in the thread."""
    delta = now - when
    when, now = to_local(when, tz), to_local(now, tz)
    if delta < timedelta(minutes=1):
        return "now"
    if delta < timedelta(hours=1):
        return f"{int(delta.total_seconds() // 60)}m"
    if delta < timedelta(hours=24):
        return f"{int(delta.total_seconds() // 3600)}h"
    if delta < timedelta(days=7):
        return when.strftime("%a")
    if when.year == now.year:
        return f"{when.strftime('%b')} {when.day}"
    return str(when.year)


def cache_age_text(
    synced_at: datetime | None, now: datetime, *, offline: bool, tz: tzinfo | None = None
) -> str:
    """``cached 3m ago`` (online, before the server answered) or ``cache from 22:41``
    (offline). Never synced: ``cache empty`` / ``no sync yet``."""
    if synced_at is None:
        return "cache: never synced" if offline else "cached"
    if offline:
        local = to_local(synced_at, tz)
        today = local_date(now, tz)
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
