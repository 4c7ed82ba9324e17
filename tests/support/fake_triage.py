"""An in-memory :class:`~inbox_tui.core.triage.TriageActions` for UI tests.

Sends wait ``send_delay`` seconds (an asyncio timer) and then "post": recorded in ``sent``.
Every call is recorded in ``calls``; ``failures[name]`` makes that call raise; ``gate``
holds the conversation writes until a test sets it (to see the optimistic state)."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta
from typing import Any

from inbox_tui.core.triage import (
    Draft,
    Member,
    PendingSend,
    SendListener,
    SendState,
    Template,
)
from inbox_tui.errors import WriteRefused
from inbox_tui.models import Conversation, Direction, Message

MEMBERS = [
    Member("7", "Dana Demo", frozenset({"413"})),
    Member("8", "Sam Support", frozenset({"413"})),
    Member("9", "Lee Lead", frozenset()),
]
TEMPLATES = [
    Template("t1", "Order ready", "Hi {{first_name}}, your order is ready for pickup."),
    Template("t2", "Call back", "Hello {{name}}, we'll call you back at {{phone}}."),
]


class FakeTriage:
    def __init__(
        self,
        *,
        send_delay: float = 60.0,
        read_only_reason: str | None = None,
        opted_out: frozenset[str] = frozenset(),
    ) -> None:
        self._send_delay = send_delay
        self._read_only_reason = read_only_reason
        self.opted_out_keys = set(opted_out)
        self.calls: list[tuple[str, Any]] = []
        self.sent: list[PendingSend] = []
        self.drafts: dict[str, Draft] = {}
        self.failures: dict[str, Exception] = {}
        self.gate: asyncio.Event | None = None
        self.finished = 0  # conversation writes that returned or raised
        self.members_list = list(MEMBERS)
        self.templates_list = list(TEMPLATES)
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._listeners: dict[str, SendListener | None] = {}
        self._ids = itertools.count(1)

    # ------------------------------------------------------------ reads

    @property
    def read_only_reason(self) -> str | None:
        return self._read_only_reason

    @property
    def send_delay(self) -> float:
        return self._send_delay

    async def members(self) -> list[Member]:
        self.calls.append(("members", None))
        return list(self.members_list)

    async def templates(self) -> list[Template]:
        self.calls.append(("templates", None))
        return list(self.templates_list)

    async def load_draft(self, conversation: Conversation) -> Draft | None:
        self.calls.append(("load_draft", conversation.key))
        return self.drafts.get(conversation.key)

    async def save_draft(self, draft: Draft) -> None:
        self.calls.append(("save_draft", draft))
        if draft.text:
            self.drafts[draft.conversation_key] = draft
        else:
            self.drafts.pop(draft.conversation_key, None)

    async def opted_out(self, conversation: Conversation) -> bool:
        return conversation.key in self.opted_out_keys

    # ------------------------------------------------------------ sending

    def send(
        self,
        conversation: Conversation,
        text: str,
        *,
        private: bool = False,
        media_url: str | None = None,
        on_change: SendListener | None = None,
    ) -> PendingSend:
        self.calls.append(("send", text))
        if self._read_only_reason is not None:
            raise WriteRefused(self._read_only_reason)
        if conversation.key in self.opted_out_keys:
            raise WriteRefused("This contact opted out of messages: not sent.")
        local_id = f"local-{next(self._ids)}"
        pending = PendingSend(local_id, conversation, text, private, media_url)
        pending.message = Message(
            id=local_id,
            source="fake",
            conversation_key=conversation.key,
            contact=conversation.contact,
            inbox_id=conversation.inbox_id,
            direction=Direction.OUTBOUND,
            kind="private" if private else "sms",
            status="waiting",
            body=text,
            media_url=media_url,
            created_at=conversation.last_at + timedelta(seconds=1),  # "now": the newest
            local_id=local_id,
        )
        self._listeners[local_id] = on_change
        loop = asyncio.get_running_loop()
        self._timers[local_id] = loop.call_later(self._send_delay, self._post, pending)
        return pending

    def _post(self, pending: PendingSend) -> None:
        self._timers.pop(pending.local_id, None)
        failure = self.failures.get("send")
        if failure is not None:
            pending.state = SendState.FAILED
            pending.reason = str(failure)
        else:
            pending.state = SendState.SENT
            assert pending.message is not None
            pending.message = pending.message.model_copy(
                update={"id": f"server-{pending.local_id}", "status": "sent"}
            )
            self.sent.append(pending)
        self._notify(pending)

    def _notify(self, pending: PendingSend) -> None:
        listener = self._listeners.get(pending.local_id)
        if listener is not None:
            listener(pending)

    def undo(self, pending: PendingSend) -> bool:
        self.calls.append(("undo", pending.local_id))
        timer = self._timers.pop(pending.local_id, None)
        if timer is None:
            return False
        timer.cancel()
        pending.state = SendState.UNDONE
        self._notify(pending)
        return True

    # ------------------------------------------------------------ conversation writes

    async def _write(self, name: str, conversation: Conversation, **update: Any) -> Conversation:
        self.calls.append((name, (conversation.key, *update.values())))
        try:
            if self.gate is not None:
                await self.gate.wait()
            failure = self.failures.get(name)
            if failure is not None:
                raise failure
            return conversation.model_copy(update=update)
        finally:
            self.finished += 1

    async def set_closed(self, conversation: Conversation, closed: bool) -> Conversation:
        status = "closed" if closed else "open"
        return await self._write("set_closed", conversation, closed=closed, status=status)

    async def set_read(self, conversation: Conversation, read: bool) -> Conversation:
        return await self._write("set_read", conversation, unread=not read)

    async def assign(self, conversation: Conversation, member: Member) -> Conversation:
        return await self._write("assign", conversation, assigned_to=member.id)

    @property
    def writes(self) -> list[tuple[str, Any]]:
        """The calls that would have changed something on the server."""
        names = {"send", "set_closed", "set_read", "assign"}
        return [call for call in self.calls if call[0] in names]
