"""The reply queue (``w``): conversations waiting on us, oldest wait first, from the cache.

``enter`` opens one (the screen closes with it); the list re-reads the cache every few
seconds, so a reply (a send or a poll storing an outbound message) takes its conversation
out while you look. Overdue waits carry ``!`` as well as a colour."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from inbox_tui.clock import Clock, utc_now
from inbox_tui.core.waiting import WaitingConversation, overdue, wait_text
from inbox_tui.models import Conversation, Direction
from inbox_tui.text import one_line
from inbox_tui.ui.keymap import identify
from inbox_tui.ui.widgets.conversation_list import contact_label

REFRESH_SECONDS = 5.0
QueueLoader = Callable[[], Awaitable[list[WaitingConversation]]]


def queue_row(
    row: WaitingConversation,
    now: datetime,
    reply_within: timedelta | None,
    inbox_names: dict[str, str],
) -> Text:
    """``! 2h 14m  Ana Li · +1 (415) 555-0100  Support  3 msgs  Where is my refund?``"""
    waited = row.waited(now)
    late = overdue(waited, reply_within)
    text = Text()
    text.append("!" if late else " ", style="bold")
    text.append(f"{wait_text(waited):>7}  ", style="bold red" if late else "bold")
    text.append(contact_label(row.conversation), style="bold" if row.conversation.unread else "")
    inbox = row.conversation.inbox_id
    if inbox and len(inbox_names) > 1:
        text.append(f"  {one_line(inbox_names.get(inbox, inbox), 16)}", style="dim")
    if row.unanswered > 1:
        text.append(f"  {row.unanswered} msgs", style="dim")
    last = row.conversation.last_message
    if last is not None and last.direction == Direction.INBOUND and not last.is_note:
        text.append(f"  {one_line(last.body, 80)}", style="italic")
    return text


class ReplyQueueScreen(ModalScreen[Conversation | None]):
    """Dismisses with the conversation to open, or None."""

    BINDINGS = identify(
        "reply_queue",
        [
            Binding("escape,q,w", "cancel", "Close"),
            Binding("j", "cursor(1)", "Down", show=False),
            Binding("k", "cursor(-1)", "Up", show=False),
        ],
    )

    DEFAULT_CSS = """
    ReplyQueueScreen { align: center middle; }
    ReplyQueueScreen > #queue {
        width: 100; max-width: 100%; height: auto; max-height: 90%;
        border: round $accent; background: $surface;
    }
    ReplyQueueScreen #queue-title { padding: 0 1; }
    ReplyQueueScreen OptionList {
        height: auto; max-height: 40; border: none; text-wrap: nowrap; text-overflow: ellipsis;
    }
    """

    def __init__(
        self,
        load: QueueLoader,
        *,
        reply_within: timedelta | None,
        inbox_names: dict[str, str] | None = None,
        clock: Clock = utc_now,
        offline: bool = False,
    ) -> None:
        super().__init__()
        self._load = load
        self._reply_within = reply_within
        self._inbox_names = inbox_names or {}
        self._clock = clock
        self._offline = offline
        self.rows: list[WaitingConversation] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        with Vertical(id="queue"):
            yield Static(id="queue-title")
            yield OptionList(id="queue-rows")

    def on_mount(self) -> None:
        self._title()
        self.query_one(OptionList).focus()
        self.reload()
        self.set_interval(REFRESH_SECONDS, self.reload)

    def _title(self) -> None:
        text = Text("Waiting on a reply", style="bold")
        if self.loaded:
            text.append(f" · {len(self.rows):,}")
            text.append(" · oldest first · enter opens, esc closes", style="dim")
        else:
            text.append(" · reading the cache…", style="dim")
        if self._offline:
            text.append(" · offline (cache)", style="italic")
        self.query_one("#queue-title", Static).update(text)

    @work(group="reply-queue", exclusive=True, exit_on_error=False)
    async def reload(self) -> None:
        try:
            rows = await self._load()
        except Exception as error:  # the cache failed: say so here, keep the screen up
            self.query_one("#queue-title", Static).update(
                Text(f"Could not read the reply queue: {one_line(str(error), 80)}", style="bold")
            )
            return
        self.show_rows(rows)

    def show_rows(self, rows: list[WaitingConversation]) -> None:
        options = self.query_one(OptionList)
        current = self.highlighted
        self.rows, self.loaded = rows, True
        now = self._clock()
        options.clear_options()
        options.add_options(
            Option(
                queue_row(row, now, self._reply_within, self._inbox_names), id=row.conversation.key
            )
            for row in rows
        )
        if not rows:
            options.add_option(
                Option(Text("Nobody is waiting on a reply.", style="italic"), disabled=True)
            )
        keys = [row.conversation.key for row in rows]
        if rows:
            key = current.key if current is not None and current.key in keys else keys[0]
            options.highlighted = keys.index(key)
        self._title()

    @property
    def highlighted(self) -> Conversation | None:
        index = self.query_one(OptionList).highlighted
        if index is None or not 0 <= index < len(self.rows):
            return None
        return self.rows[index].conversation

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        for row in self.rows:
            if row.conversation.key == event.option.id:
                self.dismiss(row.conversation)
                return

    def action_cursor(self, step: int) -> None:
        options = self.query_one(OptionList)
        options.action_cursor_down() if step > 0 else options.action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)
