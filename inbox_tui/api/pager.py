"""Timeline pagers: walk a message timeline backwards through a before-cursor API without
losing or repeating a message, and say "no more" only when certain.

Both API styles page by a *before* bound on the creation time, and both have the same trap:
timestamps are coarse (whole seconds, or an instant shared by a burst) so a page boundary can
split messages that share one. :class:`TimelinePager` therefore

* asks for a bound that **re-includes** the oldest second (or instant) already seen and drops
  what it has seen by id;
* detects a full page that moved the bound no further (a burst at least a page long) and
  escalates: the next page number under the same bound (APIs that have stable page numbers),
  else a bound just past the oldest *instant* (APIs with sub-second times), else a strict
  bound that skips the burst: the skipped span is recorded in :attr:`gaps` and logged,
  because those messages cannot be reached;
* ends only on a page with fewer rows than the page size (everything under the bound was in
  it), or when the walk has passed the ``after`` bound;
* never trusts one date over the server's own paging: the messages that set a re-inclusive
  bound must come back under it. When they do not (a 1970 date on a message the server holds
  among this year's), they are kept but marked as outliers and the walk continues from the
  oldest of the other messages of their page, so one bad date cannot make it skip the rest;
  if no message of that page can be trusted, :class:`~inbox_tui.errors.PagingError`;
* stops with :class:`~inbox_tui.errors.PagingError` when a full page came back the same
  ``NO_PROGRESS_PAGES`` times in a row with nothing new, whatever the cursor asked (a server
  that ignores the cursor would otherwise be asked for the same page for ever);
* releases a message only once nothing that sorts above it can still arrive: messages in the
  oldest, still open second are held back until the bound moves below it, so the
  concatenation of :meth:`~TimelinePager.older` batches is in strict ``sort_key`` order.

Resuming from a cache: pass ``start_before`` (the ``created_at`` of the oldest message held
from a contiguous walk from the top) and ``known_ids`` (at least the ids of the messages in
that message's second; pass all known ids to make :meth:`~TimelinePager.newer` exact). The
walk then starts at the bound re-including that second and returns only unseen messages.

:class:`MergedPager` merges several such streams (the workspace API's ``from=X`` and ``to=X``
halves of one conversation) and emits only what is provably in order.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from inbox_tui.dates import shifted
from inbox_tui.errors import PagingError
from inbox_tui.models import Message

log = logging.getLogger("inbox_tui.api")

SECOND = timedelta(seconds=1)
MICROSECOND = timedelta(microseconds=1)
NEWEST = datetime.max.replace(tzinfo=UTC)
OLDEST = datetime.min.replace(tzinfo=UTC)
# Repeats of the same full page with nothing new before the walk gives up (a well-behaved
# server repeats one at most twice, while the pager escalates past a burst of equal times).
NO_PROGRESS_PAGES = 3


@dataclass(frozen=True)
class Page:
    """One API response: the messages understood, and how many rows the server sent (a row
    that could not be parsed still counts toward "the page was full")."""

    messages: list[Message]
    rows: int


@dataclass(frozen=True)
class Cursor:
    """Ask for messages created strictly before ``before`` (None: the newest page);
    ``page`` > 1 only for APIs whose page numbers are stable under a fixed bound."""

    before: datetime | None = None
    page: int = 1


@dataclass(frozen=True)
class Gap:
    """Messages created in ``[start, end)`` may exist that the API could not return."""

    start: datetime
    end: datetime


Fetch = Callable[[Cursor], Awaitable[Page]]


def floor_second(value: datetime) -> datetime:
    return value.replace(microsecond=0)


def ceil_second(value: datetime) -> datetime:
    floor = floor_second(value)
    return floor if floor == value else _plus(floor, SECOND)


def _plus(value: datetime, delta: timedelta) -> datetime:
    """``value + delta``, clamped (a year-9999 date must not crash a walk)."""
    return shifted(value, delta)


class TimelinePager:
    """A boundary-safe backwards cursor over one timeline (see the module docstring).

    ``fetch`` turns a :class:`Cursor` into a :class:`Page`; the backend maps the bound to its
    parameter (the pager keeps bounds at the API's resolution, so no rounding is needed).
    ``page_size`` is the number of rows a full page has. ``subsecond``: the API compares
    sub-second times (its bound may be any microsecond). ``paged``: the API accepts stable
    page numbers under a fixed bound. ``before``/``after``: optional filter bounds (only
    messages created in ``(after, before)`` are returned).
    """

    partial = False  # a server walk never stops early because a copy ends

    def __init__(
        self,
        fetch: Fetch,
        *,
        page_size: int,
        subsecond: bool = False,
        paged: bool = False,
        before: datetime | None = None,
        after: datetime | None = None,
        start_before: datetime | None = None,
        known_ids: Iterable[str] = (),
        label: str = "timeline",
        max_catchup_pages: int = 20,
    ) -> None:
        if page_size < 1:
            raise ValueError("page_size must be positive")
        self._fetch = fetch
        self.page_size = page_size
        self.subsecond = subsecond
        self.paged = paged
        self.label = label
        self.max_catchup_pages = max_catchup_pages
        self._ceiling = before
        self._after = after
        self._seen: set[str] = set(known_ids)
        self.rejected = 0  # rows the server sent that could not be read (logged, skipped)
        self._held: list[Message] = []
        self._oldest: datetime | None = None
        self._newest: datetime | None = None
        self._requests = 0
        self._exhausted = False
        self._started = False
        self.gaps: list[Gap] = []
        self._cursor = Cursor(self._resolve(before) if before else None)
        # Ids this walk has received (known_ids from a cache are not: a resumed walk may
        # legitimately page through a burst it already holds).
        self._met: set[str] = set()
        self._repeats = 0  # full pages in a row that repeated the one before, nothing new
        self._last_ids: frozenset[str] | None = None
        # Messages whose dates the server's paging contradicted: kept, never a bound.
        self._outliers: set[str] = set()
        # The messages that set the current re-inclusive bound, and the page (and cursor)
        # they came from: the next page must bring them back, else they are outliers.
        self._anchors: frozenset[str] = frozenset()
        self._anchored: Cursor | None = None
        self._basis: tuple[Cursor, list[Message]] | None = None
        if start_before is not None:
            self._started = True
            self._oldest = start_before
            self._advance(self._cursor, start_before)

    # -- MessagePager protocol ------------------------------------------------------------
    @property
    def exhausted(self) -> bool:
        return self._exhausted and not self._held

    @property
    def complete(self) -> bool:
        """Exhausted and nothing skipped: the walk returned every message there is."""
        return self.exhausted and not self.gaps

    @property
    def requests(self) -> int:
        return self._requests

    @property
    def frontier(self) -> datetime:
        """Every message :meth:`older` may still return was created before this."""
        if self.exhausted:
            return OLDEST
        if self._exhausted:
            return min(m.created_at for m in self._held)
        return self._cursor.before or NEWEST

    @property
    def started(self) -> bool:
        """A page was fetched, or the pager was resumed from known state."""
        return self._started

    async def older(self) -> list[Message]:
        while True:
            if self._exhausted:
                released, self._held = self._held, []
                return sorted(released, key=_key)
            cursor = self._cursor
            page = await self._get(cursor)
            self._started = True
            new = self._check_progress(page)
            missing = self._missing_anchors(cursor, page)
            self._held.extend(self._absorb(page.messages))
            if missing:
                self._rewind(missing)
                continue
            if not new and self._ignored_bound(cursor, page):
                continue  # ask again under the same bound; _check_progress ends a loop
            oldest = min(
                (m.created_at for m in page.messages if m.id not in self._outliers),
                default=None,
            )
            if oldest is not None and (self._oldest is None or oldest < self._oldest):
                self._oldest = oldest
            if page.rows < self.page_size:
                self._exhausted = True
            elif not page.messages and self.paged:
                self._cursor = Cursor(cursor.before, cursor.page + 1)  # unreadable page: skip it
            elif not page.messages or self._oldest is None:
                # A full page of records we could not read: no cursor to go on with.
                self._record_gap(Gap(OLDEST, cursor.before or NEWEST))
                self._exhausted = True
            elif self._after is not None and self._oldest <= self._after:
                self._exhausted = True  # everything further back is outside the filter
            else:
                self._advance(cursor, self._oldest)
                self._set_anchors(cursor, page.messages)
            if self._exhausted:
                continue
            bound = self._cursor.before
            if bound is None:  # still on the newest pages (after an unreadable one)
                continue
            ready = [m for m in self._held if m.created_at >= bound]
            if ready:
                self._held = [m for m in self._held if m.created_at < bound]
                return sorted(ready, key=_key)

    async def newer(self) -> list[Message]:
        """Unseen messages from the top of the timeline, oldest first. Walks back from the
        newest page until it meets a known message (at most ``max_catchup_pages``; beyond
        that the hole is recorded as a gap)."""
        if not self._started:
            return await self.older()
        reached: datetime | None = None
        cursor = Cursor(self._resolve(self._ceiling) if self._ceiling else None)
        found: list[Message] = []
        known = set(self._seen)
        for _ in range(self.max_catchup_pages):
            page = await self._get(cursor)
            overlap = any(m.id in known for m in page.messages)
            fresh = self._absorb(page.messages)
            found.extend(fresh)
            if overlap or page.rows < self.page_size or not page.messages:
                break
            oldest = min(m.created_at for m in page.messages)
            if self._oldest is not None and oldest < self._oldest:
                break  # walked past everything known without meeting it: nothing older
            nxt, gap = self._next(cursor, oldest)
            if gap is not None:
                self._record_gap(gap)
            cursor = nxt
            reached = oldest
        else:
            if reached is not None:
                self._record_gap(Gap(self._newest or OLDEST, reached))
        return sorted(found, key=_key)

    # -- internals ------------------------------------------------------------------------
    async def _get(self, cursor: Cursor) -> Page:
        self._requests += 1
        page = await self._fetch(cursor)
        self.rejected += max(page.rows - len(page.messages), 0)
        return page

    def _check_progress(self, page: Page) -> bool:
        """Count full pages that repeat the page before and bring no id this walk has not
        met; raise after a few in a row. (Different pages of known ids are legitimate: a
        re-inclusive bound pages back through a burst it has walked.)"""
        ids = frozenset(m.id for m in page.messages)
        new = not ids <= self._met
        self._met |= ids
        repeat = not new and page.rows >= self.page_size and ids == self._last_ids
        self._last_ids = ids
        self._repeats = self._repeats + 1 if repeat else 0
        if self._repeats >= NO_PROGRESS_PAGES:
            self._repeats = 0  # a retry (r) gets a fresh allowance
            log.warning("%s: the same page came back %d times", self.label, NO_PROGRESS_PAGES + 1)
            raise PagingError(
                f"the server ignored the paging cursor: stopped after {self._requests} requests"
            )
        return new

    def _ignored_bound(self, cursor: Cursor, page: Page) -> bool:
        """A full page mostly of messages a second or more past its bound: the server did
        not apply the cursor (one future-dated message is an outlier, not that). Escalating
        from such a page would record gaps that are not there, and leave a strict bound
        behind for a retry once the server behaves."""
        if cursor.before is None or page.rows < self.page_size:
            return False
        past = _plus(cursor.before, SECOND)
        trusted = [m for m in page.messages if m.id not in self._outliers]
        return sum(m.created_at >= past for m in trusted) * 2 > len(trusted)

    def _set_anchors(self, cursor: Cursor, messages: list[Message]) -> None:
        """Remember which messages of this page set the new bound, if it re-includes them."""
        oldest = self._oldest
        new = self._cursor
        trusted = [m for m in messages if m.id not in self._outliers]
        reinclusive = (
            oldest is not None
            and new.page == 1
            and new.before is not None
            and new.before > oldest
            and new.before - oldest <= SECOND
        )
        anchors = {m.id for m in trusted if m.created_at == oldest} if reinclusive else set()
        self._anchors = frozenset(anchors)
        self._anchored = new if anchors else None
        self._basis = (cursor, trusted) if anchors else None

    def _missing_anchors(self, cursor: Cursor, page: Page) -> set[str]:
        """The anchors this page should have brought back but did not. Only a full page of
        messages from their own second may crowd them out."""
        if not self._anchors or cursor != self._anchored or self._oldest is None:
            return set()
        missing = set(self._anchors - {m.id for m in page.messages})
        if not missing:
            return set()
        floor = floor_second(self._oldest)
        crowded = page.rows >= self.page_size and all(m.created_at >= floor for m in page.messages)
        return set() if crowded else missing

    def _rewind(self, missing: set[str]) -> None:
        """The server did not return ``missing`` under the bound their dates set: their dates
        are not where the server keeps them. Keep them, mark them, and continue from the
        oldest other message of the page they came from."""
        assert self._basis is not None
        cursor, messages = self._basis
        self._outliers |= missing
        trusted = [m for m in messages if m.id not in self._outliers]
        log.warning(
            "%s: %d message(s) dated %s are not where their date says; kept, and the walk "
            "continues from the messages around them",
            self.label,
            len(missing),
            self._oldest.isoformat() if self._oldest else "?",
        )
        if not trusted:
            self._anchors, self._anchored, self._basis = frozenset(), None, None
            raise PagingError(
                "the server's message dates contradict its own paging; "
                "stopped rather than skip messages"
            )
        self._oldest = min(m.created_at for m in trusted)
        self._advance(cursor, self._oldest)
        self._set_anchors(cursor, trusted)

    def _absorb(self, messages: list[Message]) -> list[Message]:
        fresh: list[Message] = []
        for message in messages:
            if message.id in self._seen:
                continue
            if self._ceiling is not None and message.created_at >= self._ceiling:
                continue
            if self._after is not None and message.created_at <= self._after:
                continue
            self._seen.add(message.id)
            fresh.append(message)
            if self._newest is None or message.created_at > self._newest:
                self._newest = message.created_at
        return fresh

    def _resolve(self, bound: datetime) -> datetime:
        """``bound`` rounded up to the API's resolution (items at or past it are dropped)."""
        return bound if self.subsecond else ceil_second(bound)

    def _next(self, cursor: Cursor, oldest: datetime) -> tuple[Cursor, Gap | None]:
        """The coarsest cursor that still re-includes ``oldest`` and moves past ``cursor``;
        failing that the next page number, or a strict bound and the gap it leaves."""
        current = cursor.before
        candidates = [_plus(floor_second(oldest), SECOND)]
        if self.subsecond:
            candidates.append(_plus(oldest, MICROSECOND))
        for bound in candidates:
            if current is None or bound < current:
                return Cursor(bound), None
        if self.paged:
            return Cursor(current, cursor.page + 1), None
        if self.subsecond:
            return Cursor(oldest), Gap(oldest, _plus(oldest, MICROSECOND))
        start = floor_second(oldest)
        return Cursor(start), Gap(start, _plus(start, SECOND))

    def _advance(self, cursor: Cursor, oldest: datetime) -> None:
        self._cursor, gap = self._next(cursor, oldest)
        if gap is not None:
            self._record_gap(gap)

    def _record_gap(self, gap: Gap) -> None:
        self.gaps.append(gap)
        log.warning(
            "%s: at least a page of messages share %s; the API cannot return all of them, "
            "some between %s and %s may be missing",
            self.label,
            gap.start.isoformat(),
            gap.start.isoformat(),
            gap.end.isoformat(),
        )


class MergedPager:
    """A k-way merge of descending :class:`TimelinePager` streams (duplicates dropped by id).

    A message is released only when no stream can still produce one that sorts above it,
    i.e. when it is not older than every unfinished stream's :attr:`~TimelinePager.frontier`.
    """

    partial = False  # a server walk never stops early because a copy ends

    def __init__(self, pagers: list[TimelinePager]) -> None:
        if not pagers:
            raise ValueError("MergedPager needs at least one stream")
        self.pagers = pagers
        self._buffer: dict[str, Message] = {}
        self._emitted: set[str] = set()

    @property
    def exhausted(self) -> bool:
        return not self._buffer and all(p.exhausted for p in self.pagers)

    @property
    def complete(self) -> bool:
        return self.exhausted and not self.gaps

    @property
    def requests(self) -> int:
        return sum(p.requests for p in self.pagers)

    @property
    def rejected(self) -> int:
        return sum(p.rejected for p in self.pagers)

    @property
    def gaps(self) -> list[Gap]:
        return [gap for p in self.pagers for gap in p.gaps]

    def _take(self, messages: Iterable[Message]) -> None:
        for message in messages:
            if message.id not in self._emitted:
                self._buffer.setdefault(message.id, message)

    async def older(self) -> list[Message]:
        while True:
            limit = max(p.frontier for p in self.pagers)
            ready = [m for m in self._buffer.values() if m.created_at >= limit]
            if ready or limit == OLDEST:
                for message in ready:
                    del self._buffer[message.id]
                    self._emitted.add(message.id)
                return sorted(ready, key=_key)
            busiest = max((p for p in self.pagers if not p.exhausted), key=lambda p: p.frontier)
            self._take(await busiest.older())

    async def newer(self) -> list[Message]:
        if not any(p.started for p in self.pagers):
            return await self.older()
        found: dict[str, Message] = {}
        for pager in self.pagers:
            for message in await pager.newer():
                if message.id not in self._emitted and message.id not in self._buffer:
                    found.setdefault(message.id, message)
        self._emitted.update(found)
        return sorted(found.values(), key=_key)


def _key(message: Message) -> tuple[datetime, str]:
    return message.sort_key
