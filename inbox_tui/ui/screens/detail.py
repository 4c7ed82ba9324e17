"""Every field of one message, its full body and its raw payload, as literal text."""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from inbox_tui.dates import stamp, to_local
from inbox_tui.models import Message as SmsMessage
from inbox_tui.phone import pretty
from inbox_tui.secrets import redact
from inbox_tui.text import sanitize
from inbox_tui.ui.keymap import identify


def _when(value: datetime | None, tz: tzinfo | None) -> str:
    if value is None:
        return "—"
    utc = f"{stamp(value)} UTC"
    local = to_local(value, tz)
    return f"{utc}  ({stamp(local)} {local.strftime('%Z').strip()} local)"


def _opt(value: object) -> str:
    return "—" if value is None or value == "" else sanitize(value, keep_newlines=False)


def detail_fields(message: SmsMessage, tz: tzinfo | None = None) -> list[tuple[str, str]]:
    """(label, sanitised value) for every field shown above the body."""
    contact = message.contact
    return [
        ("id", _opt(message.id)),
        ("direction", message.direction.value),
        ("status", _opt(message.status)),
        ("kind", _opt(message.kind)),
        ("created", _when(message.created_at, tz)),
        ("updated", _when(message.updated_at, tz)),
        ("contact", f"{_opt(pretty(contact))}  [{_opt(contact)}]"),
        ("contact name", _opt(message.contact_name)),
        ("own number", _opt(message.own_number)),
        ("inbox", _opt(message.inbox_id)),
        ("author", _opt(message.author)),
        ("user id", _opt(message.user_id)),
        ("flagged", "yes ⚑" if message.flagged else "no"),
        ("broadcast id", _opt(message.broadcast_id)),
        ("local id", _opt(message.local_id)),
        ("provider sid", _opt(message.provider_sid)),
        ("media url", _opt(message.media_url)),
        ("source", _opt(message.source)),
        ("conversation", _opt(message.conversation_key)),
    ]


def raw_json(message: SmsMessage) -> str:
    """The raw payload pretty-printed, sanitised and redacted."""
    try:
        text = json.dumps(message.raw, indent=2, ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError) as error:  # e.g. circular structures
        text = f"(raw payload could not be shown: {error})"
    return redact(sanitize(text))


def detail_text(message: SmsMessage, tz: tzinfo | None = None) -> Text:
    """The whole screen's content as one literal ``Text`` (no markup is parsed)."""
    text = Text()
    fields = detail_fields(message, tz)
    label_width = max(len(label) for label, _ in fields)
    for label, value in fields:
        text.append(f"{label:>{label_width}}  ", style="bold")
        style = "bold red" if label == "status" and message.is_failed else ""
        marker = "  ✗ failed" if label == "status" and message.is_failed else ""
        text.append(value + marker, style=style)
        text.append("\n")
    text.append("\nbody\n", style="bold underline")
    text.append(sanitize(message.body) or "(empty)")
    text.append("\n\nraw payload\n", style="bold underline")
    text.append(raw_json(message))
    return text


class DetailScreen(ModalScreen[None]):
    """A scrollable modal with everything known about one message."""

    DEFAULT_CSS = """
    DetailScreen { align: center middle; }
    DetailScreen > VerticalScroll {
        width: 90%;
        max-width: 120;
        height: 90%;
        border: round $accent;
        border-title-align: left;
        background: $surface;
        padding: 0 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = identify(
        "detail",
        [
            Binding("escape,q", "close", "close"),
            Binding("y", "copy_body", "copy text"),
            Binding("j", "scroll(1)", "down", show=False),
            Binding("k", "scroll(-1)", "up", show=False),
        ],
    )

    def __init__(self, message: SmsMessage, *, tz: tzinfo | None = None) -> None:
        super().__init__()
        self.message = message
        self._tz = tz

    def compose(self) -> ComposeResult:
        scroll = VerticalScroll(id="detail-scroll")
        scroll.border_title = f"message {sanitize(self.message.id, keep_newlines=False)[:60]}"
        scroll.border_subtitle = "esc close · y copy text"
        with scroll:
            yield Static(detail_text(self.message, self._tz), id="detail-body", markup=False)
        yield Footer()  # this screen's keys, not the thread's underneath

    def on_mount(self) -> None:
        self.query_one("#detail-scroll").focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_copy_body(self) -> None:
        self.app.copy_to_clipboard(sanitize(self.message.body))
        self.notify("copied message text", timeout=2)

    def action_scroll(self, lines: int) -> None:
        self.query_one("#detail-scroll", VerticalScroll).scroll_relative(y=lines, animate=False)
