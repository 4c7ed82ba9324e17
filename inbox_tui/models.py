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
    # From a conversation list that has them (heymarket ``POST /v1/conversations``); None
    # where the API did not say.
    assigned_to: str | None = None  # member id of the owner
    closed: bool | None = None
    last_inbound_at: datetime | None = None
    replied_at: datetime | None = None
    opted_out: bool | None = None

    @field_validator("last_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return as_utc(value)

    @field_validator("last_inbound_at", "replied_at")
    @classmethod
    def _utc_opt(cls, value: datetime | None) -> datetime | None:
        return None if value is None else as_utc(value)

    @property
    def is_closed(self) -> bool:
        return self.closed if self.closed is not None else self.status == "closed"

    @property
    def owner(self) -> str | None:
        """The owner's member id; None when nobody owns it (``0`` is heymarket's "nobody")."""
        value = self.assigned_to
        return str(value) if value not in (None, "", "0") else None

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
    inbox_ids: tuple[str, ...] = ()  # the inboxes the member belongs to, when known


class MessageTemplate(BaseModel):
    """A saved reply; ``text`` holds ``{{first_name}}``-style merge tokens."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    name: str
    text: str
