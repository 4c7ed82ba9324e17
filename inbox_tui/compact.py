"""A read-only message for what a view holds for long (an open thread): the fields of
:class:`~inbox_tui.models.Message` in slots, without the vendor payload.

A pydantic model carries a dict of its fields (about 0.5 KB for a message, on top of the
values); 100,000 of them were most of a long thread's memory. This class has the same
attributes and helpers the readers use (``sort_key``, ``is_note``, ``model_copy``), about
200 bytes of slots, and the repeated strings (status, kind, numbers, keys, author) shared.
The detail screen reads the full message, payload included, back from the cache.
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

from inbox_tui.models import FAILED_STATUSES, Direction, Message

FIELDS = tuple(name for name in Message.model_fields if name != "raw")
# Values that repeat across a thread: one string object for all.
_SHARED = frozenset(
    {"source", "conversation_key", "contact", "own_number", "inbox_id", "kind", "status",
     "author", "user_id", "contact_name"}
)  # fmt: skip
_NO_RAW: dict[str, Any] = {}  # shared, never mutated


class CompactMessage:
    __slots__ = FIELDS

    id: str
    source: str
    conversation_key: str
    contact: str
    own_number: str | None
    inbox_id: str | None
    direction: Direction
    kind: str
    status: str
    body: str
    media_url: str | None
    created_at: datetime
    updated_at: datetime | None
    author: str | None
    user_id: str | None
    contact_name: str | None
    flagged: bool
    broadcast_id: str | None
    local_id: str | None
    provider_sid: str | None

    def __init__(self, **values: Any) -> None:
        setter = object.__setattr__
        for name in FIELDS:
            value = values[name]
            if name in _SHARED and type(value) is str:
                value = sys.intern(value)
            setter(self, name, value)

    @classmethod
    def of(cls, message: Message | CompactMessage) -> CompactMessage:
        if isinstance(message, CompactMessage):
            return message
        return cls(**message.__dict__)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    @property
    def raw(self) -> dict[str, Any]:
        """Not kept: the cache has it (``Session.full_message``)."""
        return _NO_RAW

    @property
    def is_note(self) -> bool:
        kind = self.kind.lower()
        return "private" in kind or kind in {"note", "comment"}

    @property
    def is_failed(self) -> bool:
        return self.status in FAILED_STATUSES

    @property
    def sort_key(self) -> tuple[datetime, str]:
        return (self.created_at, self.id)

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FIELDS}

    def model_copy(self, *, update: dict[str, Any] | None = None) -> CompactMessage:
        return CompactMessage(**(self.values() | (update or {})))

    def full(self) -> Message:
        """A :class:`Message` with these fields (and no payload)."""
        return Message.model_construct(**self.values())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CompactMessage | Message):
            return all(getattr(self, n) == getattr(other, n) for n in FIELDS)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.id, self.source, self.created_at))

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:  # pickle (the export spool)
        return _load, tuple(getattr(self, name) for name in FIELDS)

    def __repr__(self) -> str:
        return f"CompactMessage(id={self.id!r}, created_at={self.created_at!r})"


def _load(*values: Any) -> CompactMessage:
    return CompactMessage(**dict(zip(FIELDS, values, strict=True)))
