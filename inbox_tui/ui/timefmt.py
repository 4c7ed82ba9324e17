"""Relative times for the conversation list: now, 5m, 3h, Tue, Mar 4, 2023."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def relative_time(when: datetime, now: datetime) -> str:
    """A short label, at most 6 cells wide. Future times (clock skew) read as ``now``."""
    delta = now - when
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
