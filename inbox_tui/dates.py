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
_AGO = re.compile(r"(\d{1,5})\s*([mhdw])", re.IGNORECASE)
_AGO_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_DAYS_BACK = {"today": 0, "yesterday": 1}


def _relative(value: str, *, end_of_day: bool, now: datetime | None) -> datetime | None:
    """``today``/``yesterday`` (midnight in the local zone: what a person means by the
    words) and ``30m``/``24h``/``7d``/``2w`` (that long before now), or None."""
    word = value.lower()
    current = now or datetime.now(UTC)
    if word in _DAYS_BACK:
        local_midnight = to_local(current, None).replace(hour=0, minute=0, second=0, microsecond=0)
        day = shifted(local_midnight, timedelta(days=int(end_of_day) - _DAYS_BACK[word]))
        return to_utc(day)
    ago = _AGO.fullmatch(value)
    if ago is None:
        return None
    amount = timedelta(**{_AGO_UNITS[ago.group(2).lower()]: int(ago.group(1))})
    return shifted(to_utc(current), -amount)


def parse_user_date(
    text: str, *, end_of_day: bool = False, now: datetime | None = None
) -> datetime | None:
    """What a user types for a date bound: ``YYYY-MM-DD`` or ISO 8601 (naive = UTC),
    ``today``/``yesterday``, or a span back from now (``24h``, ``7d``); empty means no
    bound. With ``end_of_day`` a bare date (or ``today``) means the start of the *next*
    day, so an upper bound includes that day. Relative forms are read when the filter is
    applied, so a saved view's ``today`` is always today. Raises ValueError otherwise."""
    value = text.strip()
    if not value:
        return None
    relative = _relative(value, end_of_day=end_of_day, now=now)
    if relative is not None:
        return relative
    try:
        if _BARE_DATE.fullmatch(value):
            day = datetime.combine(date.fromisoformat(value), datetime.min.time(), tzinfo=UTC)
            return day + timedelta(days=1) if end_of_day else day
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except (ValueError, OverflowError):
        shown = value if len(value) <= 24 else value[:23] + "…"
        raise ValueError(
            f"not a date: write YYYY-MM-DD, ISO 8601, today, yesterday or 7d/24h ({shown!r})"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else to_utc(moment)
