"""What the triage keys do: compose (reply, note, send, undo, templates), the conversation
actions (close/reopen, mark read/unread, assign) and the list views.

The app routes every ``app.triage('…')`` binding and palette command here. Writes go through
``app.session.triage`` (:class:`~inbox_tui.core.triage.TriageActions`): each is refused
up front, with the reason shown, when writes are off; conversation actions are optimistic
(the row changes at once) and rolled back with a notification when the server says no.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from inbox_tui.core.triage import Draft, Member, PendingSend, SendState, Template, TriageActions
from inbox_tui.errors import WriteRefused
from inbox_tui.merge_fields import fill
from inbox_tui.models import Conversation, Direction, Message
from inbox_tui.text import one_line
from inbox_tui.ui.views import View, assignee, is_closed, next_view, view_filter
from inbox_tui.ui.widgets.banner import error_text
from inbox_tui.ui.widgets.compose import Compose

if TYPE_CHECKING:
    from inbox_tui.ui.app import InboxApp

log = logging.getLogger(__name__)

WRITES = frozenset({"reply", "note", "send", "close", "read", "assign"})
NO_WRITE_PATH = "This connection has no write path: nothing can be sent from here."


class TriageKeys:
    def __init__(self, app: InboxApp) -> None:
        self.app = app
        self.view = View.ALL
        self.pending: list[PendingSend] = []
        self.failures: dict[str, str] = {}  # conversation key → why its last send failed
        self._members: list[Member] | None = None
        self._shown: dict[str, str] = {}  # local id → id of the copy shown in the thread
        self._finished: set[str] = set()  # local ids whose end (sent/undone/failed) was handled

    @property
    def triage(self) -> TriageActions | None:
        return self.app.session.triage

    @property
    def compose(self) -> Compose | None:
        found = [c for c in self.app.query(Compose) if not c.has_class("-closing")]
        return found[0] if found else None

    def start(self) -> None:
        """At mount: the read-only marker, and member names for the assignee badges."""
        triage = self.triage
        if triage is None:
            return
        if triage.read_only_reason is not None:
            self.app.header.set_read_only(True)
        self._run(self._load_members, "triage-members")

    def run(self, what: str) -> None:
        """One ``app.triage('what')`` action."""
        if what.startswith("view:"):
            self.set_view(View(what.split(":", 1)[1]))
            return
        if what in WRITES and self._writable() is None:
            return
        handler: dict[str, Callable[[], object]] = {
            "reply": partial(self.open_compose, private=False),
            "note": partial(self.open_compose, private=True),
            "send": self.send,
            "close_compose": self.close_compose,
            "templates": self.pick_template,
            "undo": self.undo,
            "close": self.toggle_closed,
            "read": self.toggle_read,
            "assign": self.pick_member,
            "view": self.cycle_view,
        }
        action = handler.get(what)
        if action is not None:
            action()

    # ------------------------------------------------------------ helpers

    def _run(self, work: Callable[[], Awaitable[Any]], group: str) -> None:
        self.app.run_worker(work, group=group, exclusive=True, exit_on_error=False)

    def _notify(self, text: str, *, severity: str = "information", timeout: float = 4) -> None:
        self.app.notify(text, severity=severity, timeout=timeout, markup=False)  # type: ignore[arg-type]

    def _writable(self) -> TriageActions | None:
        """The write path, or None after saying why there is none (nothing is attempted)."""
        triage = self.triage
        if triage is None:
            self._notify(NO_WRITE_PATH, severity="warning")
            return None
        reason = triage.read_only_reason
        if reason is not None:
            self._notify(f"Read-only: {one_line(reason, 200)}", severity="warning", timeout=6)
            return None
        return triage

    def _target(self) -> Conversation | None:
        """The open conversation when the thread (or compose) has focus, else the row under
        the list's cursor; always the list's latest copy of it."""
        app = self.app
        focused = app.focused
        in_thread = focused is not None and (
            focused is app.thread or app.thread_pane in focused.ancestors
        )
        conversation = app.thread.conversation if in_thread else None
        conversation = conversation or app.conversation_list.highlighted or app.thread.conversation
        if conversation is None:
            return None
        rows = app.conversation_list.conversations
        return next((row for row in rows if row.key == conversation.key), conversation)

    def _show(self, conversation: Conversation) -> None:
        self.app.conversation_list.update_row(conversation)
        thread = self.app.thread
        if thread.conversation is not None and thread.conversation.key == conversation.key:
            thread.conversation = conversation

    async def _load_members(self) -> list[Member]:
        triage = self.triage
        if triage is None:
            return []
        if self._members is None:
            try:
                self._members = await triage.members()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.info("members failed: %s", error_text(error))
                return []
            names = {member.id: member.name for member in self._members}
            self.app.conversation_list.set_member_names(names)
        return self._members

    def _me(self) -> str | None:
        member_id = getattr(self.app.session.settings, "member_id", None)
        return None if member_id is None else str(member_id)

    # ------------------------------------------------------------ compose

    def open_compose(self, *, private: bool) -> None:
        conversation = self.app.thread.conversation
        if conversation is None:
            self._notify("Open a conversation first (enter)", timeout=3)
            return
        current = self.compose
        same = current is not None and current.conversation.key == conversation.key
        if current is not None and same and current.private == private:
            current.query_one("#compose-text").focus()
            return
        if self.app.narrow and not self.app.thread_pane_open:
            self.app.open_conversation(conversation)
        self._run(partial(self._open_compose, conversation, private), "compose-open")

    async def _open_compose(self, conversation: Conversation, private: bool) -> None:
        triage = self.triage
        if triage is None:
            return
        await self._close_compose()
        try:
            draft = await triage.load_draft(conversation)
            opted_out = await triage.opted_out(conversation)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self._notify(f"Could not read the draft: {error_text(error)}", severity="error")
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
        if self.compose is None:  # another open may have won the race
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
        me = self._me()
        members = {m.id: m.name for m in await self._load_members()}
        if me is not None:
            label += f" as {one_line(members.get(me, me), 30)}"
        return label

    def close_compose(self) -> None:
        self._run(self._close_compose, "compose-close")

    async def _close_compose(self) -> None:
        """Remove the compose area, keeping what it holds as the conversation's draft."""
        compose = self.compose
        if compose is None:
            return
        draft = compose.draft()
        compose.add_class("-closing")
        await compose.remove()
        self._focus_thread()
        await self._save_draft(draft)

    def leave_compose(self, conversation: Conversation) -> None:
        """Another conversation opens: the compose of the old one closes (draft kept)."""
        compose = self.compose
        if compose is not None and compose.conversation.key != conversation.key:
            self.close_compose()

    async def _save_draft(self, draft: Draft) -> None:
        triage = self.triage
        if triage is None:
            return
        try:
            await triage.save_draft(draft)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self._notify(f"The draft was not saved: {error_text(error)}", severity="error")

    def _focus_thread(self) -> None:
        if not self.app.narrow or self.app.thread_pane_open:
            self.app.thread.focus()

    def pick_template(self) -> None:
        if self.compose is None:
            self._notify("Templates go into compose: press r (reply) or p (note) first")
            return
        self._run(self._pick_template, "templates")

    async def _pick_template(self) -> None:
        from inbox_tui.ui.screens.triage_pickers import TemplatePicker

        triage = self.triage
        if triage is None:
            return
        try:
            templates = await triage.templates()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self._notify(f"Templates: {error_text(error)}", severity="error")
            return
        if not templates:
            self._notify("This account has no templates")
            return

        def chosen(template: Template | None) -> None:
            compose = self.compose
            if template is not None and compose is not None:
                compose.insert(fill(template.text, compose.conversation))

        self.app.push_screen(TemplatePicker(templates), chosen)

    # ------------------------------------------------------------ sending

    def send(self) -> None:
        compose = self.compose
        triage = self.triage
        if compose is None or triage is None:
            self._notify("Press r to reply or p for a private note first")
            return
        text, media_url = compose.text, compose.media_url
        if not text.strip() and media_url is None:
            self._notify("Nothing to send", timeout=2)
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
            self._notify(reason, severity="error", timeout=6)
            return
        self.failures.pop(conversation.key, None)
        self.pending.append(pending)
        compose.add_class("-closing")
        self._run(partial(self._after_send, compose, pending), f"sent-{pending.local_id}")
        self._on_send_change(pending)
        delay = triage.send_delay
        self._notify(f"Sending in {delay:g} s: u undoes", timeout=max(delay, 2))

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
            self._notify(
                f"Not sent: {one_line(reason, 200)}. The text is back in the draft (r).",
                severity="error",
                timeout=8,
            )
        else:
            self._notify("Undone: nothing was sent; the text is back in compose", timeout=3)
        self._run(partial(self._restore, draft, pending), f"restore-{pending.local_id}")

    async def _restore(self, draft: Draft, pending: PendingSend) -> None:
        await self._save_draft(draft)
        if pending.state is SendState.UNDONE and self._in_thread(pending):
            await self._open_compose(pending.conversation, pending.private)

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
        if triage is None or not waiting:
            self._notify("Nothing to undo", timeout=2)
            return
        pending = waiting[-1]
        if triage.undo(pending):
            pending.state = SendState.UNDONE
            self._on_send_change(pending)  # in case the session did not call back
        else:
            self._notify("Too late to undo: the message already left", severity="warning")

    # ------------------------------------------------------------ conversation actions

    def _change(
        self,
        conversation: Conversation,
        update: dict[str, Any],
        write: Callable[[], Awaitable[Conversation]],
        done: str,
    ) -> None:
        """Show ``update`` at once; the server's answer replaces it, a failure undoes it."""
        self._show(conversation.model_copy(update=update))

        async def confirm() -> None:
            try:
                result = await write()
            except asyncio.CancelledError:
                self._show(conversation)
                raise
            except WriteRefused as error:  # e.g. an API without this write: it says so
                self._show(conversation)
                self._notify(f"{done}: {error_text(error)}", severity="warning", timeout=8)
                return
            except Exception as error:
                self._show(conversation)
                self._notify(f"{done} failed: {error_text(error)}", severity="error", timeout=8)
                return
            self._show(result)

        self._run(confirm, f"triage-{conversation.key}-{done}")

    def toggle_closed(self) -> None:
        triage, conversation = self.triage, self._target()
        if triage is None or conversation is None:
            return
        closed = not is_closed(conversation)
        update = {"closed": closed, "status": "closed" if closed else "open"}
        done = "Close" if closed else "Reopen"
        self._change(conversation, update, partial(triage.set_closed, conversation, closed), done)
        self._notify(f"{'Closed' if closed else 'Reopened'}", timeout=2)

    def toggle_read(self) -> None:
        triage, conversation = self.triage, self._target()
        if triage is None or conversation is None:
            return
        read = conversation.unread
        done = "Mark read" if read else "Mark unread"
        update = {"unread": not read}
        self._change(conversation, update, partial(triage.set_read, conversation, read), done)

    def pick_member(self) -> None:
        conversation = self._target()
        if conversation is None:
            self._notify("No conversation to assign", timeout=2)
            return
        self._run(partial(self._pick_member, conversation), "assign-picker")

    async def _pick_member(self, conversation: Conversation) -> None:
        from inbox_tui.ui.screens.triage_pickers import MemberPicker

        triage = self.triage
        members = await self._load_members()
        if triage is None or not members:
            self._notify("No team members to assign to (members could not be loaded)")
            return

        def chosen(member: Member | None) -> None:
            if member is None:
                return
            update = {"assigned_to": member.id}
            write = partial(triage.assign, conversation, member)
            self._change(conversation, update, write, "Assign")
            self._notify(f"Assigned to {one_line(member.name, 40)}", timeout=2)

        self.app.push_screen(MemberPicker(members, assignee(conversation)), chosen)

    # ------------------------------------------------------------ views

    def cycle_view(self) -> None:
        """``v``: the next view (Mine is skipped while no member id is known)."""
        view = next_view(self.view)
        if view is View.MINE and self._me() is None:
            view = next_view(view)
        self.set_view(view)

    def set_view(self, view: View) -> None:
        me = self._me()
        if view is View.MINE and me is None:
            self._notify("Mine needs member_id in the profile", severity="warning")
            return
        self.view = view
        self.app.conversation_list.set_view(view_filter(view, me))
        self.app.status.set_view("" if view is View.ALL else view.title)
        self._notify(f"View: {view.title}", timeout=2)
