"""Template merge tokens (``{{first_name}}``-style, as heymarket templates use) filled from
a conversation's contact. Unknown tokens are kept as typed, so the user sees them before
sending; a known token with no value (no name on file) becomes empty."""

from __future__ import annotations

import re

from inbox_tui.models import Conversation
from inbox_tui.phone import pretty
from inbox_tui.text import one_line

_TOKEN = re.compile(r"\{\{\s*([A-Za-z_]+)\s*\}\}")


def token_values(conversation: Conversation) -> dict[str, str]:
    name = one_line(conversation.name or "", 80).strip()
    first, _, last = name.partition(" ")
    return {
        "first_name": first,
        "last_name": last.strip(),
        "name": name,
        "full_name": name,
        "phone": pretty(conversation.contact),
        "phone_number": pretty(conversation.contact),
    }


def fill(text: str, conversation: Conversation) -> str:
    values = token_values(conversation)

    def replace(match: re.Match[str]) -> str:
        return values.get(match.group(1).lower(), match.group(0))

    return _TOKEN.sub(replace, text)
