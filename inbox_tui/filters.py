"""What a filter means, in one place: the filter pane, the conversation list, the thread's
marks, the CLI and export all use these rules.

- **Contact**: a complete number (``+14155550100``, ``(415) 555-0100``) matches that number
  exactly and is the only form a server is ever sent; a partial number (``0100``) matches
  numbers ending in those digits; anything with letters matches the contact's *name*
  (case-insensitive, anywhere in it). The same rule picks conversations in the list and
  marks messages in the thread.
- **Dates**: ``YYYY-MM-DD`` or an ISO 8601 date-time (naive times are UTC). A bare date
  includes that whole day at either end: "from 2024-01-15 until 2024-01-15" is that day.
- **Server or local**: a backend says which active fields it applies
  (``server_filter_fields``); inbox-tui applies the rest to what it has loaded (a
  conversation is listed when the server says it has matching messages; local fields are
  then applied to the conversation itself for contact and flagged, to its last message for
  the rest).
- **Conversation flags** match on the whole conversation as the cache knows it, never only
  its last message: *has a failed message* (any cached message of it failed, or the
  server says so), *waiting over threshold* (the customer has waited longer than the
  profile's ``reply_within`` for a reply: the reply queue's rule), *unread* and *assigned
  to me* (the profile's ``member_id``). They work offline; heymarket's conversation list
  applies *unread* on the server.
- **List views** (``v``): Open / Closed are asked of the server where its conversation
  list can (heymarket's ``filters.closed``, with a member id); Mine / Unassigned are always
  applied here: the API has no assignee filter. **Saved views**
  (``[profiles.NAME.views.X]``, keys 1-9 and the palette) fill these filter fields.
- **Number typed in your own format**: with the profile's ``region`` (e.g. ``GB``), a
  national number (``020 8366 1177``) is read as that country's and matches the stored
  international number.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from pydantic import BaseModel, ConfigDict, field_validator

from inbox_tui.config import ConfigError, SavedView
from inbox_tui.dates import parse_user_date
from inbox_tui.models import Conversation, Direction, Message, as_utc
from inbox_tui.phone import parse_contact, to_e164

FILTER_FIELDS: tuple[str, ...] = (
    "direction",
    "statuses",
    "contact",
    "after",
    "before",
    "flagged_only",
    "text",
    "failed_only",
    "waiting_only",
    "unread_only",
    "mine_only",
    "closed",
)
# Conversation-level flags: they need the conversation's cached messages (or the profile),
# so :mod:`inbox_tui.core.conversation_filters` applies them over the store, not
# :meth:`Filters.matches_conversation`.
CONVERSATION_FLAGS = frozenset({"failed_only", "waiting_only", "unread_only", "mine_only"})
# Fields with no meaning for one message: never used to mark messages in a thread.
CONVERSATION_ONLY = CONVERSATION_FLAGS | {"closed"}
# Applied to a listed conversation itself; every other local field to its last message.
CONVERSATION_FIELDS = frozenset({"contact", "flagged_only"}) | CONVERSATION_ONLY
# Applied to a listed conversation's last activity (``last_at``), which every row has.
_DATE_FIELDS = frozenset({"after", "before"})

_LETTERS = re.compile(r"[^\W\d_]")
_NON_DIGITS = re.compile(r"\D+")


class FilterError(ConfigError):
    """A field holds something that cannot become a filter (``field`` names it)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


# ------------------------------------------------------------------------------ contact


def complete_number(query: str) -> str | None:
    """``query`` as E.164 when it is a whole phone number (a ``+`` and 8+ digits, or ten
    North American digits), else None: a name or part of a number."""
    text = query.strip()
    if _LETTERS.search(text):
        return None
    digits = _NON_DIGITS.sub("", text)
    whole = (text.startswith("+") and len(digits) >= 8) or len(digits) == 10
    whole = whole or (len(digits) == 11 and digits.startswith("1"))
    return to_e164(text) if whole else None


def user_contact(text: str, region: str | None) -> str | None:
    """What a user typed in a contact field, ready for :class:`Filters`: a number in their
    own national format read with the profile's ``region`` (``020 8366 1177`` with ``GB``
    is ``+442083661177``), anything else as typed. Without a region: as typed (then the
    plain rule applies: ten digits are a North American number)."""
    value = text.strip()
    if not value:
        return None
    if region and not _LETTERS.search(value):
        return parse_contact(value, region) or value
    return value


def contact_matches(query: str, number: str, name: str | None) -> bool:
    """The contact rule (see the module docstring) for one conversation or message."""
    text = query.strip()
    if not text:
        return True
    if _LETTERS.search(text):
        return text.casefold() in (name or "").casefold()
    whole = complete_number(text)
    if whole is not None:
        return to_e164(number) == whole
    digits = _NON_DIGITS.sub("", text)
    return not digits or _NON_DIGITS.sub("", number).endswith(digits)


# ------------------------------------------------------------------------------ dates


def parse_date(text: str, field: str, *, end_of_day: bool = False) -> datetime | None:
    """``YYYY-MM-DD`` or ISO 8601 (naive = UTC); empty means no bound. With ``end_of_day``
    a bare date means the start of the *next* day, so an upper bound includes the day."""
    try:
        return parse_user_date(text, end_of_day=end_of_day)
    except ValueError as error:
        raise FilterError(field, str(error)) from None


def date_range(
    since: str | None, until: str | None, *, fields: tuple[str, str] = ("since", "until")
) -> tuple[datetime | None, datetime | None]:
    """``(after, before)`` for :class:`Filters` from inclusive ``since``/``until`` texts
    (``Filters.after`` is strict, hence the microsecond)."""
    start = parse_date(since or "", fields[0])
    end = parse_date(until or "", fields[1], end_of_day=True)
    after = start - timedelta(microseconds=1) if start else None
    if after and end and end <= after:
        raise FilterError(fields[1], f"must be later than {fields[0]} ({since})")
    return after, end


def since_text(after: datetime | None) -> str:
    """The inclusive text a user would type for ``after`` (inverse of :func:`date_range`)."""
    return "" if after is None else _moment_text(after + timedelta(microseconds=1))


def until_text(before: datetime | None) -> str:
    """The inclusive text a user would type for ``before``: a whole day when it is one."""
    if before is None:
        return ""
    if before.time() == time():
        return (before - timedelta(days=1)).date().isoformat()
    return before.isoformat()


def _moment_text(value: datetime) -> str:
    return value.date().isoformat() if value.time() == time() else value.isoformat()


# ------------------------------------------------------------------------------ filters


class Filters(BaseModel):
    """What the filter pane asks for. Empty fields mean "any"."""

    model_config = ConfigDict(frozen=True)

    direction: Direction | None = None
    statuses: frozenset[str] = frozenset()
    contact: str | None = None
    after: datetime | None = None
    before: datetime | None = None
    flagged_only: bool = False
    text: str | None = None
    failed_only: bool = False  # any cached message of the conversation failed
    waiting_only: bool = False  # the customer waits longer than the profile's reply_within
    unread_only: bool = False
    mine_only: bool = False  # assigned to the profile's member_id
    closed: bool | None = None  # the Open (False) / Closed (True) list views, not the pane

    @field_validator("after", "before")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else as_utc(value)

    @field_validator("contact")
    @classmethod
    def _contact(cls, value: str | None) -> str | None:
        """A whole number in E.164; a name or a partial number as typed (trimmed)."""
        if not value or not value.strip():
            return None
        return complete_number(value) or value.strip()

    @field_validator("statuses")
    @classmethod
    def _statuses(cls, value: frozenset[str]) -> frozenset[str]:
        return frozenset(s.strip().lower() for s in value if s.strip())

    @property
    def contact_number(self) -> str | None:
        """The contact as E.164 when it is a whole number: the only contact a server gets."""
        return complete_number(self.contact) if self.contact else None

    def active_fields(self) -> frozenset[str]:
        """Names of the fields that narrow the result."""
        return frozenset(
            name
            for name in FILTER_FIELDS
            if getattr(self, name) not in (None, False, frozenset(), "")
            or (name == "closed" and self.closed is not None)
        )

    def is_empty(self) -> bool:
        return not self.active_fields()

    def only(self, fields: frozenset[str]) -> Filters:
        """A copy keeping just ``fields`` (e.g. the part applied locally)."""
        return Filters(**{name: getattr(self, name) for name in FILTER_FIELDS if name in fields})

    def message_part(self) -> Filters:
        """The fields that can mark single messages (the thread's highlight): without the
        conversation-level flags and view."""
        return self.only(frozenset(FILTER_FIELDS) - CONVERSATION_ONLY)

    def local_part(self, server_fields: frozenset[str]) -> Filters:
        """What inbox-tui applies itself when the server applies ``server_fields``."""
        return self.only(self.active_fields() - server_fields)

    def matches(self, message: Message) -> bool:
        """Client-side application of every active field to one message."""
        if self.direction is not None and message.direction != self.direction:
            return False
        if self.statuses and message.status not in self.statuses:
            return False
        if self.contact and not contact_matches(
            self.contact, message.contact, message.contact_name
        ):
            return False
        if self.after and message.created_at <= self.after:
            return False
        if self.before and message.created_at >= self.before:
            return False
        if self.flagged_only and not message.flagged:
            return False
        return not (self.text and self.text.casefold() not in message.body.casefold())

    def matches_conversation(self, conversation: Conversation) -> bool:
        """These (local) filters applied to a listed conversation: contact, flagged, closed
        and the dates (its last activity) to the conversation itself, the rest to its last
        message (a row of heymarket's conversations API has none). The conversation
        flags (:data:`CONVERSATION_FLAGS`) are not checked here: they need the store (see
        :mod:`inbox_tui.core.conversation_filters`)."""
        active = self.active_fields()
        if not active:
            return True
        if self.closed is not None and conversation.is_closed != self.closed:
            return False
        if self.contact and not contact_matches(
            self.contact, conversation.contact, conversation.name
        ):
            return False
        last = conversation.last_message
        if self.flagged_only and not (conversation.flagged or (last is not None and last.flagged)):
            return False
        if self.after and conversation.last_at <= self.after:
            return False
        if self.before and conversation.last_at >= self.before:
            return False
        message_fields = active - CONVERSATION_FIELDS - _DATE_FIELDS
        if not message_fields:
            return True
        if last is None:
            return False
        return self.only(message_fields).matches(last)


def view_filters(view: SavedView, region: str | None = None) -> Filters:
    """The filters a saved view (``[profiles.NAME.views.X]``) stands for: what the filter
    pane gives for the same fields (the contact read with ``region`` as the pane does)."""
    after, before = date_range(view.since, view.until)
    return Filters(
        direction=None if view.direction is None else Direction(view.direction),
        statuses=frozenset(view.status),
        contact=user_contact(view.contact or "", region),
        after=after,
        before=before,
        flagged_only=view.flagged,
        text=(view.text or "").strip() or None,
        failed_only=view.failed,
        waiting_only=view.waiting,
        unread_only=view.unread,
        mine_only=view.mine,
    )
