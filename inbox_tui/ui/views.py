"""List views (Mine / Unassigned / Open / Closed / All) and the row badges they rely on.

Open and Closed also become the list's ``closed`` filter, which heymarket's conversation
list (``POST /v1/conversations`` with a member id) applies on the server
(``filters.closed``), so the server returns the right rows instead of one page being
filtered here. Mine and Unassigned stay local: the API has no assignee filter. Locally the
views read the optional ``closed`` / ``assigned_to`` / ``status`` fields of a conversation
and treat a missing value as "open" and "unassigned"."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum

from inbox_tui.models import Conversation
from inbox_tui.text import one_line


class View(StrEnum):
    ALL = "all"
    MINE = "mine"
    UNASSIGNED = "unassigned"
    OPEN = "open"
    CLOSED = "closed"

    @property
    def title(self) -> str:
        return self.value.capitalize()


CYCLE = (View.ALL, View.MINE, View.UNASSIGNED, View.OPEN, View.CLOSED)


def is_closed(conversation: Conversation) -> bool:
    return bool(conversation.closed) or (conversation.status or "").strip().lower() == "closed"


def next_view(view: View) -> View:
    return CYCLE[(CYCLE.index(view) + 1) % len(CYCLE)]


def server_closed(view: View) -> bool | None:
    """The ``closed`` filter ``view`` asks of the list (None: no such filter)."""
    return {View.OPEN: False, View.CLOSED: True}.get(view)


def view_filter(view: View, me: str | None) -> Callable[[Conversation], bool] | None:
    """The predicate a row must pass in ``view`` (None: every row)."""
    if view is View.MINE:
        return lambda c: me is not None and c.owner == me
    if view is View.UNASSIGNED:
        return lambda c: c.owner is None
    if view is View.OPEN:
        return lambda c: not is_closed(c)
    if view is View.CLOSED:
        return is_closed
    return None


def conversation_badges(conversation: Conversation, members: Mapping[str, str]) -> list[str]:
    """Short labels for a row: ``closed`` and ``@assignee`` (a member's name when known)."""
    badges = []
    if is_closed(conversation):
        badges.append("closed")
    member = conversation.owner
    if member is not None:
        name = members.get(member, member)
        badges.append("@" + one_line(name.split()[0] if name.strip() else member, 12))
    return badges
