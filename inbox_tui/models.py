"""The normalised domain shared by every layer.

Vendor JSON becomes these models in ``inbox_tui/api/`` and nowhere else. Timestamps are
timezone-aware UTC; phone numbers are E.164 with ``+``; ids are strings (heymarket's
integers included) so both API styles share one shape.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from inbox_tui.dates import to_utc
from inbox_tui.phone import to_e164


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


# Statuses the app knows how to style; the set is open, unknown ones are shown as typed.
KNOWN_STATUSES: tuple[str, ...] = (
    "received",
    "queued",
    "pending",
    "sent",
    "delivered",
    "failed",
    "undelivered",
)
FAILED_STATUSES = frozenset({"failed", "undelivered", "error"})


def as_utc(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC; aware ones are converted to UTC (clamped to the
    representable range: a year-1 date with a positive offset is not an error)."""
    return to_utc(value)


class Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    source: str = Field(description="API style that produced it: heymarket | workspace")
    conversation_key: str = Field(description="Stable key of the conversation (see keys)")
    contact: str = Field(description="The customer's number, E.164 with +")
    own_number: str | None = Field(default=None, description="Our number, E.164, if known")
    inbox_id: str | None = None
    direction: Direction
    kind: str = "sms"  # sms, mms, email, private, ... (open set)
    status: str = ""  # lower-cased; open set
    body: str = ""
    media_url: str | None = None
    created_at: datetime
    updated_at: datetime | None = None
    author: str | None = None  # label shown above the bubble
    user_id: str | None = None  # team member who sent it
    contact_name: str | None = None
    flagged: bool = False
    broadcast_id: str | None = None
    local_id: str | None = None
    provider_sid: str | None = None
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)

    @field_validator("created_at", "updated_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else as_utc(value)

    @field_validator("contact", "own_number")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        return None if value is None else to_e164(value)

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        return (value or "").strip().lower()

    @property
    def is_note(self) -> bool:
        """Private comments are internal team notes, not messages to/from the contact."""
        return "private" in self.kind.lower() or self.kind.lower() in {"note", "comment"}

    @property
    def is_failed(self) -> bool:
        return self.status in FAILED_STATUSES

    @property
    def sort_key(self) -> tuple[datetime, str]:
        """Total order used everywhere: time, then id (equal timestamps are common)."""
        return (self.created_at, self.id)


def conversation_key(contact: str, inbox_id: str | None = None) -> str:
    """``inbox:+number`` when the API scopes threads by inbox, else the bare number."""
    number = to_e164(contact)
    return f"{inbox_id}:{number}" if inbox_id else number


class Conversation(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    key: str
    contact: str
    inbox_id: str | None = None
    name: str | None = None
    last_message: Message | None = None
    last_at: datetime
    unread: bool = False
    flagged: bool = False
    has_failed: bool = False
    status: str | None = None  # open / closed, when the API says
    assigned_to: str | None = None  # the member id it is assigned to, when the API says
    closed: bool = False

    @field_validator("last_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return as_utc(value)

    @field_validator("contact")
    @classmethod
    def _e164(cls, value: str) -> str:
        return to_e164(value)


class Inbox(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    name: str
    phones: tuple[str, ...] = ()


class TeamMember(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    name: str


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

    @field_validator("after", "before")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else as_utc(value)

    @field_validator("contact")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        return to_e164(value) if value else None

    @field_validator("statuses")
    @classmethod
    def _statuses(cls, value: frozenset[str]) -> frozenset[str]:
        return frozenset(s.strip().lower() for s in value if s.strip())

    def active_fields(self) -> frozenset[str]:
        """Names of the fields that narrow the result."""
        return frozenset(
            name
            for name in FILTER_FIELDS
            if getattr(self, name) not in (None, False, frozenset(), "")
        )

    def is_empty(self) -> bool:
        return not self.active_fields()

    def only(self, fields: frozenset[str]) -> Filters:
        """A copy keeping just ``fields`` (e.g. the part applied locally)."""
        return Filters(**{name: getattr(self, name) for name in FILTER_FIELDS if name in fields})

    def matches(self, message: Message) -> bool:
        """Client-side application of every active field."""
        if self.direction is not None and message.direction != self.direction:
            return False
        if self.statuses and message.status not in self.statuses:
            return False
        if self.contact and message.contact != self.contact:
            return False
        if self.after and message.created_at <= self.after:
            return False
        if self.before and message.created_at >= self.before:
            return False
        if self.flagged_only and not message.flagged:
            return False
        return not (self.text and self.text.casefold() not in message.body.casefold())


FILTER_FIELDS: tuple[str, ...] = (
    "direction",
    "statuses",
    "contact",
    "after",
    "before",
    "flagged_only",
    "text",
)
