"""Where an export keeps the thread while it is walked: on disk, a page at a time.

The pager walks newest first and the export is written oldest first, so nothing can be
written before the walk ends. Holding every message meant memory growing with the thread
(91 MB for 10,000 messages); the spool keeps each page (filtered, deduplicated) as one
pickled chunk in an anonymous temporary file, and reads the chunks back in reverse:
memory holds one page plus the ids already seen.

With a format (``Spool(filters, "csv")``) each message is formatted the moment its page
arrives (``export_rows.py``) and the chunk holds finished text: writing the file is then
reading chunks back and writing them out, with no model kept, copied or pickled. Without
one the chunk holds the messages (without the vendor payload), read back by iterating.

Pages of a correct pager never overlap, so reversed pages each sorted are the whole
thread sorted. A page that does overlap an older one (a misbehaving server) switches
the read-back to loading everything and sorting it, as before: never a wrong order.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

from inbox_tui.core.export_rows import ROWS, header
from inbox_tui.core.sync import without_raw
from inbox_tui.filters import Filters
from inbox_tui.models import Conversation, Message

SortKey = tuple[datetime, str]


class Spool:
    def __init__(self, filters: Filters, fmt: str | None = None) -> None:
        self.filters = filters
        self.fmt = fmt  # None: keep messages; else keep their rows in this format
        # Unnamed: gone when closed, never shared. Closed by close() (the caller owns it).
        self._file = tempfile.TemporaryFile()  # noqa: SIM115
        self._chunks: list[tuple[int, int]] = []  # (offset, length), in walk order
        self._ids: set[str] = set()
        self._oldest: SortKey | None = None  # smallest sort key so far
        self._named: tuple[SortKey, str] | None = None  # oldest kept message with a name
        self.ordered = True
        self.count = 0  # messages kept (matching the filters)

    def add(self, batch: list[Message]) -> None:
        """A page of the walk (each page older than the ones before)."""
        fresh = []
        for message in batch:
            if message.id in self._ids:
                continue
            self._ids.add(message.id)
            fresh.append(message)
        if not fresh:
            return
        keys = [m.sort_key for m in fresh]
        if self._oldest is not None and max(keys) >= self._oldest:
            self.ordered = False
        low = min(keys)
        self._oldest = low if self._oldest is None else min(self._oldest, low)
        kept = sorted((m for m in fresh if self.filters.matches(m)), key=lambda m: m.sort_key)
        if not kept:
            return
        self._note_name(kept)
        items: list[Any]
        if self.fmt is None:
            items = without_raw(kept)
        else:
            row = ROWS[self.fmt]
            items = [row(m) for m in kept]
        data = pickle.dumps(([m.sort_key for m in kept], items), pickle.HIGHEST_PROTOCOL)
        offset = self._file.seek(0, 2)
        self._file.write(data)
        self._chunks.append((offset, len(data)))
        self.count += len(kept)

    def _note_name(self, kept: list[Message]) -> None:
        named = next(((m.sort_key, m.contact_name) for m in kept if m.contact_name), None)
        if named is not None and (self._named is None or named[0] < self._named[0]):
            self._named = named  # type: ignore[assignment]

    @property
    def contact_name(self) -> str | None:
        """The contact name of the oldest kept message that has one (markdown's title)."""
        return self._named[1] if self._named else None

    def _chunk(self, offset: int, length: int) -> tuple[list[SortKey], list[Any]]:
        self._file.seek(offset)
        # Our own temporary file, written above by this process: never outside data.
        return pickle.loads(self._file.read(length))

    def _items(self) -> Iterator[list[Any]]:
        """Kept items (messages or rows), oldest first, a chunk at a time."""
        if not self.ordered:
            pairs = []
            for chunk in self._chunks:
                keys, items = self._chunk(*chunk)
                pairs.extend(zip(keys, items, strict=True))
            pairs.sort(key=lambda pair: pair[0])
            yield [item for _, item in pairs]
            return
        for chunk in reversed(self._chunks):
            yield self._chunk(*chunk)[1]

    def __iter__(self) -> Iterator[Message]:
        """Every kept message, oldest first (a spool without a format)."""
        if self.fmt is not None:
            raise TypeError(f"this spool holds {self.fmt} rows, not messages")
        for items in self._items():
            yield from items

    def write(self, out: IO[str], conversation: Conversation) -> None:
        """The export in the spool's format: header, then every row oldest first."""
        assert self.fmt is not None
        out.write(header(self.fmt, conversation, self.contact_name))
        for rows in self._items():
            out.write("".join(rows))

    def __len__(self) -> int:
        return self.count

    def close(self) -> None:
        self._file.close()
