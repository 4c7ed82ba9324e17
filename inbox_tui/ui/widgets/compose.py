"""The compose area under the thread (``r`` reply, ``p`` private note).

It only edits: the text, an optional media URL, a live segment counter. Its keys
(``ctrl+s`` send, ``ctrl+t`` templates, ``esc`` close keeping the draft) are app actions
handled by :mod:`inbox_tui.ui.compose_flow`, which reads :meth:`Compose.draft` back."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static, TextArea

from inbox_tui.core.triage import Draft
from inbox_tui.models import Conversation
from inbox_tui.sms_segments import count_segments
from inbox_tui.text import one_line
from inbox_tui.ui.keymap import identify


def counter_text(text: str, *, private: bool) -> str:
    """``2 segments · 214/306`` (``· UCS-2`` when a character forces it); a note is not an
    SMS, so it only counts characters."""
    if private:
        return f"{len(text)} characters · not sent to the customer"
    count = count_segments(text)
    unicode = " · UCS-2" if count.encoding == "UCS-2" and count.units else ""
    return count.label() + unicode


class Compose(Vertical):
    BINDINGS = identify(
        "compose",
        [
            Binding("ctrl+s", "app.triage('send')", "Send", id="compose.send"),
            Binding("ctrl+t", "app.triage('templates')", "Templates", id="compose.templates"),
            Binding(
                "escape", "app.triage('close_compose')", "Close (keep draft)", id="compose.close"
            ),
            Binding("tab,shift+tab", "other_field", "Text / media URL", show=False),
        ],
    )

    def __init__(
        self,
        conversation: Conversation,
        *,
        private: bool,
        sender: str,
        draft: Draft | None = None,
        opted_out: bool = False,
        reason: str | None = None,
        id: str | None = "compose",
    ) -> None:
        super().__init__(id=id, classes="-note" if private else "-reply")
        self.conversation = conversation
        self.private = private
        self.opted_out = opted_out
        self._sender = sender
        self._draft = draft
        self._reason = reason

    def compose(self) -> ComposeResult:
        yield Static(self._header(), id="compose-header")
        draft = self._draft
        area = TextArea(draft.text if draft else "", id="compose-text", soft_wrap=True)
        area.show_line_numbers = False
        yield area
        media = Input(
            (draft.media_url or "") if draft else "",
            placeholder="media URL (optional)",
            id="compose-media",
        )
        yield media
        yield Static(id="compose-info")
        yield Static(id="compose-reason")

    def on_mount(self) -> None:
        self._paint_counter()
        self.show_reason(self._reason)
        area = self.query_one("#compose-text", TextArea)
        area.move_cursor(area.document.end)
        area.focus()

    def _header(self) -> Text:
        text = Text()
        if self.private:
            text.append(" Private note ", style="bold reverse")
            text.append(" team only")
        else:
            text.append(" Reply ", style="bold reverse")
            text.append(" to ")
            name = self.conversation.name or self.conversation.contact
            text.append(one_line(name, 30), style="bold")
        text.append(" · ")
        text.append(one_line(self._sender, 60))
        if self.opted_out and not self.private:
            text.append("  ⊘ opted out: sending refused", style="bold red")
        return text

    # ------------------------------------------------------------ reading and writing

    @property
    def text(self) -> str:
        return self.query_one("#compose-text", TextArea).text

    @property
    def media_url(self) -> str | None:
        return self.query_one("#compose-media", Input).value.strip() or None

    def draft(self) -> Draft:
        return Draft(self.conversation.key, self.text, self.private, self.media_url)

    def insert(self, text: str) -> None:
        """Put ``text`` at the cursor (a template) and go back to typing."""
        area = self.query_one("#compose-text", TextArea)
        area.insert(text)
        area.focus()

    def show_reason(self, reason: str | None) -> None:
        """Why the last send failed (or was refused); literal text, never markup."""
        line = self.query_one("#compose-reason", Static)
        line.update(Text(f"✗ {one_line(reason, 200)}") if reason else "")
        line.set_class(bool(reason), "-visible")

    def action_other_field(self) -> None:
        """``tab`` moves between the text and the media URL (not out to the panes)."""
        area = self.query_one("#compose-text", TextArea)
        media = self.query_one("#compose-media", Input)
        (media if area.has_focus else area).focus()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self._paint_counter()

    def _paint_counter(self) -> None:
        info = Text(counter_text(self.text, private=self.private))
        info.append("   ctrl+s send · ctrl+t template · esc close (draft kept)", style="dim")
        self.query_one("#compose-info", Static).update(info)
