"""``e``: where the open conversation is exported (the writing is ``inbox_tui.core.export``)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from inbox_tui.models import Conversation


def default_path(conversation: Conversation, now: datetime, fmt: str = "md") -> Path:
    digits = conversation.contact.lstrip("+") or "conversation"
    return Path.cwd() / f"inbox-{digits}-{now:%Y%m%d-%H%M%S}.{fmt}"
