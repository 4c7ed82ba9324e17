"""Keep secrets out of every log line, error and export.

Whoever obtains a secret registers it here; a logging filter on the root logger replaces
any registered value (and any bearer/JWT-looking token) with ``***``.
"""

from __future__ import annotations

import logging
import re
import threading

MASK = "***"
_lock = threading.Lock()
_secrets: set[str] = set()
_TOKEN_PATTERNS = re.compile(
    r"(?i)(bearer\s+|authorization[\"']?\s*[:=]\s*[\"']?)([^\s\"',]+)"
    r"|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+"
)


def register(secret: str | None) -> None:
    """Remember ``secret`` so that :func:`redact` hides it. Short values are ignored
    (masking every ``a`` in a log would hide more than it protects)."""
    if secret and len(secret) >= 6:
        with _lock:
            _secrets.add(secret)


def redact(text: str) -> str:
    """``text`` with every registered secret and token-like value masked."""
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)

    def _mask(match: re.Match[str]) -> str:
        return (match.group(1) + MASK) if match.group(1) else MASK

    return _TOKEN_PATTERNS.sub(_mask, text)


def mask(value: str | None) -> str:
    """How ``config show`` prints a secret: its presence, never its value."""
    return "(not set)" if not value else f"{MASK} ({len(value)} chars)"


class RedactingFilter(logging.Filter):
    """Formats the record once, redacted, so no handler can print a secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg = redact(message)
        record.args = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install_log_redaction() -> None:
    """Attach the redacting filter to every handler of the root logger (idempotent)."""
    root = logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
