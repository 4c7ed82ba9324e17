"""Command palette provider (ctrl+p): the app's main actions by name."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from textual.command import DiscoveryHit, Hit, Hits, Provider

from inbox_tui.text import one_line
from inbox_tui.ui.saved_views import KEYS

COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("Reply queue", "Conversations waiting on a reply, oldest first (w)", "reply_queue"),
    ("Switch inbox", "Pick the inbox to show (or all inboxes)", "pick_inbox"),
    ("Toggle filters", "Show or hide the filter pane", "toggle_filters"),
    ("Clear filters", "Remove every filter", "clear_filters"),
    ("Search", "Full-text search of the cached messages (enter with no pick filters)", "search"),
    ("Export conversation", "Write the open conversation to a file", "export"),
    ("Reply", "Answer the open conversation (r)", "triage('reply')"),
    ("Private note", "A note for the team, not sent to the customer (p)", "triage('note')"),
    ("Send", "Send what compose holds (ctrl+s)", "triage('send')"),
    ("Insert template", "Pick a template into compose (ctrl+t)", "triage('templates')"),
    ("Close compose", "Close compose, keeping the draft (esc)", "triage('close_compose')"),
    ("Undo send", "Take back a message still inside its undo window (u)", "triage('undo')"),
    ("Close / reopen conversation", "Close it, or reopen a closed one (c)", "triage('close')"),
    ("Mark read / unread", "Toggle the conversation's unread mark (m)", "triage('read')"),
    ("Assign conversation", "Hand it to a team member (a)", "triage('assign')"),
    (
        "View: Mine",
        "Assigned to you; local: the API has no assignee filter (v cycles views)",
        "triage('view:mine')",
    ),
    ("View: Unassigned", "Nobody has it; local (no assignee filter)", "triage('view:unassigned')"),
    ("View: Open", "Not closed; asked of the server where it can", "triage('view:open')"),
    ("View: Closed", "Closed; asked of the server where it can", "triage('view:closed')"),
    ("View: All", "Every conversation", "triage('view:all')"),
    ("Refresh", "Reload conversations and the count, or retry (ctrl+r / F5)", "refresh"),
    ("Help", "Every key, generated from the bindings", "help"),
)  # "Quit" is among Textual's own commands: not listed twice


def saved_view_commands(views: Iterable[str]) -> list[tuple[str, str, str]]:
    """ "View: NAME" per saved view of the profile, in order (keys 1-9 apply the first 9)."""
    out = []
    for number, name in enumerate(views, start=1):
        key = f" (key {number})" if number <= KEYS else ""
        out.append((f"View: {one_line(name, 40)}", f"Saved view{key}", f"saved_view({number})"))
    return out


class InboxCommands(Provider):
    def _callback(self, action: str) -> Callable[[], object]:
        app = self.app
        return lambda: app.run_action(action)

    def _commands(self) -> list[tuple[str, str, str]]:
        session = getattr(self.app, "session", None)
        views = session.settings.views if session is not None else {}
        return [*saved_view_commands(views), *COMMANDS]

    async def discover(self) -> Hits:
        for name, help_text, action in self._commands():
            yield DiscoveryHit(name, self._callback(action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, action in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), self._callback(action), help=help_text)
