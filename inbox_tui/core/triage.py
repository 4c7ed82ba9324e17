"""The contract between the triage UI (compose, pickers, action keys) and the session's
write path (issue 12). The UI codes against :class:`TriageActions`; the session provides
an implementation over a backend that declares ``capabilities.writes``.

Every write is optimistic in the UI and confirmed or rolled back by the session; a send
waits out an undo window before one POST with a fresh ``local_id`` (never duplicated).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from inbox_tui.models import Conversation, Message


class SendState(StrEnum):
    WAITING = "waiting"  # inside the undo window: nothing has left the machine
    SENDING = "sending"  # the POST is in flight (or being confirmed after a lost answer)
    SENT = "sent"  # the server confirmed it (``message`` holds the server's copy)
    UNDONE = "undone"  # the user took it back inside the window: nothing was sent
    FAILED = "failed"  # refused or unknown; the text went back to the draft with ``reason``


@dataclass(frozen=True)
class Member:
    """A team member who can act (``member_id`` of the vendor) and the inboxes they are in."""

    id: str
    name: str
    inbox_ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Template:
    id: str
    name: str
    text: str  # with ``{{first_name}}``-style merge tokens


@dataclass(frozen=True)
class Draft:
    conversation_key: str
    text: str
    private: bool = False
    media_url: str | None = None
    reason: str | None = None  # why the send of this text failed, when it did


@dataclass
class PendingSend:
    """One message on its way. ``local_id`` is the idempotency key sent to the vendor."""

    local_id: str
    conversation: Conversation
    text: str
    private: bool
    media_url: str | None
    state: SendState = SendState.WAITING
    message: Message | None = None  # the optimistic copy, then the server's
    reason: str | None = None  # why it failed (shown, and kept with the draft)


SendListener = Callable[[PendingSend], None]
"""Called on every state change of a pending send (on the event loop)."""


class TriageActions(Protocol):
    @property
    def read_only_reason(self) -> str | None:
        """None when writes are possible; else one line saying why not (read-only profile,
        ``--read-only``, an API without documented writes, no ``member_id``)."""

    @property
    def send_delay(self) -> float:
        """The undo window in seconds (profile ``send_delay``, default 5)."""

    async def members(self) -> list[Member]: ...

    async def templates(self) -> list[Template]: ...

    async def load_draft(self, conversation: Conversation) -> Draft | None: ...

    async def save_draft(self, draft: Draft) -> None:
        """Kept in the store: drafts survive restarts. An empty text deletes the draft."""

    async def opted_out(self, conversation: Conversation) -> bool: ...

    def send(
        self,
        conversation: Conversation,
        text: str,
        *,
        private: bool = False,
        media_url: str | None = None,
        on_change: SendListener | None = None,
    ) -> PendingSend:
        """Queue a send: WAITING for ``send_delay`` seconds, then one POST. Raises
        ``WriteRefused`` (errors.py) at once when writes are off or the contact opted out."""

    def undo(self, pending: PendingSend) -> bool:
        """Take a WAITING send back (True), or say it already left (False)."""

    async def set_closed(self, conversation: Conversation, closed: bool) -> Conversation:
        """Close or reopen; returns the updated conversation (raises on failure)."""

    async def set_read(self, conversation: Conversation, read: bool) -> Conversation:
        """Mark read/unread where the API can (raises ``WriteRefused`` where it cannot)."""

    async def assign(self, conversation: Conversation, member: Member) -> Conversation: ...
