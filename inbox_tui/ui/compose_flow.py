"""Compose and sending for the triage keys: open/close compose (a draft per
conversation), templates, send with an undo window, and what the thread shows of a send
on its way (``waiting`` → ``sending`` → the server's copy; undone or failed: gone, and the
text back in the draft with the reason)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from inbox_tui.core.triage import Draft, PendingSend, SendState, Template, TriageActions
from inbox_tui.merge_fields import fill
from inbox_tui.models import Conversation, Direction, Message
from inbox_tui.text import one_line
from inbox_tui.ui.widgets.banner import error_text
from inbox_tui.ui.widgets.compose import Compose

if TYPE_CHECKING:
    from inbox_tui.core.triage import Member
    from inbox_tui.ui.shell import Shell


class KeyHelpers(Protocol):
    """What compose borrows from :class:`~inbox_tui.ui.triage_keys.TriageKeys`."""

    app: Shell

    def say(self, text: str, *, severity: str = "information", timeout: float = 4) -> None: ...

    def spawn(self, work: Callable[[], Awaitable[Any]], group: str) -> None: ...

    def member_id(self) -> str | None: ...

    async def load_members(self) -> list[Member]: ...


class ComposeFlow:
    def __init__(self, keys: KeyHelpers) -> None:
        self.keys = keys
        self.app = keys.app
        self.pending: list[PendingSend] = []
        self.failures: dict[str, str] = {}  # conversation key → why its last send failed
        self._shown: dict[str, str] = {}  # local id → id of the copy shown in the thread
        self._finished: set[str] = set()  # local ids whose end (sent/undone/failed) was handled

    @property
    def triage(self) -> TriageActions:
        return self.app.session.triage

    @property
    def widget(self) -> Compose | None:
        found = [c for c in self.app.query(Compose) if not c.has_class("-closing")]
        return found[0] if found else None

    def open(self, *, private: bool) -> None:
        conversation = self.app.thread.conversation
        if conversation is None:
            self.keys.say("Open a conversation first (enter)", timeout=3)
            return
        current = self.widget
        same = current is not None and current.conversation.key == conversation.key
        if current is not None and same and current.private == private:
            current.query_one("#compose-text").focus()
            return
        if self.app.narrow and not self.app.thread_pane_open:
            self.app.open_conversation(conversation)
        self.keys.spawn(partial(self._open, conversation, private), "compose-open")

    async def _open(self, conversation: Conversation, private: bool) -> None:
        triage = self.triage
        await self._close()
        try:
            draft = await triage.load_draft(conversation)
            opted_out = await triage.opted_out(conversation)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self.keys.say(f"Could not read the draft: {error_text(error)}", severity="error")
            draft, opted_out = None, False
        sender = await self._sender(conversation)
        compose = Compose(
            conversation,
            private=private,
            sender=sender,
            draft=draft,
            opted_out=opted_out,
            reason=self.failures.get(conversation.key),
        )
        if self.widget is None:  # another open may have won the race
            thread = self.app.thread
            at_bottom = thread.scroll_y >= thread.max_scroll_y - 1
            await self.app.thread_pane.mount(compose)
            if at_bottom:  # the newest message stays in sight above compose
                self.app.call_after_refresh(thread.scroll_end, animate=False)

    async def _sender(self, conversation: Conversation) -> str:
        """``from <inbox> as <member>``."""
        inbox = conversation.inbox_id
        names = {i.id: i.name for i in self.app.session.inboxes}
        label = f"from {one_line(names.get(inbox, inbox), 30)}" if inbox else "from the inbox"
        me = self.keys.member_id()
        members = {m.id: m.name for m in await self.keys.load_members()}
        if me is not None:
            label += f" as {one_line(members.get(me, me), 30)}"
        return label

    def close(self) -> None:
        self.keys.spawn(self._close, "compose-close")

    async def _close(self) -> None:
        """Remove the compose area, keeping what it holds as the conversation's draft."""
        compose = self.widget
        if compose is None:
            return
        draft = compose.draft()
        compose.add_class("-closing")
        await compose.remove()
        self._focus_thread()
        await self._save_draft(draft)

    def leave(self, conversation: Conversation) -> None:
        """Another conversation opens: the compose of the old one closes (draft kept)."""
        compose = self.widget
        if compose is not None and compose.conversation.key != conversation.key:
            self.close()

    async def _save_draft(self, draft: Draft) -> None:
        triage = self.triage
        try:
            await triage.save_draft(draft)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self.keys.say(f"The draft was not saved: {error_text(error)}", severity="error")

    def _focus_thread(self) -> None:
        if not self.app.narrow or self.app.thread_pane_open:
            self.app.thread.focus()

    def pick_template(self) -> None:
        if self.widget is None:
            self.keys.say("Templates go into compose: press r (reply) or p (note) first")
            return
        self.keys.spawn(self._pick_template, "templates")

    async def _pick_template(self) -> None:
        from inbox_tui.ui.screens.triage_pickers import TemplatePicker

        triage = self.triage
        try:
            templates = await triage.templates()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self.keys.say(f"Templates: {error_text(error)}", severity="error")
            return
        if not templates:
            self.keys.say("This account has no templates")
            return

        def chosen(template: Template | None) -> None:
            compose = self.widget
            if template is not None and compose is not None:
                compose.insert(fill(template.text, compose.conversation))

        self.app.push_screen(TemplatePicker(templates), chosen)

    # ------------------------------------------------------------ sending

    def send(self) -> None:
        compose = self.widget
        triage = self.triage
        if compose is None:
            self.keys.say("Press r to reply or p for a private note first")
            return
        text, media_url = compose.text, compose.media_url
        if not text.strip() and media_url is None:
            self.keys.say("Nothing to send", timeout=2)
            return
        conversation = compose.conversation
        try:
            pending = triage.send(
                conversation,
                text,
                private=compose.private,
                media_url=media_url,
                on_change=self._on_send_change,
            )
        except Exception as error:  # WriteRefused (opted out, read-only) or a bug: not sent
            reason = error_text(error)
            compose.show_reason(reason)
            self.keys.say(reason, severity="error", timeout=6)
            return
        self.failures.pop(conversation.key, None)
        self.pending.append(pending)
        compose.add_class("-closing")
        self.keys.spawn(partial(self._after_send, compose, pending), f"sent-{pending.local_id}")
        self._on_send_change(pending)
        delay = triage.send_delay
        self.keys.say(f"Sending in {delay:g} s: u undoes", timeout=max(delay, 2))

    async def _after_send(self, compose: Compose, pending: PendingSend) -> None:
        """The text now travels with the send: compose closes and its draft is emptied
        (unless the send already came back undone or failed: then the draft holds it)."""
        await compose.remove()
        self._focus_thread()
        if pending.state not in (SendState.UNDONE, SendState.FAILED):
            await self._save_draft(Draft(pending.conversation.key, ""))

    def _on_send_change(self, pending: PendingSend) -> None:
        if pending.local_id in self._finished:
            return
        if pending.state in (SendState.WAITING, SendState.SENDING):
            self._show_copy(pending, "waiting" if pending.state is SendState.WAITING else "sending")
            return
        self._finished.add(pending.local_id)
        self.pending = [p for p in self.pending if p.local_id != pending.local_id]
        shown = self._shown.pop(pending.local_id, None)
        if shown is not None:
            self.app.thread.remove_messages({shown})
        if pending.state is SendState.SENT:
            if pending.message is not None and self._in_thread(pending):
                self.app.thread.add_messages([pending.message])
            return
        draft = Draft(pending.conversation.key, pending.text, pending.private, pending.media_url)
        if pending.state is SendState.FAILED:
            reason = pending.reason or "unknown failure"
            self.failures[pending.conversation.key] = reason
            self.keys.say(
                f"Not sent: {one_line(reason, 200)}. The text is back in the draft (r).",
                severity="error",
                timeout=8,
            )
        else:
            self.keys.say("Undone: nothing was sent; the text is back in compose", timeout=3)
        self.keys.spawn(partial(self._restore, draft, pending), f"restore-{pending.local_id}")

    async def _restore(self, draft: Draft, pending: PendingSend) -> None:
        await self._save_draft(draft)
        if pending.state is SendState.UNDONE and self._in_thread(pending):
            await self._open(pending.conversation, pending.private)

    def _in_thread(self, pending: PendingSend) -> bool:
        shown = self.app.thread.conversation
        return shown is not None and shown.key == pending.conversation.key

    def _show_copy(self, pending: PendingSend, status: str) -> None:
        """The message in the thread at once, marked as on its way."""
        message = pending.message or self._local_copy(pending)
        message = message.model_copy(update={"status": status})
        previous = self._shown.get(pending.local_id)
        if previous is not None and previous != message.id:
            self.app.thread.remove_messages({previous})
        self._shown[pending.local_id] = message.id
        if self._in_thread(pending):
            self.app.thread.add_messages([message])
            if previous is None:  # just sent: show it, once compose has made room
                self.app.call_after_refresh(self.app.thread.action_last)

    def _local_copy(self, pending: PendingSend) -> Message:
        conversation = pending.conversation
        return Message(
            id=f"local:{pending.local_id}",
            source="local",
            conversation_key=conversation.key,
            contact=conversation.contact,
            inbox_id=conversation.inbox_id,
            direction=Direction.OUTBOUND,
            kind="private" if pending.private else "sms",
            body=pending.text,
            media_url=pending.media_url,
            created_at=self.app.clock(),
            local_id=pending.local_id,
        )

    def undo(self) -> None:
        triage = self.triage
        shown = self.app.thread.conversation
        waiting = [
            p
            for p in self.pending
            if p.state is SendState.WAITING and (shown is None or p.conversation.key == shown.key)
        ]
        if not waiting:
            self.keys.say("Nothing to undo", timeout=2)
            return
        pending = waiting[-1]
        if triage.undo(pending):
            pending.state = SendState.UNDONE
            self._on_send_change(pending)  # in case the session did not call back
        else:
            self.keys.say("Too late to undo: the message already left", severity="warning")
