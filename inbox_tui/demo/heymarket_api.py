"""The heymarket API style (``/v1/...``) over the demo dataset.

Contract: ``/work/shared/api/heymarket.md``. Choices where the contract is silent:

* ``GET /v1/messages`` answers 404 for a phone number with no conversation in that inbox
  (and for an unknown inbox), 403 for an inbox the credentials cannot see.
* ``POST /v1/messages/all`` with ``ascending: true`` returns messages strictly *after*
  ``created_at``, oldest first, so "pass the last ``date`` as the next cursor" works in both
  directions. With ``order: updated_at`` the cursor compares against ``updated``.
* ``POST /v1/conversations`` requires ``id`` (a team member) and ``filters`` (an object),
  as documented; it pages 50 by default (``limit``, max 100); ``filters.closed``
  true/false selects closed/open, ``filters.unread`` true selects unread only.
* The writes are in ``heymarket_writes.py``.
"""

from __future__ import annotations

import bisect
import json
import random
import re
from collections.abc import Callable
from operator import attrgetter
from typing import Any

from inbox_tui.demo import heymarket_writes
from inbox_tui.demo.auth import check_heymarket
from inbox_tui.demo.context import DemoContext
from inbox_tui.demo.dataset import CREATED, MEDIA_PREFIX, DemoConversation, DemoMessage
from inbox_tui.demo.http import HttpError, Request, Response, json_response
from inbox_tui.demo.times import parse_iso_us, rfc3339_ms

THREAD_PAGE = 50
ALL_DEFAULT_LIMIT = 30
ALL_MAX_LIMIT = 100
CONVERSATIONS_LIMIT = 50
UPDATED = attrgetter("updated_ms")
_DIGITS = re.compile(r"[0-9]{4,15}")


def message_json(m: DemoMessage, base_url: str) -> dict[str, Any]:
    conv = m.conversation
    media = m.media
    if media and media.startswith(MEDIA_PREFIX):
        media = base_url + media
    return {
        "id": m.id,
        "text": m.text,
        "media": media,
        "phone": conv.contact,
        "direction": m.direction,
        "type": m.type,
        "status": m.status,
        "date": rfc3339_ms(m.created_ms),
        "updated": rfc3339_ms(m.updated_ms),
        "user": m.user,
        "author": m.author,
        "conversation": conversation_ref(conv),
        "broadcast_id": m.broadcast_id,
        "flagged": m.flagged,
        "local_id": m.local_id,
    }


def conversation_ref(conv: DemoConversation) -> dict[str, Any]:
    return {
        "id": conv.id,
        "inbox": conv.inbox_id,
        "name": conv.name,
        "target": conv.contact,
        "status": conv.status,
        "read": conv.read,
        "assigned": conv.assigned,
    }


def _cursor_us(value: object, field: str) -> int:
    try:
        return parse_iso_us(value)
    except (ValueError, TypeError, OverflowError):
        raise HttpError(
            400, "bad_request", f"{field} must be an RFC 3339 date-time, got {value!r}"
        ) from None


def _visible_inbox(ctx: DemoContext, raw: object, field: str) -> int:
    try:
        inbox_id = int(str(raw))
    except ValueError:
        raise HttpError(400, "bad_request", f"{field} must be an integer inbox id") from None
    if any(i.id == inbox_id for i in ctx.dataset.hidden_inboxes):
        raise HttpError(403, "forbidden", f"these credentials cannot access inbox {inbox_id}")
    if not any(i.id == inbox_id for i in ctx.dataset.inboxes):
        raise HttpError(404, "not_found", f"inbox {inbox_id} not found")
    return inbox_id


def inboxes(req: Request, ctx: DemoContext) -> Response:
    ds = ctx.dataset
    return json_response(
        [
            {
                "id": i.id,
                "name": i.name,
                "team": ds.team_id,
                "members": list(i.members),
                "phones": [i.phone],
                "phone": i.phone,
                "color": ["#3b82f6", "#10b981", "#f59e0b"][n % 3],
            }
            for n, i in enumerate(ds.inboxes)
        ]
    )


def team(req: Request, ctx: DemoContext) -> Response:
    ds = ctx.dataset
    members = [
        {"id": m.id, "name": m.name, "email": m.email, "role": m.role} for m in ds.team_members
    ]
    return json_response({"id": ds.team_id, "name": ds.team_name, "members": members})


def thread_messages(req: Request, ctx: DemoContext) -> Response:
    phone = req.query.get("phoneNumber")
    raw_inbox = req.query.get("inboxID")
    if not phone or raw_inbox is None:
        raise HttpError(400, "bad_request", "phoneNumber and inboxID are required")
    if not _DIGITS.fullmatch(phone):
        raise HttpError(
            400,
            "bad_request",
            "phoneNumber must be E.164 digits without the plus, e.g. 14155551234",
        )
    inbox_id = _visible_inbox(ctx, raw_inbox, "inboxID")
    before_ms: int | None = None
    raw_ts = req.query.get("timestamp")
    if raw_ts is not None:
        try:
            ts = float(raw_ts)
        except ValueError:
            ts = float("nan")
        if ts != ts or ts in (float("inf"), float("-inf")):
            raise HttpError(400, "bad_request", "timestamp must be Unix seconds")
        before_ms = -int(-ts * 1000 // 1)  # strictly before ts: created_ms < ceil(ts*1000)
    conv = ctx.dataset.conversation(inbox_id, phone)
    if conv is None:
        raise HttpError(404, "not_found", f"no conversation with {phone} in inbox {inbox_id}")
    page = ctx.dataset.thread_before(conv, before_ms)[-THREAD_PAGE:]
    page = list(page)
    random.Random(f"{conv.id}:{raw_ts}").shuffle(page)  # order is not promised
    return json_response([message_json(m, req.base_url) for m in page])


def _bool(body: dict[str, Any], key: str, default: bool) -> bool:
    value = body.get(key, default)
    if not isinstance(value, bool):
        raise HttpError(400, "bad_request", f"{key} must be true or false")
    return value


def _limit(body: dict[str, Any], default: int, cap: int) -> int:
    value = body.get("limit", default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise HttpError(400, "bad_request", "limit must be a positive integer")
    return min(value, cap)


def all_messages(req: Request, ctx: DemoContext) -> Response:
    body = req.json_body()
    if "created_at" not in body:
        raise HttpError(400, "bad_request", "created_at is required (RFC 3339)")
    cursor_us = _cursor_us(body["created_at"], "created_at")
    order = body.get("order", "created_at")
    if order not in ("created_at", "updated_at"):
        raise HttpError(400, "bad_request", "order must be created_at or updated_at")
    ascending = _bool(body, "ascending", False)
    limit = _limit(body, ALL_DEFAULT_LIMIT, ALL_MAX_LIMIT)
    ds = ctx.dataset
    if order == "created_at":
        records, key = ds.before(None), CREATED
    else:
        records, key = ds.by_updated, UPDATED
    if ascending:  # strictly after the cursor: time_ms * 1000 > cursor_us
        start = bisect.bisect_right(records, cursor_us // 1000, key=key)
        page = records[start : start + limit]
    else:  # strictly before: time_ms < ceil(cursor_us / 1000)
        end = bisect.bisect_left(records, -(-cursor_us // 1000), key=key)
        page = records[max(0, end - limit) : end][::-1]
    return json_response([message_json(m, req.base_url) for m in page])


def count_messages(req: Request, ctx: DemoContext) -> Response:
    body = req.json_body(required=False)
    if body.get("created_at") is None:
        count = len(ctx.dataset.before(None))
    else:
        cursor_us = _cursor_us(body["created_at"], "created_at")
        count = len(ctx.dataset.before(-(-cursor_us // 1000)))
    return Response(200, json.dumps(str(count)).encode())


def _last_times(ds: Any, conv: DemoConversation) -> tuple[int | None, int | None]:
    """Times of the newest inbound message and of the newest reply (outbound, not a note)."""
    inbound = replied = None
    for m in reversed(ds.thread_before(conv, None)):
        if inbound is None and m.direction == "inbound":
            inbound = m.created_ms
        elif replied is None and m.direction == "outbound" and not m.is_note:
            replied = m.created_ms
        if inbound is not None and replied is not None:
            break
    return inbound, replied


def conversation_row(ds: Any, c: DemoConversation) -> dict[str, Any]:
    inbound, replied = _last_times(ds, c)
    inbox = ds.inbox(c.inbox_id)
    return {
        **conversation_ref(c),
        "last_inbound": rfc3339_ms(inbound) if inbound is not None else None,
        "replied": rfc3339_ms(replied) if replied is not None else None,
        "snooze_till": None,
        "updated": rfc3339_ms(c.updated_ms),
        "created": rfc3339_ms(c.created_ms),
        "members": list(inbox.members) if inbox else [],
        "channel": "sms",
    }


def conversations(req: Request, ctx: DemoContext) -> Response:
    body = req.json_body(required=False)
    ds = ctx.dataset
    member = body.get("id")
    if member is None:
        raise HttpError(400, "bad_request", "id (the member id) is required")
    if isinstance(member, bool) or ds.member(member) is None:
        raise HttpError(404, "not_found", f"team member {member!r} not found")
    filters = body.get("filters")
    if filters is None:
        raise HttpError(400, "bad_request", "filters is required (an object)")
    if not isinstance(filters, dict):
        raise HttpError(400, "bad_request", "filters must be an object")
    wanted = filters.get("inboxes")
    if wanted is None:
        inbox_ids = {i.id for i in ds.inboxes}
    elif isinstance(wanted, list):
        inbox_ids = {_visible_inbox(ctx, i, "filters.inboxes") for i in wanted}
    else:
        raise HttpError(400, "bad_request", "filters.inboxes must be a list of inbox ids")
    closed = filters.get("closed")
    unread = filters.get("unread")
    for name, value in (("closed", closed), ("unread", unread)):
        if value is not None and not isinstance(value, bool):
            raise HttpError(400, "bad_request", f"filters.{name} must be true or false")
    before_ms: int | None = None
    if body.get("date") is not None:
        before_ms = -(-_cursor_us(body["date"], "date") // 1000)
    limit = _limit(body, CONVERSATIONS_LIMIT, 100)
    keep: Callable[[DemoConversation], bool] = lambda c: (  # noqa: E731
        c.inbox_id in inbox_ids
        and (before_ms is None or c.updated_ms < before_ms)
        and (closed is None or (c.status == "closed") == closed)
        and (not unread or not c.read)
    )
    page = [c for c in ds.conversations if keep(c)][:limit]
    return json_response([conversation_row(ds, c) for c in page])


ROUTES: dict[tuple[str, str], Callable[[Request, DemoContext], Response]] = {
    ("GET", "/v1/inboxes"): inboxes,
    ("GET", "/v1/team"): team,
    ("GET", "/v1/messages"): thread_messages,
    ("POST", "/v1/messages/all"): all_messages,
    ("POST", "/v1/messages/all/count"): count_messages,
    ("POST", "/v1/conversations"): conversations,
    **heymarket_writes.ROUTES,
}


def handle(req: Request, ctx: DemoContext) -> Response:
    handler = ROUTES.get((req.method, req.path))
    if handler is None:
        if any(path == req.path for _, path in ROUTES):
            raise HttpError(405, "method_not_allowed", f"{req.method} not allowed on {req.path}")
        raise HttpError(404, "not_found", f"no such endpoint {req.path}")
    reason = check_heymarket(req.headers, ctx.credentials)
    if reason is not None:
        raise HttpError(401, "unauthorized", reason)
    return handler(req, ctx)
