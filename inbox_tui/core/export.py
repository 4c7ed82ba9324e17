"""``inbox-tui export``: one whole conversation, oldest first, as jsonl, csv or markdown.

The thread is walked with the same pager the UI uses (``backend.thread(...).older()``
until ``exhausted``), so the export shares its guarantees: no message lost at page
boundaries, none repeated. Filters are applied locally with :meth:`Filters.matches` on
top of whatever the server applied (re-applying a server filter is harmless and keeps
the two sides' boundary semantics from leaking into the result).
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any

from inbox_tui.api.parse import rfc3339, skipped_count
from inbox_tui.config import ConfigError
from inbox_tui.core.backend import Backend, MessagePager
from inbox_tui.core.export_spool import Spool
from inbox_tui.dates import stamp
from inbox_tui.errors import BadResponse, NotFound
from inbox_tui.models import Conversation, Direction, Filters, Message, conversation_key
from inbox_tui.phone import pretty, to_e164
from inbox_tui.text import sanitize

FORMATS = ("jsonl", "csv", "md")
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
# A pager that returns empty batches while claiming more exist is broken: stop, don't spin.
MAX_EMPTY_BATCHES = 20

Progress = Callable[[int], None]


# --- filters ------------------------------------------------------------------------------


def parse_when(text: str, *, end_of_day: bool = False) -> datetime:
    """``2024-01-15`` or ``2024-01-15T10:30[:00][Z|+02:00]``; naive times are UTC. With
    ``end_of_day`` a bare date means the start of the *next* day (so ``--until`` includes it)."""
    value = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            day = datetime.combine(datetime.fromisoformat(value).date(), time(), tzinfo=UTC)
            return day + timedelta(days=1) if end_of_day else day
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ConfigError(
            f"cannot read the date '{text}': write 2024-01-15 or 2024-01-15T10:30:00Z"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def build_filters(
    *,
    direction: str | None = None,
    statuses: Iterable[str] = (),
    since: str | None = None,
    until: str | None = None,
) -> Filters:
    """The CLI's filter flags as the filter pane's :class:`Filters`. ``since`` is inclusive
    (``Filters.after`` is strict, hence the microsecond); ``until`` is exclusive, and a bare
    date includes that whole day."""
    wanted: set[str] = set()
    for item in statuses:
        wanted.update(part.strip().lower() for part in item.split(",") if part.strip())
    after = parse_when(since) - timedelta(microseconds=1) if since else None
    before = parse_when(until, end_of_day=True) if until else None
    if after and before and before <= after:
        raise ConfigError(f"--until {until} is not after --since {since}")
    return Filters(
        direction=Direction(direction) if direction else None,
        statuses=frozenset(wanted),
        after=after,
        before=before,
    )


# --- walking the thread ---------------------------------------------------------------------


def conversation_for(contact: str, inbox_id: str | None) -> Conversation:
    number = to_e164(contact)
    if not number.startswith("+") or len(number) < 4:
        raise ConfigError(f"'{contact}' is not a phone number; write e.g. +14155550100")
    return Conversation(
        key=conversation_key(number, inbox_id or None),
        contact=number,
        inbox_id=inbox_id or None,
        last_at=datetime.now(UTC),
    )


async def locate(
    backend: Backend, contact: str, inbox_id: str | None, filters: Filters
) -> tuple[Conversation, MessagePager, list[Message], str | None]:
    """The conversation to export, a pager already started on it, its first batch, and a
    note for the user when the inbox had to be searched for.

    heymarket threads live in one inbox: without ``inbox_id`` every visible inbox is tried
    and exactly one must hold the contact."""
    if inbox_id or backend.kind != "heymarket":
        conversation = conversation_for(contact, inbox_id)
        pager = backend.thread(conversation, filters)
        try:
            first = await pager.older()
        except NotFound as exc:
            where = f" in inbox {inbox_id}" if inbox_id else ""
            raise ConfigError(
                f"no conversation with {conversation.contact}{where} "
                f"(HTTP {exc.status or 404} from the server)"
            ) from None
        return conversation, pager, first, None
    inboxes = await backend.inboxes()
    if not inboxes:
        raise ConfigError("these credentials see no inbox; pass --inbox ID")
    hits: list[tuple[Conversation, MessagePager, list[Message], str]] = []
    for inbox in inboxes:
        conversation = conversation_for(contact, inbox.id)
        pager = backend.thread(conversation, filters)
        try:
            first = await pager.older()
        except NotFound:  # heymarket: no such conversation in this inbox
            continue
        if first:
            hits.append((conversation, pager, first, f"{inbox.name} ({inbox.id})"))
    if len(hits) > 1:
        names = ", ".join(hit[3] for hit in hits)
        raise ConfigError(
            f"{to_e164(contact)} has conversations in several inboxes ({names}); "
            "pass --inbox ID to choose one"
        )
    if not hits:
        conversation = conversation_for(contact, inboxes[0].id if len(inboxes) == 1 else None)
        note = f"no messages with {conversation.contact} in {len(inboxes)} visible inbox(es)"
        return conversation, _EmptyPager(), [], note
    conversation, pager, first, label = hits[0]
    return conversation, pager, first, f"using inbox {label}"


async def collect(
    pager: MessagePager,
    first: list[Message],
    filters: Filters,
    progress: Progress | None = None,
    skipped_before: int | None = None,
) -> list[Message]:
    """Every message of the thread (starting with the already fetched ``first`` batch) that
    matches ``filters``, oldest first, each id once (in memory: see :func:`spool`)."""
    spooled = await spool(pager, first, filters, progress, skipped_before)
    try:
        return list(spooled)
    finally:
        spooled.close()


async def spool(
    pager: MessagePager,
    first: list[Message],
    filters: Filters,
    progress: Progress | None = None,
    skipped_before: int | None = None,
) -> Spool:
    """Walk the thread into a :class:`Spool` (on disk, page by page; iterate it for the
    messages oldest first, then close it).

    With ``skipped_before`` (:func:`skipped_count` before the walk began): a thread whose
    every record was unreadable raises :class:`BadResponse` instead of exporting nothing
    as if it were empty."""
    spooled = Spool(filters)
    try:
        spooled.add(first)
        seen = len(first)
        if progress:
            progress(seen)
        empty = 0
        while not pager.exhausted:
            batch = await pager.older()
            if not batch:
                empty += 1
                if empty >= MAX_EMPTY_BATCHES and not pager.exhausted:
                    raise BadResponse("the server keeps returning empty pages; export stopped")
                continue
            empty = 0
            spooled.add(batch)
            seen += len(batch)
            if progress:
                progress(seen)
        if seen == 0 and skipped_before is not None:
            rejected = skipped_count() - skipped_before
            if rejected > 0:
                raise BadResponse(
                    f"the server sent {rejected} message record(s) and none could be read "
                    "(details in the log); nothing was exported"
                )
    except BaseException:
        spooled.close()
        raise
    return spooled


class _EmptyPager:
    exhausted = True
    requests = 0

    async def older(self) -> list[Message]:
        return []

    async def newer(self) -> list[Message]:
        return []


# --- formats --------------------------------------------------------------------------------


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


def write_jsonl(messages: Iterable[Message], out: IO[str], conversation: Conversation) -> None:
    for message in messages:
        out.write(json.dumps(normalise(message), ensure_ascii=False) + "\n")


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


def write_csv(messages: Iterable[Message], out: IO[str], conversation: Conversation) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for message in messages:
        record = normalise(message)
        writer.writerow([_csv_cell(name, record[name]) for name in COLUMNS])


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text.replace("&", "&amp;"))


def write_md(messages: Iterable[Message], out: IO[str], conversation: Conversation) -> None:
    title = f"# Conversation with {pretty(conversation.contact)}"
    if conversation.inbox_id:
        title += f" (inbox {_md(sanitize(conversation.inbox_id, keep_newlines=False))})"
    out.write(title + "\n")
    for message in messages:
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
        out.write(f"\n**{head}** <!-- id {_md(record['id'] or '')} -->\n\n")
        body = record["body"] or ""
        lines = body.split("\n") if body else ["(no text)"]
        out.write("\n".join(f"> {_md(line)}" if line else ">" for line in lines) + "\n")
        if record["media_url"]:
            out.write(f">\n> media: {_md(record['media_url'])}\n")


WRITERS = {"jsonl": write_jsonl, "csv": write_csv, "md": write_md}


async def export_conversation(
    backend: Backend,
    conversation: Conversation,
    path: Path,
    fmt: str = "md",
    filters: Filters | None = None,
) -> int:
    """The UI's ``e``: write the whole of ``conversation`` to ``path`` (atomically, the file
    write off the event loop); returns the number of messages written."""
    filters = filters or Filters()
    spooled = await spool(
        backend.thread(conversation, filters), [], filters, skipped_before=skipped_count()
    )
    try:
        await asyncio.to_thread(write_export, spooled, conversation, fmt, io.StringIO(), path)
    finally:
        spooled.close()
    return len(spooled)


def write_export(
    messages: Iterable[Message],
    conversation: Conversation,
    fmt: str,
    stdout: IO[str],
    output: Path | None = None,
) -> None:
    """Write ``messages`` in ``fmt`` to ``stdout`` or, atomically, to ``output`` (a temp file
    beside it, renamed into place: never a half-written file)."""
    writer = WRITERS[fmt]
    if output is None:
        writer(messages, stdout, conversation)
        stdout.flush()
        return
    target = output.expanduser()
    if target.is_symlink() and not _trusted_stream_link(target):
        raise ConfigError(
            f"refusing to write {target}: it is a symbolic link (it could point at another "
            "file); remove it or choose another name"
        )
    if target.is_dir():
        raise ConfigError(f"cannot write {target}: it is a folder; name a file")
    if target.exists() and not target.is_file():
        # A device or FIFO (/dev/stdout, a named pipe): write into it, never rename over it.
        try:
            with open(target, "w", encoding="utf-8", newline="") as handle:
                writer(messages, handle, conversation)
        except OSError as exc:
            raise ConfigError(f"cannot write {target}: {exc.strerror or exc}") from None
        return
    directory = target.parent
    if not directory.is_dir():
        raise ConfigError(f"cannot write {output}: the folder {directory} does not exist")
    # mkstemp opens with O_CREAT|O_EXCL (mode 0600), which never follows a symlink; the
    # rename then replaces the name itself: a link planted meanwhile is replaced, its target
    # never written.
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=directory)
    except OSError as exc:
        raise ConfigError(f"cannot write in {directory}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            writer(messages, handle, conversation)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(exc, OSError):
            raise ConfigError(f"cannot write {target}: {exc.strerror or exc}") from None
        raise


def _trusted_stream_link(link: Path) -> bool:
    """``/dev/stdout`` and friends: a link owned by root or by us that ends at a device or
    pipe, not at a file (those are written into; any other symlink is refused)."""
    try:
        owner = link.lstat().st_uid
        mode = link.stat().st_mode
    except OSError:
        return False
    ours = owner in (0, os.getuid()) if hasattr(os, "getuid") else False
    return ours and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)
