"""Compose drafts, one per conversation (table ``drafts``, see ``db.SIDE_TABLES``): what was
typed and not sent survives a restart, with the reason when a send failed."""

from __future__ import annotations

import sqlite3
import time
from typing import NamedTuple

from inbox_tui.store.codec import clean
from inbox_tui.store.db import transaction


class DraftRow(NamedTuple):
    conversation_key: str
    text: str
    private: bool
    media_url: str | None
    reason: str | None


def get_draft(conn: sqlite3.Connection, conversation_key: str) -> DraftRow | None:
    row = conn.execute(
        "SELECT conversation_key, text, private, media_url, reason FROM drafts "
        "WHERE conversation_key = ?",
        (clean(conversation_key),),
    ).fetchone()
    if row is None:
        return None
    return DraftRow(row[0], row[1], bool(row[2]), row[3], row[4])


def save_draft(conn: sqlite3.Connection, draft: DraftRow) -> None:
    """Insert or replace; an empty (whitespace-only) text without media deletes it."""
    with transaction(conn):
        if not draft.text.strip() and not draft.media_url:
            conn.execute(
                "DELETE FROM drafts WHERE conversation_key = ?", (clean(draft.conversation_key),)
            )
            return
        conn.execute(
            "INSERT OR REPLACE INTO drafts "
            "(conversation_key, text, private, media_url, reason, updated_us) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                clean(draft.conversation_key),
                clean(draft.text),
                int(draft.private),
                clean(draft.media_url),
                clean(draft.reason),
                int(time.time() * 1_000_000),
            ),
        )


def draft_keys(conn: sqlite3.Connection) -> list[str]:
    """Conversations with a draft, most recently saved first (for a "drafts" marker)."""
    return [
        r[0] for r in conn.execute("SELECT conversation_key FROM drafts ORDER BY updated_us DESC")
    ]


def set_conversation_state(
    conn: sqlite3.Connection, key: str, status: str | None, unread: bool, triage: str | None
) -> None:
    """Write the triage state of one cached conversation exactly (an optimistic update or
    its rollback): status, unread and the ``triage`` JSON, nothing else."""
    with transaction(conn):
        conn.execute(
            "UPDATE conversations SET status = ?, unread = ?, triage = ? WHERE key = ?",
            (clean(status), int(unread), clean(triage), clean(key)),
        )
