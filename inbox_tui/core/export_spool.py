"""Where an export keeps the thread while it is walked: on disk, a page at a time.

The pager walks newest first and the export is written oldest first, so nothing can be
written before the walk ends. Holding every message meant memory growing with the thread
(91 MB for 10,000 messages); the spool keeps each page (filtered, deduplicated, without
the vendor payload) as one pickled chunk in an anonymous temporary file, and reads the
chunks back in reverse: memory holds one page plus the ids already seen.

Pages of a correct pager never overlap, so reversed pages each sorted are the whole
thread sorted. A page that does overlap an older one (a misbehaving server) switches
the read-back to loading everything and sorting it, as before: never a wrong order.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator
from datetime import datetime

from inbox_tui.core.sync import without_raw
from inbox_tui.filters import Filters
from inbox_tui.models import Message


class Spool:
    def __init__(self, filters: Filters) -> None:
        self.filters = filters
        # Unnamed: gone when closed, never shared. Closed by close() (the caller owns it).
        self._file = tempfile.TemporaryFile()  # noqa: SIM115
        self._chunks: list[tuple[int, int]] = []  # (offset, length), in walk order
        self._ids: set[str] = set()
        self._oldest: tuple[datetime, str] | None = None  # smallest sort key so far
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
        kept = without_raw([m for m in fresh if self.filters.matches(m)])
        if not kept:
            return
        data = pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL)
        offset = self._file.seek(0, 2)
        self._file.write(data)
        self._chunks.append((offset, len(data)))
        self.count += len(kept)

    def _chunk(self, offset: int, length: int) -> list[Message]:
        self._file.seek(offset)
        # Our own temporary file, written above by this process: never outside data.
        return pickle.loads(self._file.read(length))

    def __iter__(self) -> Iterator[Message]:
        """Every kept message, oldest first."""
        if not self.ordered:
            everything = [m for chunk in self._chunks for m in self._chunk(*chunk)]
            yield from sorted(everything, key=lambda m: m.sort_key)
            return
        for chunk in reversed(self._chunks):
            yield from sorted(self._chunk(*chunk), key=lambda m: m.sort_key)

    def __len__(self) -> int:
        return self.count

    def close(self) -> None:
        self._file.close()
