"""The list's cursor stays on the conversation the user is on across a reload (``r``).

A reload starts the list again from its first page; the remembered conversation is
selected once it is listed, loading pages (up to as many rows as were listed before) to
reach it, so a refresh neither jumps to the top nor forgets how far the user had scrolled.

Only the reloaded list counts: the reload starts it again later (from a worker), and a page
of the old list arriving meanwhile (or a resync of it) already lists the row, only to be
replaced by the reload's first page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inbox_tui.ui.shell import Shell


FOLLOW_MARGIN = 50  # rows loaded past the old depth before giving up on the row


class CursorKeeper:
    def __init__(self, app: Shell) -> None:
        self.app = app
        self.key: str | None = None
        self.depth = 0
        self.loads = 0  # the list's load count before the reload

    def remember(self) -> None:
        """Before a reload: the highlighted (else the open) conversation and the depth."""
        rows = self.app.conversation_list
        current = rows.highlighted or self.app.thread.conversation
        self.key = current.key if current is not None else None
        self.depth = len(rows.conversations)
        self.loads = rows.loads

    def on_loaded(self, exhausted: bool) -> None:
        """After each loaded batch: select the remembered row, or load on towards it."""
        rows = self.app.conversation_list
        if self.key is None or rows.loads == self.loads:  # the old list: not reloaded yet
            return
        # A page past the old depth: new activity may have moved it down meanwhile.
        reach = self.depth + FOLLOW_MARGIN
        if rows.select_key(self.key) or exhausted or len(rows.conversations) >= reach:
            self.key = None
            return
        rows.load_more()
