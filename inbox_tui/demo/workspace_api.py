"""The workspace API style (``/api/ui/workspaces/{id}/messages``) over the demo dataset.

Contract: ``/work/shared/api/workspace.md``. Records have second resolution here (as the
API shows them): ``startDate`` keeps messages strictly after it, ``endDate`` strictly
before it (or at/before it with ``workspace_end_date_inclusive``). ``from``/``to`` must be
E.164 with the plus (a client that forgets to URL-encode ``+`` gets a 400, not silence).
Pages are newest first, shuffled within the page (order is not promised).
"""

from __future__ import annotations

import bisect
import hashlib
import random
import re
from typing import Any

from inbox_tui.demo.auth import check_workspace
from inbox_tui.demo.context import DemoContext
from inbox_tui.demo.dataset import CREATED, DemoMessage
from inbox_tui.demo.http import HttpError, Request, Response, json_response
from inbox_tui.demo.times import iso_seconds, parse_iso_us

PREFIX = "/api/ui/workspaces/"
DEFAULT_LIMIT = 50
MAX_LIMIT = 100
_E164 = re.compile(r"\+[0-9]{4,15}")


def message_json(m: DemoMessage) -> dict[str, Any]:
    contact, own = m.contact_e164, m.own_number_e164
    inbound = m.direction == "inbound"
    return {
        "id": m.workspace_id,
        "direction": m.direction,
        "to": own if inbound else contact,
        "from": contact if inbound else own,
        "body": m.text,
        "status": m.status,
        "provider_sid": "SM" + hashlib.blake2b(m.workspace_id.encode(), digest_size=16).hexdigest(),
        "created_at": iso_seconds(m.created_ms),
    }


def _int(query: dict[str, str], key: str, default: int) -> int:
    raw = query.get(key)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise HttpError(400, "bad_request", f"{key} must be an integer, got {raw!r}") from None


def _date_seconds(query: dict[str, str], key: str) -> tuple[int, int] | None:
    """(whole seconds, has a fractional part) of an ISO 8601 parameter, or None."""
    raw = query.get(key)
    if raw is None or raw == "":
        return None
    try:
        us = parse_iso_us(raw)
    except (ValueError, OverflowError):
        raise HttpError(
            400, "bad_request", f"{key} must be an ISO 8601 date-time, got {raw!r}"
        ) from None
    return us // 1_000_000, int(us % 1_000_000 != 0)


def _number(query: dict[str, str], key: str) -> str | None:
    raw = query.get(key)
    if raw is None or raw == "":
        return None
    if not _E164.fullmatch(raw):
        raise HttpError(
            400, "bad_request", f"{key} must be E.164 with the leading + (URL-encoded as %2B)"
        )
    return raw


def messages(req: Request, ctx: DemoContext, workspace_id: str) -> Response:
    q = req.query
    page = _int(q, "page", 1)
    if page < 1:
        raise HttpError(400, "bad_request", "page must be 1 or more")
    limit = min(max(_int(q, "limit", DEFAULT_LIMIT), 1), MAX_LIMIT)
    direction = q.get("direction") or None
    if direction is not None and direction not in ("inbound", "outbound"):
        raise HttpError(400, "bad_request", "direction must be inbound or outbound")
    status = q.get("status") or None
    sender, recipient = _number(q, "from"), _number(q, "to")
    start, end = _date_seconds(q, "startDate"), _date_seconds(q, "endDate")

    ds = ctx.dataset
    number = sender or recipient
    records = ds.workspace_by_number.get(number, []) if number else ds.workspace_messages
    # Time window on whole seconds: created_s > start; created_s < end (or <= if inclusive).
    lo, hi = 0, len(records)
    if start is not None:
        lo = bisect.bisect_left(records, (start[0] + 1) * 1000, key=CREATED)
    if end is not None:
        end_s, fraction = end
        last_ok = end_s if (fraction or ctx.workspace_end_date_inclusive) else end_s - 1
        hi = bisect.bisect_left(records, (last_ok + 1) * 1000, key=CREATED)
    window = records[lo:hi] if lo < hi else []
    if direction or status or sender or recipient:
        window = [
            m
            for m in window
            if (direction is None or m.direction == direction)
            and (status is None or m.status == status)
            and (sender is None or _sender(m) == sender)
            and (recipient is None or _recipient(m) == recipient)
        ]
    total = len(window)
    total_pages = -(-total // limit)
    newest = total - (page - 1) * limit
    chosen = window[max(0, newest - limit) : max(0, newest)][::-1]
    random.Random(f"{req.path}?{sorted(q.items())}").shuffle(chosen)
    return json_response(
        {
            "messages": [message_json(m) for m in chosen],
            "pagination": {
                "currentPage": page,
                "totalPages": total_pages,
                "totalMessages": total,
                "hasNext": page < total_pages,
            },
        }
    )


def _sender(m: DemoMessage) -> str:
    return m.contact_e164 if m.direction == "inbound" else m.own_number_e164


def _recipient(m: DemoMessage) -> str:
    return m.own_number_e164 if m.direction == "inbound" else m.contact_e164


def handle(req: Request, ctx: DemoContext) -> Response:
    rest = req.path[len(PREFIX) :]
    workspace_id, _, tail = rest.partition("/")
    if tail != "messages" or not workspace_id:
        raise HttpError(404, "not_found", f"no such endpoint {req.path}")
    if req.method != "GET":
        raise HttpError(405, "method_not_allowed", f"{req.method} not allowed on {req.path}")
    reason = check_workspace(req.headers, ctx.credentials)
    if reason is not None:
        raise HttpError(401, "unauthorized", reason)
    creds = ctx.credentials
    if workspace_id == creds.forbidden_workspace_id:
        raise HttpError(403, "forbidden", f"you are not a member of workspace {workspace_id}")
    if workspace_id != creds.workspace_id:
        raise HttpError(404, "not_found", f"workspace {workspace_id} not found")
    return messages(req, ctx, workspace_id)
