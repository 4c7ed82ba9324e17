"""The demo dataset: a deterministic, realistic business-texting history.

``build_dataset(seed, now=...)`` always yields the same records for the same arguments.
Both API styles serve these same records: heymarket renders them as ``/v1`` Message
objects, the workspace style as ``msg_<id>`` objects (private notes excluded there).

Cheap by design (``inbox-tui --demo`` has a first-paint budget): records are slotted
dataclasses, JSON is rendered per request, and indexes are built on first use.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from operator import attrgetter

from inbox_tui.demo import content
from inbox_tui.phone import pretty

DAY_MS = 86_400_000
TEAM_ID = 7
TEAM_NAME = "Harbor & Pine Outfitters"
MEDIA_PREFIX = "/_demo/media/"
CREATED = attrgetter("created_ms")  # bisect key of the lists kept in creation order
_STATUS_WEIGHTS = (
    ("delivered", 72),
    ("sent", 9),
    ("failed", 5),
    ("undelivered", 4),
    ("pending", 4),
    ("queued", 4),
    ("carrier_hold", 2),  # deliberately unknown to the client
)
_STATUSES: tuple[str, ...] = tuple(s for s, w in _STATUS_WEIGHTS for _ in range(w))
_MEDIA_EXT = ("jpg", "jpg", "png", "gif", "vcf")


@dataclass(slots=True, eq=False)
class DemoInbox:
    id: int
    name: str
    phone: str  # digits, no plus
    members: tuple[int, ...]
    visible: bool = True


@dataclass(slots=True, eq=False)
class DemoMember:
    id: int
    name: str
    role: str

    @property
    def email(self) -> str:
        local = self.name.split()[0].lower().replace("á", "a")
        return f"{local}@harborandpine.example"


@dataclass(slots=True, eq=False)
class DemoConversation:
    """One contact in one inbox. ``updated_ms``/``created_ms`` are its newest/oldest
    message times (Unix milliseconds)."""

    id: int
    inbox_id: int
    contact: str  # digits, no plus
    own_number: str  # the inbox number, digits
    name: str | None
    read: bool = True
    status: str = "open"
    assigned: int | None = None
    created_ms: int = 0
    updated_ms: int = 0
    message_count: int = 0

    @property
    def contact_e164(self) -> str:
        return "+" + self.contact

    @property
    def updated_at(self) -> datetime:
        return ms_to_datetime(self.updated_ms)


@dataclass(slots=True, eq=False)
class DemoMessage:
    """One message. ``id`` is the heymarket integer id; the workspace id is ``msg_<id>``.
    ``media`` is a server-relative path (``/_demo/media/…``); the APIs render it absolute."""

    created_ms: int
    conversation: DemoConversation
    direction: str  # inbound | outbound
    type: str  # sms | mms | private
    status: str
    text: str
    media: str | None = None
    user: int | None = None
    author: str = ""
    broadcast_id: int | None = None
    flagged: bool = False
    local_id: str | None = None
    updated_ms: int = 0
    id: int = 0

    @property
    def inbox_id(self) -> int:
        return self.conversation.inbox_id

    @property
    def contact(self) -> str:
        """The customer's number, digits without plus (heymarket ``phone``)."""
        return self.conversation.contact

    @property
    def contact_e164(self) -> str:
        return "+" + self.conversation.contact

    @property
    def own_number_e164(self) -> str:
        return "+" + self.conversation.own_number

    @property
    def is_note(self) -> bool:
        return self.type == "private"

    @property
    def workspace_id(self) -> str:
        return f"msg_{self.id}"

    @property
    def created_at(self) -> datetime:
        return ms_to_datetime(self.created_ms)

    @property
    def updated_at(self) -> datetime:
        return ms_to_datetime(self.updated_ms)


def ms_to_datetime(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def default_now() -> datetime:
    """Real now floored to the hour: recent-looking data, stable within the hour."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


class Dataset:
    """Every record the demo server serves, with the indexes the endpoints need."""

    def __init__(
        self,
        *,
        seed: int,
        now: datetime,
        inboxes: list[DemoInbox],
        team_members: list[DemoMember],
        conversations: list[DemoConversation],
        messages_ascending: list[DemoMessage],
    ) -> None:
        self.seed = seed
        self.now = now
        self.team_id = TEAM_ID
        self.team_name = TEAM_NAME
        self.inboxes = [i for i in inboxes if i.visible]
        self.hidden_inboxes = [i for i in inboxes if not i.visible]
        self.team_members = team_members
        self.conversations = sorted(conversations, key=lambda c: (-c.updated_ms, c.id))
        self._asc = messages_ascending
        # Writes (demo/heymarket_writes.py): contacts (digits) that opted out, messages by
        # the sender's ``local_id`` (idempotency), templates.
        self.opted_out: set[str] = {c.contact for c in self.conversations[7::97]}
        self.by_local_id: dict[str, DemoMessage] = {
            m.local_id: m for m in messages_ascending if m.local_id
        }
        self.templates: list[tuple[int, str, str, int]] = [
            (i, n, t, int(now.timestamp() * 1000) - k * 60_000)
            for k, (i, n, t) in enumerate(content.TEMPLATES)
        ]

    # ----- lookups used by tests and other helpers -------------------------------------
    @cached_property
    def messages(self) -> list[DemoMessage]:
        """All messages the demo credentials can see (notes included), newest first."""
        return self._asc[::-1]

    def inbox(self, inbox_id: int) -> DemoInbox | None:
        for inbox in (*self.inboxes, *self.hidden_inboxes):
            if inbox.id == inbox_id:
                return inbox
        return None

    def member(self, member_id: int | None) -> DemoMember | None:
        for member in self.team_members:
            if member.id == member_id:
                return member
        return None

    def conversation(self, inbox_id: int, contact: str) -> DemoConversation | None:
        return self._conversation_index.get((int(inbox_id), contact.lstrip("+")))

    def thread(self, inbox_id: int, contact_digits: str) -> list[DemoMessage]:
        """The messages of one conversation, oldest first (as read); [] if unknown."""
        conv = self.conversation(inbox_id, contact_digits)
        return [] if conv is None else list(self._threads[conv.id])

    def biggest_threads(self, n: int | None = None) -> list[DemoConversation]:
        """Conversations by message count, largest first."""
        ranked = sorted(self.conversations, key=lambda c: (-c.message_count, c.id))
        return ranked if n is None else ranked[:n]

    @property
    def workspace_messages(self) -> list[DemoMessage]:
        """What the workspace style serves (no private notes), oldest first."""
        return self._workspace_asc

    # ----- growth (new messages arriving while the server runs) -------------------------
    def add_message(
        self,
        inbox_id: int,
        contact: str,
        text: str,
        *,
        direction: str = "inbound",
        type: str = "sms",
        status: str | None = None,
        user: int | None = None,
        name: str | None = None,
        created_ms: int | None = None,
        min_id: int = 0,
    ) -> DemoMessage:
        """Append a message newer than every existing one (``created_ms`` is raised to
        newest + 1 ms if needed), creating the conversation if it is new. Its id is above
        every existing one and at least ``min_id``. Not thread-safe: a running server
        applies it on its own loop (``DemoServer.add_message``)."""
        contact = contact.lstrip("+")
        inbox = self.inbox(inbox_id)
        if inbox is None:
            raise ValueError(f"unknown inbox {inbox_id}")
        newest = self._asc[-1] if self._asc else None
        floor = newest.created_ms + 1 if newest else 0
        if created_ms is None:
            created_ms = int(datetime.now(UTC).timestamp() * 1000)
        created_ms = max(created_ms, floor)
        conv = self.conversation(inbox_id, contact)
        if conv is None:
            conv_id = max((c.id for c in self.conversations), default=79_999) + 1
            conv = DemoConversation(conv_id, inbox_id, contact, inbox.phone, name)
            conv.created_ms = created_ms
            self.conversations.append(conv)
        inbound = direction == "inbound"
        if user is None and not inbound:
            user = inbox.members[0]
        member = self.member(user)
        message = DemoMessage(
            created_ms,
            conv,
            direction,
            type,
            status or ("received" if inbound else "sent"),
            text,
            user=None if inbound else user,
            author=(conv.name or pretty("+" + contact))
            if inbound
            else (member.name if member else ""),
            updated_ms=created_ms,
            id=max((newest.id + 3) if newest else 4_200_000, min_id),
        )
        self._asc.append(message)
        conv.updated_ms = created_ms
        conv.message_count += 1
        if inbound:
            conv.read = False
            conv.status = "open"
        self.conversations.sort(key=lambda c: (-c.updated_ms, c.id))
        for name_ in _DERIVED:
            self.__dict__.pop(name_, None)
        return message

    # ----- indexes (built on first use) ------------------------------------------------
    @cached_property
    def _conversation_index(self) -> dict[tuple[int, str], DemoConversation]:
        return {(c.inbox_id, c.contact): c for c in self.conversations}

    @cached_property
    def _threads(self) -> dict[int, list[DemoMessage]]:
        threads: dict[int, list[DemoMessage]] = {c.id: [] for c in self.conversations}
        for message in self._asc:
            threads[message.conversation.id].append(message)
        return threads

    def thread_before(self, conv: DemoConversation, before_ms: int | None) -> list[DemoMessage]:
        """Messages of ``conv`` created strictly before ``before_ms``, oldest first."""
        msgs = self._threads[conv.id]
        if before_ms is None:
            return msgs
        return msgs[: bisect.bisect_left(msgs, before_ms, key=CREATED)]

    def before(self, before_ms: int | None) -> list[DemoMessage]:
        """All visible messages created strictly before ``before_ms``, oldest first."""
        if before_ms is None:
            return self._asc
        return self._asc[: bisect.bisect_left(self._asc, before_ms, key=CREATED)]

    @cached_property
    def by_updated(self) -> list[DemoMessage]:
        return sorted(self._asc, key=lambda m: (m.updated_ms, m.id))

    @cached_property
    def _workspace_asc(self) -> list[DemoMessage]:
        return [m for m in self._asc if not m.is_note]

    @cached_property
    def workspace_by_number(self) -> dict[str, list[DemoMessage]]:
        """Workspace messages per phone number (E.164), either side, oldest first."""
        index: dict[str, list[DemoMessage]] = {}
        for m in self._workspace_asc:
            index.setdefault(m.contact_e164, []).append(m)
            index.setdefault(m.own_number_e164, []).append(m)
        return index


_DERIVED = (
    "messages",
    "_conversation_index",
    "_threads",
    "by_updated",
    "_workspace_asc",
    "workspace_by_number",
)

# ---------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Gen:
    rng: random.Random
    now_ms: int
    inboxes: dict[int, DemoInbox]
    members: dict[int, DemoMember]
    used_numbers: set[str] = field(default_factory=set)
    out: list[DemoMessage] = field(default_factory=list)
    media_counter: int = 0

    def number(self) -> str:
        rng = self.rng
        while True:
            r = rng.random()
            if r < 0.02:
                digits = f"447700900{rng.randrange(1000):03d}"
            elif r < 0.04:
                digits = f"61491570{rng.randrange(1000):03d}"
            else:
                digits = f"1{rng.choice(content.AREA_CODES)}555{rng.randrange(10000):04d}"
            if digits not in self.used_numbers:
                self.used_numbers.add(digits)
                return digits

    def name(self) -> str | None:
        rng = self.rng
        r = rng.random()
        if r < 0.15:
            return None
        if r < 0.20:
            return rng.choice(content.NATIVE_NAMES)
        return f"{rng.choice(content.FIRST_NAMES)} {rng.choice(content.LAST_NAMES)}"

    def media(self) -> str:
        self.media_counter += 1
        ext = _MEDIA_EXT[self.media_counter % len(_MEDIA_EXT)]
        return f"{MEDIA_PREFIX}{self.media_counter}.{ext}"

    def message(self, conv: DemoConversation, t: int, first: bool) -> DemoMessage:
        """One plausible message of ``conv`` at ``t`` (ms). Picks use ``seq[int(rand() *
        len(seq))]`` rather than ``rng.choice``: this runs for every message and the
        default dataset must build in a few tens of milliseconds."""
        rand = self.rng.random
        r = rand()
        inbox = self.inboxes[conv.inbox_id]
        members = inbox.members
        if r < 0.05 and not first:
            user = members[int(rand() * len(members))]
            notes = content.NOTES
            return DemoMessage(
                t, conv, "outbound", "private", "sent", notes[int(rand() * len(notes))],
                user=user, author=self.members[user].name, updated_ms=t,
            )  # fmt: skip
        if r < 0.53 or first:
            mms = rand() < 0.07
            pool = content.INBOUND[inbox.id]
            text = "" if mms and rand() < 0.4 else pool[int(rand() * len(pool))]
            return DemoMessage(
                t, conv, "inbound", "mms" if mms else "sms", "received", text,
                media=self.media() if mms else None,
                author=conv.name or pretty(conv.contact_e164),
                flagged=rand() < 0.03, updated_ms=t,
            )  # fmt: skip
        status = _STATUSES[int(rand() * len(_STATUSES))]
        if rand() < 0.88:
            user: int | None = members[int(rand() * len(members))]
            author = self.members[user].name  # type: ignore[index]
            pool = content.OUTBOUND[inbox.id]
            text = pool[int(rand() * len(pool))]
            if "{" in text:
                first_name = (conv.name or "there").split()[0]
                text = text.format(first=first_name, n=100 + int(rand() * 99_900))
        else:
            replies = content.AUTO_REPLIES
            user, author, text = None, "Auto-reply", replies[int(rand() * len(replies))]
        mms = rand() < 0.04
        return DemoMessage(
            t, conv, "outbound", "mms" if mms else "sms", status, text,
            media=self.media() if mms else None, user=user, author=author,
            flagged=rand() < 0.02,
            local_id=f"{self.rng.getrandbits(64):016x}" if rand() < 0.3 else None,
            updated_ms=t + (300 + int(rand() * 8_700) if status != "queued" else 0),
        )  # fmt: skip

    def normal_thread(self, conv: DemoConversation, last_ms: int) -> None:
        rng = self.rng
        r = rng.random()
        n = rng.randint(1, 5) if r < 0.4 else rng.randint(6, 20) if r < 0.8 else rng.randint(21, 60)
        t = last_ms
        out = self.out
        for j in range(n):
            out.append(self.message(conv, t, first=j == n - 1))
            if rng.random() < 0.7:
                t -= 20_000 + int(rng.random() * 1_180_000)
            else:
                t -= 7_200_000 + int(rng.random() * (10 * DAY_MS - 7_200_000))
            if t < self.now_ms - 365 * DAY_MS:  # the history spans a year
                break

    def big_thread(self, conv: DemoConversation, n: int, last_ms: int) -> list[DemoMessage]:
        """``n`` messages over ~360 days, with bursts of 10-40 messages in one second.
        The first burst straddles the 50-message page boundary on purpose."""
        rng = self.rng
        mean_gap = max(2_000, 360 * DAY_MS // max(n, 1))
        t = last_ms
        made: list[DemoMessage] = []
        j = 0
        next_burst = 35
        while j < n:
            if j == next_burst:
                size = min(n - j, 30 if j == 35 else rng.randint(10, 40))
                base = t - t % 1000
                for offset in sorted(rng.sample(range(1000), size), reverse=True):
                    made.append(self.message(conv, base + offset, first=j == n - 1))
                    j += 1
                t = base - rng.randrange(2_000, 3 * mean_gap)
                next_burst = j + rng.randint(60, 400)
                continue
            made.append(self.message(conv, t, first=j == n - 1))
            j += 1
            t -= 1_000 + int(rng.expovariate(1 / mean_gap))
        self.out.extend(made)
        return made


def build_dataset(
    seed: int = 7,
    *,
    conversations: int = 300,
    big_threads: Sequence[int] = (5000, 2000),
    now: datetime | None = None,
) -> Dataset:
    """Generate the demo data. Same arguments, same records (ids, texts, times)."""
    now = default_now() if now is None else now.astimezone(UTC)
    now_ms = int(now.timestamp() * 1000)
    rng = random.Random(seed)
    inboxes = [DemoInbox(i, n, p, m, v) for i, n, p, m, v in content.INBOXES]
    members = [DemoMember(i, n, r) for i, n, r in content.TEAM]
    gen = _Gen(rng, now_ms, {i.id: i for i in inboxes}, {m.id: m for m in members})
    gen.used_numbers.update(i.phone for i in inboxes)
    convs: list[DemoConversation] = []
    seen: set[tuple[int, str]] = set()

    def new_conv(inbox_id: int, contact: str, name: str | None) -> DemoConversation:
        own = gen.inboxes[inbox_id].phone
        conv = DemoConversation(80_000 + len(convs), inbox_id, contact, own, name)
        convs.append(conv)
        seen.add((inbox_id, contact))
        return conv

    # Big threads first: they hold the newest messages (a busy customer) and stay stable
    # when `conversations` changes.
    big_names = ("Morgan Blake", "Riley Chen", "Jordan Avery", "Casey Morgan", "Quinn Harper")
    big: list[list[DemoMessage]] = []
    big_ids: set[int] = set()
    for k, size in enumerate(big_threads):
        conv = new_conv(413 if k % 2 == 0 else 414, gen.number(), big_names[k % len(big_names)])
        big.append(gen.big_thread(conv, int(size), now_ms - (k + 1) * 97_000))
        big_ids.add(conv.id)

    inbox_ids = (413, 413, 413, 413, 413, 414, 414, 414, 415, 415)
    for i in range(conversations):
        inbox_id = rng.choice(inbox_ids)
        if convs and rng.random() < 0.05:  # the same customer in another inbox
            other = rng.choice(convs)
            contact, name = other.contact, other.name
            if (inbox_id, contact) in seen:
                contact, name = gen.number(), gen.name()
        else:
            contact, name = gen.number(), gen.name()
        conv = new_conv(inbox_id, contact, name)
        if i < 12:  # a handful of live conversations, minutes old
            last = now_ms - rng.randrange(30_000, 3_600_000)
        else:
            last = now_ms - int(rng.random() ** 2.2 * 360 * DAY_MS) - rng.randrange(3_600_000)
        gen.normal_thread(conv, last)

    # Big threads keep their exact sizes: no broadcasts into them.
    _add_broadcasts(gen, [c for c in convs if c.inbox_id == 414 and c.id not in big_ids], now_ms)
    _add_tricky(gen, big[0] if big else [])

    messages = gen.out
    messages.sort(key=lambda m: (m.created_ms, m.conversation.id))
    for n, m in enumerate(messages):
        m.id = 4_200_000 + n * 3 + (m.created_ms % 3)
        if m.updated_ms < m.created_ms:
            m.updated_ms = m.created_ms
    _finish_conversations(rng, convs, messages, now_ms)
    demo_id, demo_name, demo_role = content.DEMO_MEMBER
    members.append(DemoMember(demo_id, demo_name, demo_role))
    for inbox in inboxes:
        if inbox.visible:
            inbox.members = (*inbox.members, demo_id)
    return Dataset(
        seed=seed,
        now=now,
        inboxes=inboxes,
        team_members=members,
        conversations=[c for c in convs if c.message_count],
        messages_ascending=messages,
    )


def _add_broadcasts(gen: _Gen, sales: list[DemoConversation], now_ms: int) -> None:
    """Each campaign reaches up to 40 Sales contacts within one second (a team-wide burst)."""
    rng = gen.rng
    if not sales:
        return
    for k, (broadcast_id, text) in enumerate(content.BROADCASTS):
        base = now_ms - (k * 61 + 3) * DAY_MS - (now_ms % 1000) - 14 * 3_600_000
        targets = rng.sample(sales, min(len(sales), 40))
        for conv, offset in zip(
            targets, sorted(rng.sample(range(1000), len(targets))), strict=True
        ):
            status = "failed" if rng.random() < 0.06 else "delivered"
            gen.out.append(
                DemoMessage(
                    base + offset,
                    conv,
                    "outbound",
                    "sms",
                    status,
                    text,
                    user=6,
                    author="Sam O'Neill",
                    broadcast_id=broadcast_id,
                    updated_ms=base + offset + rng.randrange(500, 5000),
                )
            )


def _add_tricky(gen: _Gen, big: list[DemoMessage]) -> None:
    """Put every tricky and every very long body somewhere: a few in the biggest thread
    (near its newest end, so the UI meets them at once), the rest scattered."""
    rng = gen.rng
    longs = []
    for size in (5_200, 8_000, 12_500, 20_000):
        chunk = content.LONG_PARAGRAPH
        text = "\n\n".join([chunk] * (size // len(chunk) + 1))[:size]
        longs.append(text)
    bodies = [*content.TRICKY, *longs]
    candidates = [m for m in gen.out if not m.is_note and m.broadcast_id is None]
    if not candidates:
        return
    for m, body in zip(
        rng.sample(candidates, min(len(candidates), len(bodies))), bodies, strict=False
    ):
        m.text = body
    newest_first = big  # generated newest first
    for pos, body in zip(
        range(3, 3 + 8 * 12, 12), (*content.TRICKY[:6], longs[0], longs[-1]), strict=False
    ):
        if pos < len(newest_first) and not newest_first[pos].is_note:
            newest_first[pos].text = body


def _finish_conversations(
    rng: random.Random, convs: list[DemoConversation], messages: list[DemoMessage], now_ms: int
) -> None:
    for m in messages:  # ascending: the last assignment wins
        conv = m.conversation
        if not conv.message_count:
            conv.created_ms = m.created_ms
        conv.message_count += 1
        conv.updated_ms = m.created_ms
    last_direction = {m.conversation.id: m.direction for m in messages if not m.is_note}
    for conv in convs:
        age = now_ms - conv.updated_ms
        waiting = last_direction.get(conv.id) == "inbound"
        conv.read = not (waiting and (age < 5 * DAY_MS or rng.random() < 0.3))
        conv.status = "closed" if (age > 20 * DAY_MS and rng.random() < 0.6) else "open"
        members = content.INBOX_MEMBERS[conv.inbox_id]
        conv.assigned = rng.choice(members) if rng.random() < 0.7 else None
