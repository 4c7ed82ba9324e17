"""What the triage keys do: the conversation actions (close/reopen, mark read/unread,
assign) and the list views here; compose (reply, note, send, undo, templates) in
:mod:`inbox_tui.ui.compose_flow`.

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

from inbox_tui.core.triage import Member, TriageActions
from inbox_tui.errors import WriteRefused
from inbox_tui.models import Conversation
from inbox_tui.text import one_line
from inbox_tui.ui.views import (
    View,
    is_closed,
    next_view,
    server_closed,
    view_filter,
)
from inbox_tui.ui.widgets.banner import error_text

if TYPE_CHECKING:
    from inbox_tui.ui.compose_flow import ComposeFlow
    from inbox_tui.ui.shell import Shell

log = logging.getLogger(__name__)

WRITES = frozenset({"reply", "note", "send", "close", "read", "assign"})


class TriageKeys:
    def __init__(self, app: Shell) -> None:
        self.app = app
        self.view = View.ALL
        self._members: list[Member] | None = None
        self._compose: ComposeFlow | None = None

    @property
    def compose(self) -> ComposeFlow:
        """Compose and sending, built on first use: its modules (and the compose widget)
        are not needed for the first frame."""
        if self._compose is None:
            from inbox_tui.ui.compose_flow import ComposeFlow

            self._compose = ComposeFlow(self)
        return self._compose

    @property
    def triage(self) -> TriageActions:
        return self.app.session.triage

    def start(self) -> None:
        """At mount: the read-only marker."""
        triage = self.triage
        if triage.read_only_reason is not None:
            self.app.header.set_read_only(True)

    def load_member_names(self) -> None:
        """After the first rows (a side load): member names for the assignee badges."""
        self.spawn(self.load_members, "triage-members")

    def run(self, what: str) -> None:
        """One ``app.triage('what')`` action."""
        if what.startswith("view:"):
            self.set_view(View(what.split(":", 1)[1]))
            return
        if what in WRITES and self._writable() is None:
            return
        compose = self.compose
        handler: dict[str, Callable[[], object]] = {
            "reply": partial(compose.open, private=False),
            "note": partial(compose.open, private=True),
            "send": compose.send,
            "close_compose": compose.close,
            "templates": compose.pick_template,
            "undo": compose.undo,
            "close": self.toggle_closed,
            "read": self.toggle_read,
            "assign": self.pick_member,
            "view": self.cycle_view,
        }
        action = handler.get(what)
        if action is not None:
            action()

    # ------------------------------------------------------------ helpers

    def leave_compose(self, conversation: Conversation) -> None:
        """Another conversation opens: the compose of the old one closes (draft kept)."""
        self.compose.leave(conversation)

    def spawn(self, work: Callable[[], Awaitable[Any]], group: str) -> None:
        self.app.run_worker(work, group=group, exclusive=True, exit_on_error=False)

    def say(self, text: str, *, severity: str = "information", timeout: float = 4) -> None:
        self.app.notify(text, severity=severity, timeout=timeout, markup=False)  # type: ignore[arg-type]

    def _writable(self) -> TriageActions | None:
        """The write path, or None after saying why there is none (nothing is attempted)."""
        triage = self.triage
        reason = triage.read_only_reason
        if reason is not None:
            self.say(f"Read-only: {one_line(reason, 200)}", severity="warning", timeout=6)
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

    async def load_members(self) -> list[Member]:
        triage = self.triage
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

    def member_id(self) -> str | None:
        member_id = self.app.session.settings.member_id
        return None if member_id is None else str(member_id)

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
                self.say(f"{done}: {error_text(error)}", severity="warning", timeout=8)
                return
            except Exception as error:
                self._show(conversation)
                self.say(f"{done} failed: {error_text(error)}", severity="error", timeout=8)
                return
            self._show(result)

        self.spawn(confirm, f"triage-{conversation.key}-{done}")

    def toggle_closed(self) -> None:
        triage, conversation = self.triage, self._target()
        if conversation is None:
            return
        closed = not is_closed(conversation)
        update = {"closed": closed, "status": "closed" if closed else "open"}
        done = "Close" if closed else "Reopen"
        self._change(conversation, update, partial(triage.set_closed, conversation, closed), done)
        self.say(f"{'Closed' if closed else 'Reopened'}", timeout=2)

    def toggle_read(self) -> None:
        triage, conversation = self.triage, self._target()
        if conversation is None:
            return
        read = conversation.unread
        done = "Mark read" if read else "Mark unread"
        update = {"unread": not read}
        self._change(conversation, update, partial(triage.set_read, conversation, read), done)

    def pick_member(self) -> None:
        conversation = self._target()
        if conversation is None:
            self.say("No conversation to assign", timeout=2)
            return
        self.spawn(partial(self._pick_member, conversation), "assign-picker")

    async def _pick_member(self, conversation: Conversation) -> None:
        from inbox_tui.ui.screens.triage_pickers import MemberPicker

        triage = self.triage
        members = members_of_inbox(await self.load_members(), conversation.inbox_id)
        if not members:
            self.say("No team members to assign to (members could not be loaded)")
            return

        def chosen(member: Member | None) -> None:
            if member is None:
                return
            update = {"assigned_to": member.id}
            write = partial(triage.assign, conversation, member)
            self._change(conversation, update, write, "Assign")
            self.say(f"Assigned to {one_line(member.name, 40)}", timeout=2)

        self.app.push_screen(MemberPicker(members, conversation.owner), chosen)

    # ------------------------------------------------------------ views

    def cycle_view(self) -> None:
        """``v``: the next view (Mine is skipped while no member id is known)."""
        view = next_view(self.view)
        if view is View.MINE and self.member_id() is None:
            view = next_view(view)
        self.set_view(view)

    def set_view(self, view: View) -> None:
        me = self.member_id()
        if view is View.MINE and me is None:
            self.say("Mine needs member_id in the profile", severity="warning")
            return
        self.view = view
        self.app.conversation_list.set_view(view_filter(view, me))
        closed = server_closed(view)
        if closed != self.app.session.view_closed:
            # The server lists just the open (closed) ones where it can: reload.
            self.app.session.view_closed = closed
            self.app.reload()
        self.app.status.set_view("" if view is View.ALL else view.title)
        self.say(f"View: {view.title}", timeout=2)


def members_of_inbox(members: list[Member], inbox_id: str | None) -> list[Member]:
    """Who can own a conversation of ``inbox_id``: the vendor refuses a member outside the
    inbox. Members whose inboxes are unknown are kept (the server will say)."""
    if inbox_id is None:
        return members
    return [m for m in members if not m.inbox_ids or inbox_id in m.inbox_ids]
