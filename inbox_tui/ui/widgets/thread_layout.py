"""Pure layout of a thread: messages + width → lines (``Strip``s), no app needed.

Two parts:

* :func:`plan_message` / :func:`render_message` turn one message into lines for a width
  (day separator, header with sender/time/status, wrapped body capped at
  ``max_body_lines``, media line, spacer). Text is sanitised and handled as data: segments
  are built from plain strings, never from markup, and widths are measured in terminal
  cells (emoji/CJK are two cells), never with ``len()``.
* :class:`ThreadIndex` keeps the loaded messages in order with their line heights and
  maps a virtual line ``y`` to ``(message, line within message)`` in O(log n). Older
  messages are *prepended* to a second list so prepending a page costs O(page), and
  appending newer ones costs O(page) too; only an out-of-order merge or a width change
  rebuilds everything.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, tzinfo

from rich.cells import cell_len, chop_cells
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from inbox_tui.dates import local_date, to_local
from inbox_tui.models import Direction
from inbox_tui.models import Message as SmsMessage
from inbox_tui.phone import pretty
from inbox_tui.text import one_line, sanitize

NARROW_WIDTH = 70
"""Below this many columns bubbles use the full width and carry "←"/"→" labels."""
GUTTER = 2
"""Column 0: selection bar; column 1: search/filter match marker."""
MAX_BODY_LINES = 200
MAX_BODY_CHARS = 256_000
"""Bodies longer than this are cut before wrapping (the detail screen shows all of it)."""
TAB = "    "

STATUS_MARKERS: dict[str, str] = {
    "delivered": "✓ delivered",
    "sent": "✓ sent",
    "queued": "… queued",
    "pending": "… pending",
    "failed": "✗ failed",
    "undelivered": "✗ undelivered",
    "error": "✗ error",
    "waiting": "… sending · u undoes",  # a send inside its undo window (ui/compose_flow.py)
    "sending": "… sending",
}


@dataclass(frozen=True)
class ThreadStyles:
    """Rich styles the view resolves from its component classes (plain by default)."""

    base: Style = field(default_factory=Style)
    inbound: Style = field(default_factory=Style)
    outbound: Style = field(default_factory=Style)
    note: Style = field(default_factory=Style)
    meta: Style = field(default_factory=Style)
    day: Style = field(default_factory=Style)
    failed: Style = field(default_factory=lambda: Style(bold=True))
    status: Style = field(default_factory=Style)
    media: Style = field(default_factory=Style)
    selected: Style = field(default_factory=lambda: Style(bold=True))
    match: Style = field(default_factory=lambda: Style(bold=True))
    more: Style = field(default_factory=lambda: Style(italic=True))


@dataclass(frozen=True)
class LayoutContext:
    width: int
    styles: ThreadStyles = field(default_factory=ThreadStyles)
    tz: tzinfo | None = None
    contact_label: str | None = None  # conversation name, when the message has none
    max_body_lines: int = MAX_BODY_LINES

    @property
    def narrow(self) -> bool:
        return self.width < NARROW_WIDTH

    @property
    def content_width(self) -> int:
        return max(1, self.width - GUTTER)


# --------------------------------------------------------------------------- wrapping


def _measure(text: str) -> int:
    return len(text) if text.isascii() else cell_len(text)


def _chop(word: str, width: int) -> list[str]:
    if word.isascii():
        return [word[i : i + width] for i in range(0, len(word), width)]
    chunks = chop_cells(word, width)
    # A double-width character never fits in one column: keep it whole (cropped later).
    return chunks or [word]


def wrap_text(text: str, width: int, max_lines: int | None = None) -> tuple[list[str], int]:
    """Greedy word wrap in terminal cells.

    Returns the first ``max_lines`` lines (all of them if ``None``) and the total line count.
    ``text`` must already be sanitised; tabs become four spaces.
    """
    width = max(1, width)
    lines: list[str] = []
    total = 0
    keep = max_lines if max_lines is not None else 1 << 62

    def emit(line: str) -> None:
        nonlocal total
        if total < keep:
            lines.append(line)
        total += 1

    for raw in text.split("\n"):
        para = raw.replace("\t", TAB) if "\t" in raw else raw
        measure = len if para.isascii() else cell_len
        if measure(para) <= width:
            emit(para)
            continue
        current: list[str] = []
        current_width = 0
        for word in para.split(" "):
            w = measure(word)
            need = w if not current else current_width + 1 + w
            if need <= width:
                current.append(word)
                current_width = need
                continue
            if current:
                emit(" ".join(current))
                current, current_width = [], 0
            if w <= width:
                current, current_width = [word], w
            else:
                chunks = _chop(word, width)
                for chunk in chunks[:-1]:
                    emit(chunk)
                current, current_width = [chunks[-1]], measure(chunks[-1])
        emit(" ".join(current))
    return lines, total


# --------------------------------------------------------------------------- one message


def format_day(day: date) -> str:
    return day.strftime("%a %d %b %Y")


def local_day(message: SmsMessage, tz: tzinfo | None) -> date:
    return local_date(message.created_at, tz)  # out of range in tz: the UTC day


def sender_label(message: SmsMessage, contact_label: str | None = None) -> str:
    """Who wrote it: team member for outbound/notes, contact name or number for inbound."""
    if message.direction is Direction.INBOUND and not message.is_note:
        name = message.contact_name or contact_label
        return one_line(name, 60) if name else pretty(message.contact)
    if message.author:
        return one_line(message.author, 60)
    return "team" if message.is_note else "you"


def status_marker(status: str) -> str:
    """Known statuses get a symbol; unknown ones are shown as typed."""
    if not status or status == "received":
        return ""
    return STATUS_MARKERS.get(status, one_line(status, 40))


def more_text(count: int) -> str:
    return f"… {count} more lines (enter for detail)"


@dataclass(frozen=True)
class MessagePlan:
    """Everything :func:`render_message` needs; ``height`` is the exact line count."""

    day_label: str | None
    header: str
    status: str
    failed: bool
    body: list[str]
    more: int
    media: list[str]
    box_left: int  # first column of the bubble inside the content area
    box_width: int  # bubble width including its one-cell padding on each side

    @property
    def height(self) -> int:
        return (
            ((1 if self.day_label else 0) + 1 + len(self.body) + (1 if self.more else 0))
            + len(self.media)
            + 1
        )


def _bubble_geometry(message: SmsMessage, ctx: LayoutContext) -> tuple[int, int]:
    """(left, max width incl. padding) of the bubble within the content area."""
    width = ctx.content_width
    if ctx.narrow:
        return 0, width
    if message.is_note:
        indent = width // 8
        return indent, max(4, width - 2 * indent)
    return 0, max(4, min(width * 3 // 4, 90))


def message_height(message: SmsMessage, ctx: LayoutContext, *, day_header: bool) -> int:
    """``plan_message(...).height`` without building the plan: the common short, clean
    body costs a few string checks, so laying out 100,000 messages stays quick."""
    body = message.body
    _, box_max = _bubble_geometry(message, ctx)
    inner = max(1, box_max - 2)
    if body and body.isascii() and body.isprintable() and len(body) <= inner:
        body_lines = 1
    elif not body and message.media_url:
        body_lines = 0
    else:
        text = sanitize(body)
        if len(text) > MAX_BODY_CHARS:
            text = text[:MAX_BODY_CHARS]
        if not text and message.media_url:
            body_lines = 0
        else:
            _, total = wrap_text(text, inner, 0)
            body_lines = min(total, ctx.max_body_lines) + (total > ctx.max_body_lines)
    media_lines = 0
    if message.media_url:
        url = message.media_url
        if url.isascii() and url.isprintable() and len(url) + 3 <= inner:
            media_lines = 1
        else:
            _, media_total = wrap_text("📎 " + one_line(url, 2000), inner, 0)
            media_lines = min(media_total, 4)
    return int(day_header) + 1 + body_lines + media_lines + 1


def estimate_height(message: SmsMessage, ctx: LayoutContext, *, day_header: bool) -> int:
    """A cheap guess at :func:`message_height` (no wrapping) for messages not yet shown."""
    width = ctx.content_width
    inner = max(1, (width if width < NARROW_WIDTH else min(width * 3 // 4, 90)) - 2)
    size = len(message.body)
    if not size and message.media_url:
        body = 0
    else:
        body = min(max(1, -(-size // inner) + message.body.count("\n")), ctx.max_body_lines + 1)
    return int(day_header) + 1 + body + (1 if message.media_url else 0) + 1


def plan_message(message: SmsMessage, ctx: LayoutContext, *, day_header: bool) -> MessagePlan:
    inner_left, box_max = _bubble_geometry(message, ctx)
    inner = max(1, box_max - 2)
    body_text = sanitize(message.body)
    if len(body_text) > MAX_BODY_CHARS:
        body_text = body_text[:MAX_BODY_CHARS]
    body: list[str] = []
    total = 0
    if body_text or not message.media_url:
        body, total = wrap_text(body_text, inner, ctx.max_body_lines)
    more = total - len(body)
    media: list[str] = []
    if message.media_url:
        media, _ = wrap_text("📎 " + one_line(message.media_url, 2000), inner, 4)
    time = to_local(message.created_at, ctx.tz).strftime("%H:%M")
    who = sender_label(message, ctx.contact_label)
    flag = " ⚑" if message.flagged else ""
    if message.is_note:
        header = f"✎ note · {who} · {time}{flag}"
    elif ctx.narrow:
        arrow = "←" if message.direction is Direction.INBOUND else "→"
        header = f"{arrow} {who} · {time}{flag}"
    elif message.direction is Direction.INBOUND:
        header = f"{who} · {time}{flag}"
    else:
        header = f"{time} · {who}{flag}"
    lines = [*body, *media, *([more_text(more)] if more else [])]
    used = max((_measure(line) for line in lines), default=0) + 2
    box_width = min(box_max, max(used, 4))
    left = inner_left
    if message.is_note and not ctx.narrow:
        left = inner_left + (box_max - box_width) // 2
    elif message.direction is Direction.OUTBOUND and not ctx.narrow:
        left = ctx.content_width - box_width
    return MessagePlan(
        day_label=format_day(local_day(message, ctx.tz)) if day_header else None,
        header=header,
        status=status_marker(message.status),
        failed=message.is_failed,
        body=body,
        more=more,
        media=media,
        box_left=max(0, left),
        box_width=box_width,
    )


def _strip(parts: Iterable[tuple[str, Style]], width: int, base: Style) -> Strip:
    segments = [Segment(text, base + style) for text, style in parts if text]
    return Strip(segments).adjust_cell_length(width, base)


def split_matches(text: str, term: str | None) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, is a case-insensitive occurrence of ``term``)."""
    if not term:
        return [(text, False)]
    low, needle = text.lower(), term.lower()
    if len(low) != len(text) or not needle:  # case mapping changed lengths: no marking
        return [(text, False)]
    out: list[tuple[str, bool]] = []
    start = 0
    while (found := low.find(needle, start)) >= 0:
        if found > start:
            out.append((text[start:found], False))
        out.append((text[found : found + len(needle)], True))
        start = found + len(needle)
    if start < len(text):
        out.append((text[start:], False))
    return out


def render_message(
    message: SmsMessage,
    plan: MessagePlan,
    ctx: LayoutContext,
    *,
    selected: bool = False,
    highlighted: bool = False,
    term: str | None = None,
) -> list[Strip]:
    """The plan's lines as full-width strips (``len(result) == plan.height``); the
    occurrences of ``term`` in the body are shown reversed (a search)."""
    st = ctx.styles
    base = st.base
    width = ctx.width
    content = ctx.content_width
    bar = ("▌", st.selected) if selected else (" ", Style())
    mark = ("•", st.match) if highlighted else (" ", Style())
    blank_gutter = [bar, (" ", Style())]
    bubble = (
        st.note
        if message.is_note
        else (st.inbound if message.direction is Direction.INBOUND else st.outbound)
    )
    out: list[Strip] = []
    if plan.day_label:
        label = f" {plan.day_label} "
        side = max(0, (width - cell_len(label)) // 2)
        out.append(
            _strip([("─" * side, st.day), (label, st.day), ("─" * side, st.day)], width, base)
        )

    # Header: label on the bubble's side; status after it (failed: colour AND text).
    status_style = st.failed if plan.failed else st.status
    header_parts: list[tuple[str, Style]] = [(plan.header, st.selected if selected else st.meta)]
    if plan.status:
        header_parts += [("  ", Style()), (plan.status, status_style)]
    header_width = sum(cell_len(text) for text, _ in header_parts)
    if message.is_note and not ctx.narrow:
        pad = plan.box_left + max(0, (plan.box_width - header_width) // 2)
    elif message.direction is Direction.OUTBOUND and not ctx.narrow and not message.is_note:
        pad = max(0, content - header_width)
    else:
        pad = plan.box_left
    out.append(_strip([bar, mark, (" " * pad, Style()), *header_parts], width, base))

    inner = plan.box_width - 2
    lead = (" " * plan.box_left, Style())

    def boxed(text: str, style: Style) -> Strip:
        fill = " " * max(0, inner - cell_len(text))
        return _strip(
            [*blank_gutter, lead, (" ", bubble), (text, bubble + style), (fill + " ", bubble)],
            width,
            base,
        )

    def boxed_matches(text: str) -> Strip:
        fill = " " * max(0, inner - cell_len(text))
        found = st.match + Style(reverse=True)
        parts = [
            (piece, bubble + (found if hit else Style()))
            for piece, hit in split_matches(text, term)
        ]
        return _strip(
            [*blank_gutter, lead, (" ", bubble), *parts, (fill + " ", bubble)], width, base
        )

    for line in plan.body:
        out.append(boxed_matches(line) if term and highlighted else boxed(line, Style()))
    if plan.more:
        out.append(boxed(more_text(plan.more), st.more))
    for line in plan.media:
        out.append(boxed(line, st.media))
    out.append(_strip([bar], width, base))
    return out


# --------------------------------------------------------------------------- the index


class Fenwick:
    """Prefix sums of positive ints with O(log n) append, point update and search."""

    __slots__ = ("_top", "_total", "_tree", "values")

    def __init__(self) -> None:
        # Arrays, not lists: 12 bytes a message instead of a pointer plus an int object.
        self.values = array("i")
        self._tree = array("q", [0])  # 1-based
        self._total = 0
        self._top = 1  # highest power of two <= len (for the search)

    def __len__(self) -> int:
        return len(self.values)

    @property
    def total(self) -> int:
        return self._total

    def append(self, value: int) -> None:
        self.values.append(value)
        i = len(self.values)
        low = i & -i
        node = value
        j = 1
        while j < low:  # node i covers (i - low, i]: its children are i-1, i-2, i-4, ...
            node += self._tree[i - j]
            j <<= 1
        self._tree.append(node)
        self._total += value
        while self._top * 2 <= i:
            self._top *= 2

    def add(self, index: int, delta: int) -> None:
        self.values[index] += delta
        self._total += delta
        i = index + 1
        n = len(self.values)
        while i <= n:
            self._tree[i] += delta
            i += i & -i

    def prefix(self, count: int) -> int:
        """Sum of the first ``count`` values."""
        total = 0
        i = count
        while i > 0:
            total += self._tree[i]
            i -= i & -i
        return total

    def find(self, y: int) -> tuple[int, int]:
        """``(i, y - prefix(i))`` for the value ``i`` whose span contains offset ``y``
        (``0 <= y < total``)."""
        pos = 0
        rest = y
        step = self._top
        n = len(self.values)
        tree = self._tree
        while step:
            nxt = pos + step
            if nxt <= n and tree[nxt] <= rest:
                pos = nxt
                rest -= tree[nxt]
            step >>= 1
        return pos, rest


class ThreadIndex:
    """Loaded messages in ``sort_key`` order with their heights, addressable by line.

    Messages have *absolute positions* that never shift: appended ones get 0, 1, 2, ...,
    prepended (older) ones -1, -2, .... Lines are counted from the top of the oldest
    message. Heights live in two Fenwick trees (one per direction), so appending,
    prepending, changing one height, ``top_of`` and ``locate`` are all O(log n).

    Heights are exact or *estimated*: a rebuild (``rebuild``, out-of-order merge) uses
    ``estimate_of`` and a width change (``relayout``) keeps the old heights as estimates,
    both without laying anything out; the owner calls :meth:`make_exact` for what it is
    about to show and keeps its viewport anchored while estimates turn exact.
    """

    def __init__(
        self,
        height_of: Callable[[SmsMessage, bool], int],
        tz: tzinfo | None,
        estimate_of: Callable[[SmsMessage, bool], int] | None = None,
    ) -> None:
        self._height_of = height_of
        self._estimate_of = estimate_of or height_of
        self._tz = tz
        self.clear()

    def clear(self) -> None:
        """Forget every message (the measuring functions and zone stay)."""
        self._back: list[SmsMessage] = []  # positions 0, 1, 2, ...
        self._front: list[SmsMessage] = []  # positions -1, -2, ... (front[0] is -1)
        self._back_h = Fenwick()
        self._front_h = Fenwick()
        self._back_exact = bytearray()
        self._front_exact = bytearray()
        self._position: dict[str, int] = {}
        # Local day of each message (a date ordinal), by position like the heights: 4 bytes
        # a message, where a dict by id cost over 100.
        self._back_days = array("i")
        self._front_days = array("i")

    # ---- size and access
    def __len__(self) -> int:
        return len(self._back) + len(self._front)

    @property
    def first_pos(self) -> int:
        return -len(self._front)

    @property
    def last_pos(self) -> int:
        return len(self._back) - 1

    @property
    def total_lines(self) -> int:
        return self._back_h.total + self._front_h.total

    def message(self, pos: int) -> SmsMessage:
        return self._back[pos] if pos >= 0 else self._front[-pos - 1]

    def first(self) -> SmsMessage | None:
        return self.message(self.first_pos) if len(self) else None

    def last(self) -> SmsMessage | None:
        return self.message(self.last_pos) if len(self) else None

    def position(self, message_id: str) -> int | None:
        return self._position.get(message_id)

    def get(self, message_id: str) -> SmsMessage | None:
        pos = self._position.get(message_id)
        return None if pos is None else self.message(pos)

    def messages(self) -> list[SmsMessage]:
        return [*reversed(self._front), *self._back]

    def _day(self, pos: int) -> int:
        return self._back_days[pos] if pos >= 0 else self._front_days[-pos - 1]

    def _ordinal(self, message: SmsMessage) -> int:
        return local_day(message, self._tz).toordinal()

    def has_day_header(self, pos: int) -> bool:
        if pos <= self.first_pos:
            return True
        return self._day(pos) != self._day(pos - 1)

    # ---- geometry
    def top_of(self, pos: int) -> int:
        """First line of the message at ``pos``."""
        base = self._front_h.total
        if pos >= 0:
            return base + self._back_h.prefix(pos)
        return base - self._front_h.prefix(-pos)

    def height(self, pos: int) -> int:
        return self._back_h.values[pos] if pos >= 0 else self._front_h.values[-pos - 1]

    def is_exact(self, pos: int) -> bool:
        return bool(self._back_exact[pos] if pos >= 0 else self._front_exact[-pos - 1])

    def locate(self, y: int) -> tuple[int, int] | None:
        """``(position, line within message)`` for line ``y``, or None past either end."""
        if y < 0 or y >= self.total_lines:
            return None
        rel = y - self._front_h.total
        if rel >= 0:
            return self._back_h.find(rel)
        # ``up`` lines above position 0's top; front[k] spans (prefix(k), prefix(k+1)].
        k, from_bottom = self._front_h.find(-rel - 1)
        return -(k + 1), self._front_h.values[k] - 1 - from_bottom

    # ---- mutation
    def rebuild(self, messages: Iterable[SmsMessage]) -> None:
        """Replace everything (sorted, de-duplicated by id; last copy wins). Heights are
        estimates until :meth:`make_exact`."""
        unique = {m.id: m for m in messages}
        self.clear()
        self._append_sorted(sorted(unique.values(), key=lambda m: m.sort_key), exact=False)

    def relayout(self) -> None:
        """The width changed: every height becomes an estimate (its old value), O(n)
        in C only; nothing is laid out until asked for."""
        self._back_exact = bytearray(len(self._back))
        self._front_exact = bytearray(len(self._front))

    def make_exact(self, pos: int) -> int:
        """Lay out the message at ``pos`` if its height is an estimate; returns the change."""
        if self.is_exact(pos):
            return 0
        return self._refresh_height(pos)

    def _append_sorted(self, messages: list[SmsMessage], *, exact: bool = True) -> None:
        measure = self._height_of if exact else self._estimate_of
        for message in messages:
            pos = len(self._back)
            self._back.append(message)
            self._back_days.append(self._ordinal(message))
            self._position[message.id] = pos
            self._back_h.append(max(1, measure(message, self.has_day_header(pos))))
            self._back_exact.append(exact)

    def _prepend_sorted(self, messages: list[SmsMessage]) -> None:
        old_first = self.first_pos if len(self) else None
        start = len(self._front)
        for message in reversed(messages):
            self._front.append(message)
            self._front_days.append(self._ordinal(message))
            self._position[message.id] = -len(self._front)
        # Heights once all neighbours (and so all day headers) are known.
        for i in range(start, len(self._front)):
            pos = -(i + 1)
            self._front_h.append(
                max(1, self._height_of(self.message(pos), self.has_day_header(pos)))
            )
            self._front_exact.append(1)
        if old_first is not None:
            self._refresh_height(old_first)  # it may have lost its day header

    def _refresh_height(self, pos: int) -> int:
        """Lay out one message again; O(log n). Returns the height change."""
        new = max(1, self._height_of(self.message(pos), self.has_day_header(pos)))
        delta = new - self.height(pos)
        if pos >= 0:
            self._back_exact[pos] = 1
            if delta:
                self._back_h.add(pos, delta)
        else:
            self._front_exact[-pos - 1] = 1
            if delta:
                self._front_h.add(-pos - 1, delta)
        return delta

    def merge(self, messages: Iterable[SmsMessage]) -> str:
        """Add or update messages. Returns how: "none", "prepend", "append", "update",
        or "rebuild" (out-of-order insert)."""
        incoming = {m.id: m for m in messages}
        if not incoming:
            return "none"
        updates = {i: m for i, m in incoming.items() if i in self._position}
        fresh = sorted(
            (m for i, m in incoming.items() if i not in self._position), key=lambda m: m.sort_key
        )
        how = "none"
        for message_id, message in updates.items():
            pos = self._position[message_id]
            old = self.message(pos)
            if old == message:
                continue
            if old.sort_key != message.sort_key:
                self.rebuild(
                    [*(m for m in self.messages() if m.id not in incoming), *incoming.values()]
                )
                return "rebuild"
            if pos >= 0:
                self._back[pos] = message
            else:
                self._front[-pos - 1] = message
            self._refresh_height(pos)
            how = "update"
        if not fresh:
            return how
        first, last = self.first(), self.last()
        if first is None or last is None:
            self._append_sorted(fresh)
            return "append"
        if fresh[-1].sort_key < first.sort_key:
            self._prepend_sorted(fresh)
            return "prepend"
        if fresh[0].sort_key > last.sort_key:
            self._append_sorted(fresh)
            return "append"
        self.rebuild([*self.messages(), *fresh])
        return "rebuild"
