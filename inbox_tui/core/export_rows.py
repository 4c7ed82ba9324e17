"""The export formats, one message at a time: :func:`format_row` turns a message into its
finished text (a jsonl line, a csv line, a markdown block) and :func:`header` gives what
comes before the first row.

Formatting a row the moment its page arrives lets the export keep text, not models, while
it walks the thread (``export_spool.py``); the writers for an in-memory list
(``export.write_jsonl`` & co.) use the same functions, so both paths write the same bytes.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from typing import Any

from inbox_tui.dates import rfc3339, stamp
from inbox_tui.models import Conversation, Direction, Message
from inbox_tui.phone import pretty
from inbox_tui.text import sanitize

COLUMNS = (
    "id",
    "created_at",
    "direction",
    "status",
    "contact",
    "own_number",
    "author",
    "body",
    "media_url",
    "flagged",
    "kind",
    "inbox_id",
)
FORMATS = ("jsonl", "csv", "md")


def normalise(message: Message) -> dict[str, Any]:
    """One exported record: the normalised fields only (never ``raw``, never auth data)."""
    return {
        "id": _field(message.id),
        "created_at": rfc3339(message.created_at),
        "direction": message.direction.value,
        "status": _field(message.status),
        "contact": _field(message.contact),
        "own_number": _field(message.own_number),
        "author": _field(message.author or None),
        "body": sanitize(message.body),
        "media_url": _field(message.media_url or None),
        "flagged": message.flagged,
        "kind": _field(message.kind),
        "inbox_id": _field(message.inbox_id),
    }


def _field(value: str | None) -> str | None:
    """Server-supplied ids and labels are data too: no control characters, no lone
    surrogates (csv/md would carry them raw, and a surrogate cannot be written as UTF-8)."""
    return None if value is None else sanitize(value, keep_newlines=False)


# --- jsonl ----------------------------------------------------------------------------------


def jsonl_row(message: Message) -> str:
    return json.dumps(normalise(message), ensure_ascii=False) + "\n"


# --- csv ------------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# What a spreadsheet may skip before it sees a formula's first character.
_FORMULA_LEAD = " \t\r\n\"'\u00a0\u3000"
# A plain number (a phone number in E.164, a numeric id) is harmless as a formula.
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def _csv_cell(name: str, value: object) -> object:
    """Every server-supplied cell is neutralised (OWASP): a cell that starts, after any
    leading quotes or blanks, with = + - @ TAB or CR gets a ``'`` in front, so a
    spreadsheet shows it as text instead of running it (``=HYPERLINK(...)``, ``@sum(1)``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if (
        isinstance(value, str)
        and (
            value.startswith(_FORMULA_START)
            or value.lstrip(_FORMULA_LEAD).startswith(_FORMULA_START)
        )
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


class _Echo:
    """A "file" whose ``write`` returns what it is given: ``csv.writer(...).writerow``
    then returns the formatted line."""

    def write(self, text: str) -> str:
        return text


_CSV = csv.writer(_Echo(), lineterminator="\n")


def csv_row(message: Message) -> str:
    record = normalise(message)
    return _CSV.writerow([_csv_cell(name, record[name]) for name in COLUMNS])


# --- markdown -------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text.replace("&", "&amp;"))


def md_row(message: Message) -> str:
    record = normalise(message)
    arrow = "←" if message.direction == Direction.INBOUND else "→"
    head = f"{arrow} {stamp(message.created_at)} UTC · {record['direction']}"
    if record["status"]:
        head += f" · {_md(record['status'])}"
    if message.is_note:
        head += " · note"
    if record["author"]:
        head += f" · {_md(record['author'])}"
    if message.flagged:
        head += " · flagged"
    parts = [f"\n**{head}** <!-- id {_md(record['id'] or '')} -->\n\n"]
    body = record["body"] or ""
    lines = body.split("\n") if body else ["(no text)"]
    parts.append("\n".join(f"> {_md(line)}" if line else ">" for line in lines) + "\n")
    if record["media_url"]:
        parts.append(f">\n> media: {_md(record['media_url'])}\n")
    return "".join(parts)


def md_title(conversation: Conversation, name: str | None) -> str:
    """``name``: the conversation's, else the contact name of its oldest named message."""
    who = pretty(conversation.contact)
    name = conversation.name or name
    if name:
        who = f"{_md(sanitize(name, keep_newlines=False))}, {who}"
    title = f"# Conversation with {who}"
    if conversation.inbox_id:
        title += f" (inbox {_md(sanitize(conversation.inbox_id, keep_newlines=False))})"
    return title + "\n"


# --- per format -----------------------------------------------------------------------------

ROWS: dict[str, Callable[[Message], str]] = {"jsonl": jsonl_row, "csv": csv_row, "md": md_row}


def format_row(fmt: str, message: Message) -> str:
    return ROWS[fmt](message)


def header(fmt: str, conversation: Conversation, name: str | None) -> str:
    """What precedes the rows: csv's column names, markdown's title, nothing for jsonl."""
    if fmt == "csv":
        return _CSV.writerow(COLUMNS)
    if fmt == "md":
        return md_title(conversation, name)
    return ""
