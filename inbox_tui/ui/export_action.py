"""``e``: export the open conversation to a file, reusing ``inbox_tui.export``."""

from __future__ import annotations

import asyncio
import io
from datetime import datetime
from pathlib import Path

from inbox_tui import export as exporter
from inbox_tui.core.backend import Backend
from inbox_tui.models import Conversation, Filters


def default_path(conversation: Conversation, now: datetime, fmt: str = "md") -> Path:
    digits = conversation.contact.lstrip("+") or "conversation"
    return Path.cwd() / f"inbox-{digits}-{now:%Y%m%d-%H%M%S}.{fmt}"


async def export_conversation(
    backend: Backend, conversation: Conversation, path: Path, fmt: str = "md"
) -> int:
    """Write every message of ``conversation`` to ``path``; returns the message count."""
    custom = getattr(exporter, "export_conversation", None)
    if custom is not None:
        result = await custom(backend, conversation, path, fmt)
        return int(result or 0)
    messages = await exporter.collect(backend.thread(conversation), [], Filters())
    # The atomic file write blocks: keep it off the event loop.
    await asyncio.to_thread(exporter.write_export, messages, conversation, fmt, io.StringIO(), path)
    return len(messages)
