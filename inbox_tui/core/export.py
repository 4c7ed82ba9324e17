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
import difflib
import io
import os
import stat
import tempfile
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from inbox_tui.config import ConfigError
from inbox_tui.core.backend import Backend, MessagePager
from inbox_tui.core.export_rows import (  # noqa: F401  (the formats' names, re-exported)
    COLUMNS,
    ROWS,
    _csv_cell,
    _field,
    _md,
    header,
    md_title,
    normalise,
)
from inbox_tui.core.export_spool import Spool
from inbox_tui.core.export_through_cache import walk_through_cache
from inbox_tui.errors import BadResponse, NotFound
from inbox_tui.filters import FilterError, Filters, date_range
from inbox_tui.models import (
    FAILED_STATUSES,
    KNOWN_STATUSES,
    Conversation,
    Direction,
    Message,
    conversation_key,
)
from inbox_tui.phone import to_e164
from inbox_tui.store import ConversationCursor, MessagePosition, Store

# A pager that returns empty batches while claiming more exist is broken: stop, don't spin.
MAX_EMPTY_BATCHES = 20

Progress = Callable[[int], None]


# --- filters ------------------------------------------------------------------------------


VALID_STATUSES = tuple(dict.fromkeys((*KNOWN_STATUSES, *sorted(FAILED_STATUSES))))


def _check_statuses(wanted: set[str]) -> None:
    """A misspelt status would silently match nothing (and export nothing)."""
    unknown = sorted(wanted.difference(VALID_STATUSES))
    if not unknown:
        return
    close = difflib.get_close_matches(unknown[0], VALID_STATUSES, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise ConfigError(
        f"unknown --status {', '.join(unknown)}{hint}; valid: {', '.join(VALID_STATUSES)}"
    )


def build_filters(
    *,
    direction: str | None = None,
    statuses: Iterable[str] = (),
    since: str | None = None,
    until: str | None = None,
) -> Filters:
    """The CLI's filter flags as the filter pane's :class:`Filters` (the dates follow
    :func:`inbox_tui.filters.date_range`: both ends inclusive, a bare date is a whole day)."""
    wanted: set[str] = set()
    for item in statuses:
        wanted.update(part.strip().lower() for part in item.split(",") if part.strip())
    _check_statuses(wanted)
    try:
        after, before = date_range(since, until, fields=("--since", "--until"))
    except FilterError as error:  # the CLI's line names the flag
        raise ConfigError(f"{error.field}: {error}") from None
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
    rejected = 0  # unreadable records in the inboxes searched: an empty result says so
    for inbox in inboxes:
        conversation = conversation_for(contact, inbox.id)
        pager = backend.thread(conversation, filters)
        try:
            first = await pager.older()
        except NotFound:  # heymarket: no such conversation in this inbox
            continue
        rejected += pager.rejected
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
        # Not "none match" and not "none readable" (BadResponse, below): no such contact.
        if filters.is_empty() and rejected == 0:
            raise ConfigError(note)
        return conversation, _EmptyPager(rejected), [], note
    conversation, pager, first, label = hits[0]
    return conversation, pager, first, f"using inbox {label}"


async def collect(
    pager: MessagePager,
    first: list[Message],
    filters: Filters,
    progress: Progress | None = None,
) -> list[Message]:
    """Every message of the thread (starting with the already fetched ``first`` batch) that
    matches ``filters``, oldest first, each id once (in memory: see :func:`spool`)."""
    spooled = await spool(pager, first, filters, progress)
    try:
        return list(spooled)
    finally:
        spooled.close()


async def spool(
    pager: MessagePager,
    first: list[Message],
    filters: Filters,
    progress: Progress | None = None,
    fmt: str | None = None,
) -> Spool:
    """Walk the thread into a :class:`Spool` (on disk, page by page; iterate it for the
    messages oldest first, or with ``fmt`` hand it to :func:`write_export`, then close it).
    A thread whose every record was unreadable raises :class:`BadResponse` instead of
    exporting nothing as if it were empty."""
    spooled = Spool(filters, fmt)
    try:
        spooled.add(first)
        seen = len(first)
        if progress:
            progress(seen)
        empty = 0
        async with contextlib.aclosing(_ahead(pager)) as pages:
            async for batch in pages:
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
        if seen == 0:
            rejected = pager.rejected
            if rejected > 0:
                raise BadResponse(
                    f"the server sent {rejected} message record(s) and none could be read "
                    "(details in the log); nothing was exported"
                )
    except BaseException:
        spooled.close()
        raise
    return spooled


_DONE = object()
# Loop turns the fetch task gets before the caller formats a page: enough for httpx to
# put the next request on the wire (measured: 2-4; more changes nothing).
AHEAD_TURNS = 4


async def _ahead(pager: MessagePager) -> AsyncIterator[list[Message]]:
    """The pager's older pages, one fetched ahead: the next request is on the wire (and
    the server preparing it) while the caller formats the page it has. At most two pages
    wait, so memory stays constant."""
    queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=1)

    async def fetch() -> None:
        try:
            while not pager.exhausted:
                await queue.put(await pager.older())
        except Exception as error:  # handed to the caller, raised there
            await queue.put(error)
            return
        await queue.put(_DONE)

    task = asyncio.create_task(fetch())
    try:
        while (item := await queue.get()) is not _DONE:
            if isinstance(item, Exception):
                raise item
            for _ in range(AHEAD_TURNS):  # let the next request go out before formatting
                await asyncio.sleep(0)
            yield item
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class _EmptyPager:
    """No thread found; ``rejected`` carries the unreadable records met while looking."""

    exhausted = complete = True
    partial = False
    requests = 0

    def __init__(self, rejected: int = 0) -> None:
        self.rejected = rejected

    async def older(self) -> list[Message]:
        return []

    async def newer(self) -> list[Message]:
        return []


# --- formats --------------------------------------------------------------------------------


def messages_named(messages: Iterable[Message]) -> Iterable[Message]:
    return (m for m in messages if m.contact_name)


def _write_rows(fmt: str, messages: Iterable[Message], out: IO[str]) -> None:
    row = ROWS[fmt]
    for message in messages:
        out.write(row(message))


def write_jsonl(messages: Iterable[Message], out: IO[str], conversation: Conversation) -> None:
    _write_rows("jsonl", messages, out)


def write_csv(messages: Iterable[Message], out: IO[str], conversation: Conversation) -> None:
    out.write(header("csv", conversation, None))
    _write_rows("csv", messages, out)


def write_md(messages: Iterable[Message], out: IO[str], conversation: Conversation) -> None:
    messages = list(messages)
    name = next((m.contact_name for m in messages_named(messages)), None)
    out.write(md_title(conversation, name))
    _write_rows("md", messages, out)


WRITERS = {"jsonl": write_jsonl, "csv": write_csv, "md": write_md}


async def spool_from_cache(
    store: Store,
    backend: Backend,
    conversation: Conversation,
    filters: Filters,
    progress: Progress | None = None,
    fmt: str | None = None,
) -> Spool | None:
    """:func:`spool` through the cache when it holds the thread back to its beginning (see
    ``export_through_cache.py``); None when it cannot serve it: then walk the server."""
    walk = await walk_through_cache(store, backend, conversation, filters)
    if walk is None:
        return None
    spooled = await spool(walk, [], filters, progress, fmt)
    if (await walk.thread.state()).complete:
        return spooled
    spooled.close()  # the cache lost part of the thread meanwhile (an eviction)
    return None


async def export_conversation(
    backend: Backend,
    conversation: Conversation,
    path: Path,
    fmt: str = "md",
    filters: Filters | None = None,
    store: Store | None = None,
) -> int:
    """The UI's ``e``: write the whole of ``conversation`` to ``path`` (atomically, the file
    write off the event loop); returns the number of messages written. With ``store``, a
    thread cached back to its beginning is read from it after the newer part is fetched."""
    filters = filters or Filters()
    spooled = None
    if store is not None:
        spooled = await spool_from_cache(store, backend, conversation, filters, fmt=fmt)
    if spooled is None:
        spooled = await spool(backend.thread(conversation, filters), [], filters, fmt=fmt)
    try:
        await asyncio.to_thread(write_export, spooled, conversation, fmt, io.StringIO(), path)
    finally:
        spooled.close()
    return len(spooled)


class IncompleteCache(ConfigError):
    """Offline, the cache lacks part of the thread: nothing is written, and the message says
    what is missing."""


CACHE_BATCH = 500


async def cached_messages(store: Store, conversation: Conversation) -> list[Message] | None:
    """Every message of ``conversation`` from the cache, oldest first, when the cache holds
    the whole thread (fetched back to its beginning); else None."""
    state = await store.thread_state(conversation.key)
    if not state.complete:
        return None
    batches: list[list[Message]] = []
    before: MessagePosition | None = None
    while True:
        batch = await store.thread_window(
            conversation.key, before=before, limit=CACHE_BATCH, compact=True
        )
        if not batch:
            break
        batches.append(batch)
        before = MessagePosition.of(batch[0])
        if len(batch) < CACHE_BATCH:
            break
    return [m for batch in reversed(batches) for m in batch]


async def cached_conversation(store: Store, contact: str, inbox_id: str | None) -> Conversation:
    """The cached conversation with ``contact`` (in ``inbox_id`` when given): the CLI's
    ``export --offline``. None cached, or several inboxes holding it, is an error."""
    number = conversation_for(contact, inbox_id).contact
    found: list[Conversation] = []
    after: ConversationCursor | None = None
    while page := await store.conversation_page(inbox_id=inbox_id, after=after, limit=500):
        found.extend(c for c in page if c.contact == number)
        after = ConversationCursor.of(page[-1])
    if not found:
        where = f" in inbox {inbox_id}" if inbox_id else ""
        raise ConfigError(f"offline: no cached conversation with {number}{where}")
    if len(found) > 1:
        inboxes = ", ".join(sorted(c.inbox_id or "?" for c in found))
        raise ConfigError(f"{number} is cached in several inboxes ({inboxes}); pass --inbox ID")
    return found[0]


async def export_cached(
    store: Store, conversation: Conversation, path: Path, fmt: str = "md"
) -> int:
    """Offline ``e``: write the thread from the cache, or say what is missing."""
    messages = await complete_cached(store, conversation)
    await asyncio.to_thread(write_export, messages, conversation, fmt, io.StringIO(), path)
    return len(messages)


async def complete_cached(store: Store, conversation: Conversation) -> list[Message]:
    """:func:`cached_messages`, or :class:`IncompleteCache` saying what is missing."""
    messages = await cached_messages(store, conversation)
    if messages is None:
        held = await store.count_messages(conversation.key)
        raise IncompleteCache(
            f"offline: the cache holds {held:,} message(s) of this conversation but not its "
            "beginning; open it online and scroll to the top (g) once, then export again"
        )
    return messages


def write_export(
    messages: Iterable[Message],
    conversation: Conversation,
    fmt: str,
    stdout: IO[str],
    output: Path | None = None,
) -> None:
    """Write ``messages`` in ``fmt`` to ``stdout`` or, atomically, to ``output`` (a temp file
    beside it, renamed into place: never a half-written file)."""
    writer = _writer(messages, fmt)
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


def _writer(messages: Iterable[Message], fmt: str) -> Callable[..., None]:
    """A spool of rows already in ``fmt`` writes itself; anything else is formatted here."""
    if isinstance(messages, Spool) and messages.fmt is not None:
        if messages.fmt != fmt:
            raise ValueError(f"the spool holds {messages.fmt} rows, not {fmt}")
        spooled = messages
        return lambda _messages, out, conversation: spooled.write(out, conversation)
    return WRITERS[fmt]


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
