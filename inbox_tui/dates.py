"""Date conversions that never raise on extreme values.

A server can send any date Python can parse: year 1, year 9999, a negative Unix time. Moving
such a value into another time zone, or a second past it, overflows ``datetime``
(``OverflowError``) or the platform's ``localtime`` (``OverflowError``/``OSError``/
``ValueError``). One such message must not crash a thread, a list or a cache write, so every
conversion goes through these helpers: out-of-range results are clamped to the representable
range, and a time that cannot be shown in the local zone is shown in UTC instead.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo

MIN_UTC = datetime.min.replace(tzinfo=UTC)
MAX_UTC = datetime.max.replace(tzinfo=UTC)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_CONVERSION_ERRORS = (OverflowError, OSError, ValueError)


def to_utc(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC; aware ones are converted to UTC, clamped to the
    representable range (``0001-01-01T00:00+01:00`` is before year 1 in UTC)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except _CONVERSION_ERRORS:
        offset = value.utcoffset() or timedelta(0)
        return MIN_UTC if offset > timedelta(0) else MAX_UTC


def to_local(value: datetime, tz: tzinfo | None) -> datetime:
    """``value`` in ``tz`` (None: the system zone), or in UTC when that is out of range."""
    try:
        return value.astimezone(tz)
    except _CONVERSION_ERRORS:
        return to_utc(value)


def local_date(value: datetime, tz: tzinfo | None) -> date:
    return to_local(value, tz).date()


def shifted(value: datetime, delta: timedelta) -> datetime:
    """``value + delta``, clamped to the representable range."""
    try:
        return value + delta
    except OverflowError:
        aware = value.tzinfo is not None
        edge = (MAX_UTC if delta > timedelta(0) else MIN_UTC) if aware else None
        if edge is None:
            return datetime.max if delta > timedelta(0) else datetime.min
        return edge


def stamp(value: datetime) -> str:
    """``YYYY-MM-DD HH:MM:SS`` with a four-digit year (``%Y`` gives ``1`` for year 1)."""
    return f"{value.year:04d}-{value:%m-%d %H:%M:%S}"


def from_epoch_us(value: int) -> datetime:
    """Microseconds since the epoch (the cache's time column) as UTC, clamped."""
    try:
        return EPOCH + timedelta(microseconds=value)
    except OverflowError:
        return MAX_UTC if value > 0 else MIN_UTC


def from_epoch_seconds(value: float) -> datetime | None:
    """Unix seconds as UTC; None when not a finite number of seconds in years 1..9999."""
    try:
        return EPOCH + timedelta(seconds=value)
    except (OverflowError, ValueError):
        return None


def rfc3339(value: datetime) -> str:
    """``2024-01-15T10:30:00Z``, with microseconds only when there are some."""
    utc = to_utc(value)
    text = utc.isoformat(timespec="microseconds" if utc.microsecond else "seconds")
    return text.replace("+00:00", "Z")


_BARE_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_user_date(text: str, *, end_of_day: bool = False) -> datetime | None:
    """What a user types for a date bound: ``YYYY-MM-DD`` or ISO 8601 (naive = UTC); empty
    means no bound. With ``end_of_day`` a bare date means the start of the *next* day, so
    an upper bound includes that day. Raises ValueError for anything else."""
    value = text.strip()
    if not value:
        return None
    try:
        if _BARE_DATE.fullmatch(value):
            day = datetime.combine(date.fromisoformat(value), datetime.min.time(), tzinfo=UTC)
            return day + timedelta(days=1) if end_of_day else day
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except (ValueError, OverflowError):
        shown = value if len(value) <= 24 else value[:23] + "…"
        raise ValueError(f"not a date: write YYYY-MM-DD or ISO 8601 ({shown!r})") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else to_utc(moment)
