"""Keep secrets out of every log line, error and export.

Whoever obtains a secret registers it here; a logging filter on the root logger replaces
any registered value (and any bearer/JWT-looking token) with ``***``.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator

from inbox_tui.text import sanitize

MASK = "***"
_lock = threading.Lock()
_secrets: set[str] = set()
# A JWT is three base64url segments; its header always starts ``eyJ`` ({"). Any such
# segment is masked, even alone or cut short (a server may echo part of a token).
_TOKEN_PATTERNS = re.compile(
    r"(?i)(bearer\s+|authorization[\"']?\s*[:=]\s*[\"']?)([^\s\"',]+)"
    r"|eyJ[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*){0,2}"
)
# The shortest start or end of a registered secret masked in untrusted text.
_FRAGMENT = 6


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


def _known() -> list[str]:
    with _lock:
        return sorted(_secrets, key=len, reverse=True)


def _mask_fragments(text: str) -> str:
    """Mask the start or the end of a registered secret (at least half of it, and at least
    ``_FRAGMENT`` characters): a server that cut a token short when echoing it must not
    show that part. Inner pieces are left alone: a secret such as ``demo-workspace-token``
    shares words with ordinary text."""
    if len(text) < _FRAGMENT:
        return text
    spans = [span for secret in _known() for span in _fragment_spans(text, secret)]
    if not spans:
        return text
    out: list[str] = []
    done = 0
    for start, end in sorted(spans):
        if end <= done:
            continue
        if start >= done:
            out.append(text[done:start])
            out.append(MASK)
        done = end
    out.append(text[done:])
    return "".join(out)


def _fragment_spans(text: str, secret: str) -> Iterator[tuple[int, int]]:
    """Where ``text`` holds a long enough start or end of ``secret`` (found with
    ``str.find`` and extended character by character: linear, whatever the secret)."""
    size = len(secret)
    shortest = max(_FRAGMENT, size // 2)
    if shortest >= size:
        return
    head, tail = secret[:shortest], secret[-shortest:]
    at = text.find(head)
    while at != -1:
        end = at + shortest
        while end < len(text) and end - at < size and text[end] == secret[end - at]:
            end += 1
        yield at, end
        at = text.find(head, at + 1)
    at = text.find(tail)
    while at != -1:
        start, end = at, at + shortest
        while start > 0 and end - start < size and text[start - 1] == secret[start - end - 1]:
            start -= 1
        yield start, end
        at = text.find(tail, at + 1)


def _mask_cut_tail(text: str) -> str:
    """``text`` is about to end at a cut: if its tail is the start of a registered secret
    (4+ characters), mask that tail too."""
    for secret in _known():
        first = secret[0]
        window = min(len(secret) - 1, len(text))
        for at in range(len(text) - window, len(text) - 3):
            if text[at] == first and secret.startswith(text[at:]):
                return text[:at] + MASK
    return text


def redact_untrusted(text: str) -> str:
    """:func:`redact`, and also any fragment of a registered secret (for text a server
    sent back, which may hold part of a token)."""
    return _mask_fragments(redact(text))


def safe_line(text: object, limit: int = 200) -> str:
    """Untrusted text (a server's error message, request id, body excerpt) as one line for
    a banner, a log or stderr: control characters removed, every secret, secret fragment
    and token-like value masked *first*, then cut to ``limit`` characters (cutting first
    would leave a partial secret that no longer matches)."""
    value = redact_untrusted(sanitize(text, keep_newlines=False))
    if len(value) <= limit:
        return value
    keep = max(limit - 1, 0)
    return _mask_cut_tail(value[:keep])[:keep] + "…"


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
