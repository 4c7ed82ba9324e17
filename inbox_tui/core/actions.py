"""The session's write path: :class:`SessionTriage` implements
:class:`~inbox_tui.core.triage.TriageActions` over the backend and the store.

Conversation actions are optimistic: the new state is written to the store first, then
sent; a failure writes the old state back and raises. Sends go through the
:class:`~inbox_tui.core.outbox.Outbox` (undo window, one POST, never a second message).
Nothing is sent while :attr:`read_only_reason` says why not.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol

from inbox_tui.core.outbox import Outbox, WriteBackend
from inbox_tui.core.triage import Draft, Member, PendingSend, SendListener, SendState, Template
from inbox_tui.errors import ApiError, WriteRefused
from inbox_tui.models import Conversation
from inbox_tui.store import drafts
from inbox_tui.store.codec import triage_json
from inbox_tui.text import one_line

if TYPE_CHECKING:
    from inbox_tui.clock import Clock
    from inbox_tui.config import Profile
    from inbox_tui.core.backend import Backend
    from inbox_tui.store import Store


class TriageHost(Protocol):
    """What the write path reads of its session (the session satisfies it)."""

    backend: Backend
    settings: Profile
    offline: bool
    clock: Clock

    @property
    def store(self) -> Store: ...


log = logging.getLogger(__name__)

READ_ONLY_PROFILE = "read-only: writes are off (read_only = true in the profile, or --read-only)"
OFFLINE = "offline: showing the cache only, nothing can be sent"
NO_MEMBER = "no member_id in the profile, so nothing can be sent: `inbox-tui config check` lists the team's members"  # noqa: E501


class SessionTriage:
    """One per session (``session.triage``); reads the session's backend, store and
    settings when used, so it can be built before the store is open."""

    def __init__(self, session: TriageHost) -> None:
        self._session = session
        self._opted_out: dict[str, bool] = {}
        self._members: list[Member] | None = None
        self._templates: list[Template] | None = None
        self.outbox = Outbox(
            self._writer,
            delay=session.settings.send_delay,
            source=session.backend.kind,
            on_settled=self._settled,
            clock=session.clock,
        )

    # -- what is possible ---------------------------------------------------------------

    @property
    def read_only_reason(self) -> str | None:
        session = self._session
        if session.settings.read_only:
            return READ_ONLY_PROFILE
        if session.offline:
            return OFFLINE
        backend = session.backend
        if backend.capabilities.writes and isinstance(backend, WriteBackend):
            return None
        kind = backend.kind
        if kind == "heymarket":
            return NO_MEMBER
        return f"the {kind} API has no documented writes: this profile is read-only"

    @property
    def send_delay(self) -> float:
        return self.outbox.delay

    def _writer(self) -> WriteBackend:
        reason = self.read_only_reason
        if reason is not None:
            raise WriteRefused(reason)
        backend = self._session.backend
        assert isinstance(backend, WriteBackend)
        return backend

    # -- reference data -----------------------------------------------------------------

    async def members(self) -> list[Member]:
        if self.read_only_reason is not None:
            return []
        if self._members is None:
            roster = await self._writer().roster()
            self._members = [Member(m.id, m.name, frozenset(m.inbox_ids)) for m in roster]
        return self._members

    async def templates(self) -> list[Template]:
        if self.read_only_reason is not None:
            return []
        if self._templates is None:
            found = await self._writer().templates()
            self._templates = [Template(t.id, t.name, t.text) for t in found]
        return self._templates

    async def opted_out(self, conversation: Conversation) -> bool:
        if conversation.opted_out is not None:
            self._opted_out[conversation.contact] = conversation.opted_out
        if conversation.contact in self._opted_out:
            return self._opted_out[conversation.contact]
        if self.read_only_reason is not None:
            return False
        try:
            out = await self._writer().contact_opted_out(conversation.contact)
        except ApiError as exc:  # unknown: the server still refuses an opted-out contact
            log.info("opt-out status of a contact unavailable: %s", exc.user_message())
            return False
        self._opted_out[conversation.contact] = out
        return out

    # -- drafts -------------------------------------------------------------------------

    async def load_draft(self, conversation: Conversation) -> Draft | None:
        try:
            row = await self._session.store.read(drafts.get_draft, conversation.key)
        except Exception as exc:
            log.warning("cannot read the draft: %s", exc)
            return None
        if row is None:
            return None
        return Draft(row.conversation_key, row.text, row.private, row.media_url, row.reason)

    async def save_draft(self, draft: Draft) -> None:
        row = drafts.DraftRow(
            draft.conversation_key, draft.text, draft.private, draft.media_url, draft.reason
        )
        try:
            await self._session.store.write(drafts.save_draft, row)
        except Exception as exc:  # the cache degrades on its own; the text is still shown
            log.warning("cannot save the draft: %s", exc)

    # -- sending ------------------------------------------------------------------------

    def send(
        self,
        conversation: Conversation,
        text: str,
        *,
        private: bool = False,
        media_url: str | None = None,
        on_change: SendListener | None = None,
    ) -> PendingSend:
        reason = self.read_only_reason
        if reason is not None:
            raise WriteRefused(reason)
        if not private and self._opted_out.get(conversation.contact, conversation.opted_out):
            who = one_line(conversation.name or conversation.contact, 40)
            raise WriteRefused(f"{who} opted out: messages to this contact are refused")
        if not text.strip() and not media_url:
            raise WriteRefused("nothing to send: the message is empty")
        backend = self._session.backend
        member = getattr(backend, "member_id", None)
        return self.outbox.queue(
            conversation,
            text,
            private=private,
            media_url=media_url,
            author=self._member_name(member),
            user_id=str(member) if member is not None else None,
            on_change=on_change,
        )

    def undo(self, pending: PendingSend) -> bool:
        return self.outbox.undo(pending)

    def _member_name(self, member_id: object) -> str | None:
        for member in self._members or ():
            if member.id == str(member_id):
                return member.name
        return None

    async def _settled(self, pending: PendingSend) -> None:
        """Keep the result: the server's message in the store; an undone or failed text
        back in the draft (with the reason); a sent one's draft gone."""
        key = pending.conversation.key
        if pending.state is SendState.SENT and pending.message is not None:
            with contextlib.suppress(Exception):
                await self._session.store.upsert_messages([pending.message])
            current = await self.load_draft(pending.conversation)
            if current is not None and current.text == pending.text:
                await self.save_draft(Draft(key, ""))
        elif pending.state in (SendState.FAILED, SendState.UNDONE):
            reason = pending.reason if pending.state is SendState.FAILED else None
            await self.save_draft(
                Draft(key, pending.text, pending.private, pending.media_url, reason)
            )

    async def close(self) -> None:
        await self.outbox.close()

    # -- conversation actions -----------------------------------------------------------

    async def set_closed(self, conversation: Conversation, closed: bool) -> Conversation:
        writer = self._writer()
        updated = conversation.model_copy(
            update={"closed": closed, "status": "closed" if closed else "open"}
        )
        return await self._optimistic(
            conversation, updated, lambda: writer.set_closed(conversation, closed)
        )

    async def set_read(self, conversation: Conversation, read: bool) -> Conversation:
        writer = self._writer()
        if not read and not getattr(writer, "can_mark_unread", False):
            raise WriteRefused(f"the {self._session.backend.kind} API cannot mark unread")
        updated = conversation.model_copy(update={"unread": not read})
        return await self._optimistic(
            conversation, updated, lambda: writer.set_read(conversation, read)
        )

    async def assign(self, conversation: Conversation, member: Member) -> Conversation:
        writer = self._writer()
        updated = conversation.model_copy(update={"assigned_to": member.id})
        return await self._optimistic(
            conversation, updated, lambda: writer.reassign(conversation, member.id)
        )

    async def _optimistic(
        self, old: Conversation, new: Conversation, call: Callable[[], Awaitable[None]]
    ) -> Conversation:
        await self._store_state(new)
        try:
            await call()
        except BaseException:
            await self._store_state(old)
            raise
        return new

    async def _store_state(self, conv: Conversation) -> None:
        try:
            await self._session.store.write(
                drafts.set_conversation_state, conv.key, conv.status, conv.unread, triage_json(conv)
            )
        except Exception as exc:
            log.warning("cannot store the conversation state: %s", exc)
