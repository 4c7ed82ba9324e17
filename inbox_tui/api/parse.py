"""Small, forgiving converters from vendor JSON values (shared by both API styles)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from inbox_tui.dates import from_epoch_seconds, to_utc

log = logging.getLogger("inbox_tui.api")

T = TypeVar("T")


class Unusable(ValueError):
    """A vendor record that cannot become a model (logged and skipped by the caller)."""


def parse_time(value: Any) -> datetime | None:
    """RFC 3339 / ISO 8601 (``Z`` or offset, any number of fraction digits) or Unix seconds
    to an aware UTC datetime; None when absent or unreadable. Extreme but valid values
    (year 1, year 9999, negative Unix times) are accepted, clamped to the representable
    range when an offset pushes them past it."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(float(value), UTC)
        except (OverflowError, OSError, ValueError):  # the platform's range: try ours
            return from_epoch_seconds(float(value))
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.endswith(("z", "Z")):
        text = text[:-1] + "+00:00"
    # Python < 3.11 style parsers reject fractions that are not 3 or 6 digits: normalise.
    if "." in text:
        head, _, rest = text.partition(".")
        digits = ""
        while rest and rest[0].isdigit():
            digits, rest = digits + rest[0], rest[1:]
        text = f"{head}.{(digits + '000000')[:6]}{rest}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return to_utc(parsed)


def str_id(value: Any) -> str | None:
    """Vendor ids (int or str) as non-empty strings."""
    if value is None or isinstance(value, bool | dict | list):
        return None
    text = str(value).strip()
    return text or None


def opt_str(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value)
    return text if text.strip() else None


def as_text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y"}
    return bool(value)


def record_id(raw: Any) -> str:
    """The id of a record for a log line, or ``?``."""
    if isinstance(raw, dict):
        return str_id(raw.get("id")) or "?"
    return "?"


def skip(kind: str, raw: Any, reason: str) -> None:
    log.warning("skipped a %s record (id %s): %s", kind, record_id(raw), reason)


def parse_rows(rows: list[Any], parse: Callable[[Any], T], kind: str) -> list[T]:
    """Each row through ``parse``; a row it cannot understand is logged and skipped."""
    out: list[T] = []
    for raw in rows:
        try:
            out.append(parse(raw))
        except (Unusable, ValueError) as exc:
            skip(kind, raw, str(exc).splitlines()[0])
    return out
