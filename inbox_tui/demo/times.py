"""Time formats of the two API styles, on integer epoch units (no float surprises)."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def parse_iso_us(value: object) -> int:
    """ISO 8601 / RFC 3339 text to microseconds since the epoch. Accepts ``Z`` or an
    offset, any fraction length; a missing offset means UTC. Raises ``ValueError``."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected an ISO 8601 date-time string")
    parsed = datetime.fromisoformat(value.strip())
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    delta = parsed - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def rfc3339_ms(ms: int) -> str:
    """``2026-11-27T10:30:00.123Z`` (heymarket ``date``/``updated``)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


def iso_seconds(ms: int) -> str:
    """``2024-01-15T10:30:00Z`` (workspace ``created_at``: second resolution)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms // 1000))
