"""Turning models into rows and back. Times are integer microseconds since the epoch
(sortable, exact); the full normalised message (raw payload included) is kept as JSON."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

from pydantic import BaseModel
from pydantic_core import PydanticSerializationError

from inbox_tui.compact import FIELDS, CompactMessage
from inbox_tui.dates import from_epoch_us
from inbox_tui.models import Conversation, Direction, Message, as_utc

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SURROGATE = re.compile("[\ud800-\udfff]")
_US = timedelta(microseconds=1)


class MessagePosition(NamedTuple):
    """A position in a thread: the sort key (time, id) of one message."""

    at_us: int
    id: str

    @classmethod
    def of(cls, message: Message) -> MessagePosition:
        return cls(to_us(message.created_at), message.id)


def clean(value: Any) -> Any:
    """Strings made storable: lone surrogates (JSON can carry ``\\ud800``) cannot be encoded
    as UTF-8, so they become U+FFFD; other values pass through unchanged."""
    if isinstance(value, str) and not value.isascii() and _SURROGATE.search(value):
        return _SURROGATE.sub("\ufffd", value)
    return value


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {clean(k): _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


def dump_json(model: BaseModel, **kwargs: Any) -> str:
    """``model.model_dump_json(**kwargs)``, falling back to a scrubbed copy when a string
    in it (usually inside ``raw``) holds a lone surrogate."""
    try:
        return model.model_dump_json(**kwargs)
    except PydanticSerializationError:
        data = _scrub(model.model_dump(mode="python", **kwargs))
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)


def to_us(value: datetime) -> int:
    return (as_utc(value) - EPOCH) // _US


def from_us(value: int) -> datetime:
    return from_epoch_us(value)  # clamped: a damaged row must not crash a read


@lru_cache(maxsize=65536)
def numbers_text(contact: str | None) -> str:
    """Searchable forms of a number: full digits, national (for +1), last 7, last 4."""
    digits = "".join(ch for ch in contact or "" if ch.isdigit())
    if not digits:
        return ""
    forms = [digits]
    if digits.startswith("1") and len(digits) == 11:
        forms.append(digits[1:])
    for tail in (7, 4):
        if len(digits) > tail:
            forms.append(digits[-tail:])
    return " ".join(dict.fromkeys(forms))


MESSAGE_COLUMNS = (
    "source, id, conversation_key, inbox_id, contact, created_us, status, direction, "
    "flagged, body, json, search_name, search_numbers"
)


# Fields kept in their own columns are left out of the JSON (and put back on read).
_COLUMN_FIELDS = frozenset(
    {
        "source",
        "id",
        "conversation_key",
        "inbox_id",
        "contact",
        "created_at",
        "status",
        "direction",
        "flagged",
        "body",
    }
)
MESSAGE_READ_COLUMNS = (
    "source, id, conversation_key, inbox_id, contact, created_us, status, direction, "
    "flagged, body, json"
)


def message_json(message: Message) -> str:
    """The rest of the model (raw payload included), without defaults or column fields."""
    return dump_json(message, exclude=set(_COLUMN_FIELDS), exclude_none=True, exclude_defaults=True)


def message_row(message: Message, name: str | None) -> tuple[Any, ...]:
    """The INSERT tuple for ``MESSAGE_COLUMNS``; ``name`` is the best-known contact name."""
    return tuple(
        map(
            clean,
            (
                message.source,
                message.id,
                message.conversation_key,
                message.inbox_id,
                message.contact,
                to_us(message.created_at),
                message.status,
                message.direction.value,
                int(message.flagged),
                message.body,
                message_json(message),
                message.contact_name or name or "",
                numbers_text(message.contact),
            ),
        )
    )


def message_from_row(row: tuple[Any, ...]) -> Message:
    """A message from ``MESSAGE_READ_COLUMNS`` (older rows may hold more in their JSON)."""
    source, mid, key, inbox_id, contact, created_us, status, direction, flagged, body, js = row
    data = json.loads(js) if js else {}
    data.update(
        source=source,
        id=mid,
        conversation_key=key,
        inbox_id=inbox_id,
        contact=contact,
        created_at=from_us(created_us),
        status=status,
        direction=direction,
        flagged=bool(flagged),
        body=body,
    )
    return Message.model_validate(data)


_DEFAULTS = {
    name: field.get_default(call_default_factory=True)
    for name, field in Message.model_fields.items()
    if name in FIELDS and not field.is_required()
}
_RAW_KEY = ',"raw":'


def _without_payload(js: str) -> str:
    """The stored JSON up to the vendor payload. ``raw`` is the model's last field, so its
    key ends the flat fields; outside a string a ``"`` is never escaped, so the first
    ``,"raw":`` is that key."""
    if js.startswith('{"raw":'):
        return "{}"
    cut = js.find(_RAW_KEY)
    return js if cut < 0 else js[:cut] + "}"


def compact_from_row(row: tuple[Any, ...]) -> CompactMessage:
    """A :class:`CompactMessage` from ``MESSAGE_READ_COLUMNS`` without reading the vendor
    payload or validating again (the row was written from a validated message): what an
    open thread holds. A row this cannot read goes the full way (which says why)."""
    source, mid, key, inbox_id, contact, created_us, status, direction, flagged, body, js = row
    try:
        data = json.loads(_without_payload(js)) if js else {}
        values = dict(_DEFAULTS)
        values.update((name, value) for name, value in data.items() if name in values)
        updated = values["updated_at"]
        if isinstance(updated, str):
            values["updated_at"] = as_utc(datetime.fromisoformat(updated))
        values.update(
            source=source,
            id=mid,
            conversation_key=key,
            inbox_id=inbox_id,
            contact=contact,
            created_at=from_us(created_us),
            status=status,
            direction=Direction(direction),
            flagged=bool(flagged),
            body=body,
        )
        return CompactMessage(**values)
    except (ValueError, TypeError, KeyError):
        return CompactMessage.of(message_from_row(row))


CONVERSATION_COLUMNS = (
    "key, contact, name, inbox_id, last_us, unread, flagged, has_failed, preview, status, "
    "last_json, triage, last_inbound_us, replied_us"
)
# Conversation-list fields some APIs give (``POST /v1/conversations``), kept as one JSON
# column (``conversations.triage``): None when the API said none of them. The two times of
# the waiting rule have their own columns (``last_inbound_us``, ``replied_us``: schema 4).
_TRIAGE_FIELDS = ("assigned_to", "closed", "opted_out")
_WAIT_FIELDS = ("last_inbound_at", "replied_at")


def _opt_us(value: datetime | None) -> int | None:
    return None if value is None else to_us(value)


def legacy_wait_fields(js: str | None) -> tuple[int | None, int | None]:
    """``last_inbound_at`` / ``replied_at`` as a version before schema 4 kept them in the
    ``triage`` JSON, in microseconds (None where absent or unreadable)."""
    try:
        data = json.loads(js) if js else {}
    except ValueError:
        return None, None
    out: list[int | None] = []
    for name in _WAIT_FIELDS:
        value = data.get(name) if isinstance(data, dict) else None
        try:
            out.append(to_us(datetime.fromisoformat(value)) if isinstance(value, str) else None)
        except ValueError:
            out.append(None)
    return out[0], out[1]


def triage_json(conv: Conversation) -> str | None:
    values = {name: getattr(conv, name) for name in _TRIAGE_FIELDS}
    if all(value is None for value in values.values()):
        return None
    return json.dumps(
        {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _triage_fields(js: str | None) -> dict[str, Any]:
    if not js:
        return {}
    try:
        data = json.loads(js)
    except ValueError:  # a damaged value loses the extras, never the row
        return {}
    return {k: v for k, v in data.items() if k in _TRIAGE_FIELDS} if isinstance(data, dict) else {}


def conversation_row(conv: Conversation) -> tuple[Any, ...]:
    last = conv.last_message
    return tuple(
        map(
            clean,
            (
                conv.key,
                conv.contact,
                conv.name,
                conv.inbox_id,
                to_us(conv.last_at),
                int(conv.unread),
                int(conv.flagged),
                int(conv.has_failed),
                last.body if last is not None else "",
                conv.status,
                dump_json(last) if last is not None else None,
                triage_json(conv),
                _opt_us(conv.last_inbound_at),
                _opt_us(conv.replied_at),
            ),
        )
    )


def conversation_from_row(row: tuple[Any, ...]) -> Conversation:
    key, contact, name, inbox_id, last_us, unread, flagged, has_failed, _preview, status, js = row[
        :11
    ]
    last = Message.model_validate_json(js) if js else None
    extra = _triage_fields(row[11] if len(row) > 11 else None)
    if len(row) > 13:
        extra["last_inbound_at"] = None if row[12] is None else from_us(row[12])
        extra["replied_at"] = None if row[13] is None else from_us(row[13])
    return Conversation(
        **extra,
        key=key,
        contact=contact,
        name=name,
        inbox_id=inbox_id,
        last_message=last,
        last_at=from_us(last_us),
        unread=bool(unread),
        flagged=bool(flagged),
        has_failed=bool(has_failed),
        status=status,
    )
