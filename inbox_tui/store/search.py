"""Full-text search over cached messages (FTS5: body, contact name, number forms).

User text is never handed to FTS5 as syntax: it is cut into word tokens, each one quoted,
so punctuation, quotes, unicode and operator words (``AND OR NOT NEAR * ^``) are searched
for literally (as far as the tokenizer keeps them) and can never raise a syntax error.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from inbox_tui.models import Direction
from inbox_tui.store.codec import MessagePosition, from_us

log = logging.getLogger(__name__)

OPEN, CLOSE = "\ue000", "\ue001"  # private-use markers, stripped from the returned text
_WORD = re.compile(r"[^\W_]+")  # what the unicode61 tokenizer keeps: letters and digits
_PHRASE = re.compile(r'"([^"]*)"')
_PHONEISH = re.compile(r"^[\d\s()+\-./]+$")
MAX_TOKENS = 16
SNIPPET_CHARS = 120


@dataclass(frozen=True)
class SearchHit:
    """One matching message. ``snippet`` is an excerpt of the body (plain text, not markup)
    and ``highlights`` the ``(start, end)`` offsets of matches inside it; ``name`` and
    ``name_highlights`` likewise for the contact name."""

    message_id: str
    source: str
    conversation_key: str
    contact: str
    name: str
    created_at: datetime
    direction: Direction
    snippet: str
    highlights: tuple[tuple[int, int], ...]
    name_highlights: tuple[tuple[int, int], ...]
    cursor: MessagePosition  # where to open the thread (``Store.thread_around``)


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


@dataclass(frozen=True)
class ParsedQuery:
    """The FTS5 expression and the terms to highlight: ``(folded word, is_prefix)``."""

    match: str | None
    terms: tuple[tuple[str, bool], ...] = ()


def fold(text: str) -> str:
    """Case- and accent-insensitive form, as the ``unicode61 remove_diacritics`` tokenizer
    compares words (per character, so offsets in ``text`` stay valid)."""
    out = []
    for ch in text:
        base = unicodedata.normalize("NFKD", ch)
        kept = "".join(c for c in base if not unicodedata.combining(c)) or ch
        out.append(kept[0].casefold()[:1] if kept else ch)
    return "".join(out)


def parse_query(query: str) -> ParsedQuery:
    """Quoted parts become phrases; other words are AND-ed and prefix-matched (words of two
    or more characters); a query that looks like a phone number becomes one digit prefix."""
    text = unicodedata.normalize("NFKC", query or "").strip()
    if not text:
        return ParsedQuery(None)
    if _PHONEISH.match(text):
        digits = "".join(ch for ch in text if ch.isdigit())
        if len(digits) >= 3:
            return ParsedQuery(_quote(digits) + "*", ((digits, True),))
    terms: list[str] = []
    marks: list[tuple[str, bool]] = []
    for phrase in _PHRASE.findall(text):
        words = _WORD.findall(phrase)
        if words:
            terms.append(_quote(" ".join(words)))
            marks.extend((fold(w), False) for w in words)
    rest = _PHRASE.sub(" ", text)
    for word in _WORD.findall(rest):
        prefix = len(word) >= 2
        terms.append(_quote(word) + ("*" if prefix else ""))
        marks.append((fold(word), prefix))
    terms = list(dict.fromkeys(terms))[:MAX_TOKENS]
    return ParsedQuery(" AND ".join(terms) if terms else None, tuple(dict.fromkeys(marks)))


def build_match(query: str) -> str | None:
    """The FTS5 MATCH expression for a user query, or None if nothing is searchable."""
    return parse_query(query).match


def highlight(text: str, terms: tuple[tuple[str, bool], ...]) -> tuple[tuple[int, int], ...]:
    """Spans of the words of ``text`` that match ``terms`` (exactly, or as a prefix)."""
    if not terms or not text:
        return ()
    folded = fold(text)
    spans = []
    for word in _WORD.finditer(folded):
        token = word.group()
        for term, prefix in terms:
            if token == term or (prefix and token.startswith(term)):
                spans.append((word.start(), word.start() + (len(term) if prefix else len(token))))
                break
    return tuple(spans)


def excerpt(
    text: str, spans: tuple[tuple[int, int], ...], width: int = SNIPPET_CHARS
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A window of ``text`` around its first match (``…`` marks cuts), spans shifted."""
    if len(text) <= width:
        return text, spans
    first = spans[0][0] if spans else 0
    start = max(0, min(first - width // 4, len(text) - width))
    end = min(len(text), start + width)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix) - start
    kept = tuple((a + shift, b + shift) for a, b in spans if a >= start and b <= end)
    return prefix + text[start:end] + suffix, kept


Order = Literal["recent", "rank"]

# What a hit is built from (the three queries below differ only in how they pick rows).
_HIT_COLUMNS = (
    "m.source, m.id, m.conversation_key, m.contact, m.search_name, m.created_us, "
    "m.direction, m.body"
)

# "recent" order: FTS5 walks its doclists in rowid order and can stop early, so take the
# most recently cached ``cap`` matches, then order those by message time. Exact whenever a
# query has fewer than ``cap`` matches; for a word in most messages it favours recent syncs.
_SELECT_RECENT = """
WITH candidates AS (
    SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? ORDER BY rowid DESC LIMIT ?
)
SELECT {columns}
FROM candidates JOIN messages m ON m.rowid = candidates.rowid
WHERE 1{extra}
ORDER BY m.created_us DESC, m.id DESC
LIMIT ?
"""

# Scoped to one conversation (usually few matches): every match, ordered by time.
_SELECT_SCOPED = """
SELECT {columns}
FROM messages_fts JOIN messages m ON m.rowid = messages_fts.rowid
WHERE messages_fts MATCH ? AND m.conversation_key = ?{extra}
ORDER BY m.created_us DESC, m.id DESC
LIMIT ?
"""

_SELECT_RANK = """
SELECT {columns}
FROM messages_fts JOIN messages m ON m.rowid = messages_fts.rowid
WHERE messages_fts MATCH ?{extra}
ORDER BY messages_fts.rank
LIMIT ?
"""


def search(
    conn: sqlite3.Connection,
    query: str,
    *,
    limit: int = 50,
    inbox_id: str | None = None,
    conversation_key: str | None = None,
    order: Order = "recent",
    cap: int = 5000,
) -> list[SearchHit]:
    """Matching messages, newest first (or best match first with ``order="rank"``).

    ``recent`` orders the ``cap`` most recently cached matches by time (see above).

    Never raises for any user text: an expression SQLite still refuses is logged and
    yields no hits.
    """
    parsed = parse_query(query)
    match = parsed.match
    if match is None or limit <= 0:
        return []
    extra = ""
    filters: list[object] = []
    if inbox_id is not None:
        extra += " AND m.inbox_id = ?"
        filters.append(inbox_id)
    if conversation_key is not None and order == "recent":
        sql = _SELECT_SCOPED.format(columns=_HIT_COLUMNS, extra=extra)
        args: list[object] = [match, conversation_key, *filters, limit]
    elif order == "recent":
        sql = _SELECT_RECENT.format(columns=_HIT_COLUMNS, extra=extra)
        args = [match, max(cap, limit), *filters, limit]
    else:
        if conversation_key is not None:
            extra += " AND m.conversation_key = ?"
            filters.append(conversation_key)
        sql = _SELECT_RANK.format(columns=_HIT_COLUMNS, extra=extra)
        args = [match, *filters, limit]
    try:
        rows = conn.execute(sql, args).fetchall()
        hits = []
        for source, mid, key, contact, name, created_us, direction, body in rows:
            snippet, spans = excerpt(body, highlight(body, parsed.terms))
            hits.append(
                SearchHit(
                    message_id=mid,
                    source=source,
                    conversation_key=key,
                    contact=contact,
                    name=name or "",
                    created_at=from_us(created_us),
                    direction=Direction(direction),
                    snippet=snippet,
                    highlights=spans,
                    name_highlights=highlight(name or "", parsed.terms),
                    cursor=MessagePosition(created_us, mid),
                )
            )
        return hits
    except sqlite3.OperationalError as exc:  # defensive: build_match should prevent this
        log.warning("search failed for match expression %r: %s", match, exc)
        return []
