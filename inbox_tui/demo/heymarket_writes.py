"""heymarket's documented writes over the demo dataset (``inbox_tui/api/HEYMARKET_WRITES.md``).

Strict where the documentation is: a missing required field is a 400 naming it; the acting
member (``creator_id`` / ``user_id``) must belong to the inbox; a send names exactly one
target (``phone_number`` digits without ``+`` or ``chat_id``) and some content; a repeated
``local_id`` answers the message it already made (idempotency). Every body received is
recorded in ``DemoContext.writes`` (``GET /_demo/writes``) for tests and closing notes.
"""

from __future__ import annotations

import json
import re
from typing import Any

from inbox_tui.demo.context import DemoContext
from inbox_tui.demo.dataset import DemoConversation, DemoMessage
from inbox_tui.demo.http import HttpError, Request, Response, json_response
from inbox_tui.demo.times import parse_iso_us, rfc3339_ms

TEMPLATES_PAGE = 30
_DIGITS = re.compile(r"[0-9]{4,15}")
OK = Response(200, json.dumps("ok").encode())


def _body(req: Request, ctx: DemoContext) -> dict[str, Any]:
    body = req.json_body()
    ctx.writes.append((req.path, body))
    return body


def _required(body: dict[str, Any], *names: str) -> None:
    missing = [n for n in names if body.get(n) in (None, "")]
    if missing:
        raise HttpError(400, "bad_request", f"{', '.join(missing)} is required")


def _int(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise HttpError(400, "bad_request", f"{name} must be an integer id")
    try:
        return int(value)
    except ValueError:
        raise HttpError(400, "bad_request", f"{name} must be an integer id") from None


def _digits(value: Any, name: str) -> str:
    if not isinstance(value, str) or not _DIGITS.fullmatch(value):
        raise HttpError(
            400, "bad_request", f"{name} must be E.164 digits without the plus, e.g. 14155551234"
        )
    return value


def _inbox_and_member(ctx: DemoContext, body: dict[str, Any], member_field: str) -> tuple[int, int]:
    inbox_id = _int(body, "inbox_id")
    inbox = ctx.dataset.inbox(inbox_id)
    if inbox is None:
        raise HttpError(404, "not_found", f"inbox {inbox_id} not found")
    if not inbox.visible:
        raise HttpError(403, "forbidden", f"these credentials cannot access inbox {inbox_id}")
    member = _int(body, member_field)
    if member not in inbox.members:
        raise HttpError(
            400,
            "bad_request",
            f"{member_field} {member} is not a member of inbox {inbox_id} "
            "(use a member id from GET /v1/inboxes)",
        )
    return inbox_id, member


def _by_chat(ctx: DemoContext, inbox_id: int, chat_id: int) -> DemoConversation:
    for conv in ctx.dataset.conversations:
        if conv.id == chat_id and conv.inbox_id == inbox_id:
            return conv
    raise HttpError(404, "not_found", f"no conversation {chat_id} in inbox {inbox_id}")


def _target(ctx: DemoContext, body: dict[str, Any], inbox_id: int) -> DemoConversation:
    """The conversation named by ``chat_id`` or ``target`` (one of them is required)."""
    if body.get("chat_id") not in (None, ""):
        return _by_chat(ctx, inbox_id, _int(body, "chat_id"))
    if body.get("target") in (None, ""):
        raise HttpError(400, "bad_request", "chat_id or target is required")
    phone = _digits(body["target"], "target")
    conv = ctx.dataset.conversation(inbox_id, phone)
    if conv is None:
        raise HttpError(404, "not_found", f"no conversation with {phone} in inbox {inbox_id}")
    return conv


def _sent(m: DemoMessage, req: Request) -> Response:
    media = m.media if not m.media or not m.media.startswith("/") else req.base_url + m.media
    return json_response({"id": m.id, "date": rfc3339_ms(m.created_ms), "gallery_url": media})


def send(req: Request, ctx: DemoContext) -> Response:
    body = _body(req, ctx)
    _required(body, "inbox_id", "creator_id")
    inbox_id, creator = _inbox_and_member(ctx, body, "creator_id")
    has_phone = body.get("phone_number") not in (None, "")
    has_chat = body.get("chat_id") not in (None, "")
    if has_phone == has_chat:
        raise HttpError(400, "bad_request", "give exactly one of phone_number or chat_id")
    text, template_id, media = body.get("text"), body.get("template_id"), body.get("media_url")
    if not (text or template_id or media):
        raise HttpError(400, "bad_request", "one of text, template_id or media_url is required")
    if text is not None and not isinstance(text, str):
        raise HttpError(400, "bad_request", "text must be a string")
    private = body.get("private", False)
    if not isinstance(private, bool):
        raise HttpError(400, "bad_request", "private must be true or false")
    local_id = body.get("local_id")
    if local_id is not None and not isinstance(local_id, str | int):
        raise HttpError(400, "bad_request", "local_id must be a string")
    ds = ctx.dataset
    if local_id is not None and str(local_id) in ds.by_local_id:
        return _sent(ds.by_local_id[str(local_id)], req)  # idempotent: the same message
    if has_chat:
        phone = _by_chat(ctx, inbox_id, _int(body, "chat_id")).contact
    else:
        phone = _digits(body["phone_number"], "phone_number")
    if phone in ds.opted_out and not private:
        raise HttpError(403, "opted_out", f"{phone} opted out of messages from this inbox")
    if template_id is not None and not text:
        template = next((t for t in ds.templates if t[0] == _int(body, "template_id")), None)
        if template is None:
            raise HttpError(404, "not_found", f"template {template_id} not found")
        text = template[2]
    kind = "private" if private else ("mms" if media else "sms")
    message = ds.add_message(
        inbox_id, phone, text or "", direction="outbound", type=kind, user=creator, status="sent"
    )
    message.media = media if isinstance(media, str) and media else None
    if local_id is not None:
        message.local_id = str(local_id)
        ds.by_local_id[str(local_id)] = message
    return _sent(message, req)


def _set_status(req: Request, ctx: DemoContext, status: str) -> Response:
    body = _body(req, ctx)
    _required(body, "inbox_id", "user_id")
    inbox_id, _ = _inbox_and_member(ctx, body, "user_id")
    _target(ctx, body, inbox_id).status = status
    return OK


def close(req: Request, ctx: DemoContext) -> Response:
    return _set_status(req, ctx, "closed")


def reopen(req: Request, ctx: DemoContext) -> Response:
    return _set_status(req, ctx, "open")


def mark_read(req: Request, ctx: DemoContext) -> Response:
    body = _body(req, ctx)
    _required(body, "inbox_id", "user_id")
    inbox_id, _ = _inbox_and_member(ctx, body, "user_id")
    targets = body.get("targets")
    if isinstance(targets, list) and targets and body.get("target") in (None, ""):
        convs = [_target(ctx, {"target": t}, inbox_id) for t in targets]
    else:
        convs = [_target(ctx, body, inbox_id)]
    for conv in convs:
        conv.read = True
    return OK


def reassign(req: Request, ctx: DemoContext) -> Response:
    body = _body(req, ctx)
    _required(body, "inbox_id", "target", "user_id", "reassign_id")
    inbox_id, owner = _inbox_and_member(ctx, body, "user_id")
    conv = _target(ctx, body, inbox_id)
    if conv.assigned is not None and conv.assigned != owner:
        raise HttpError(400, "bad_request", f"user_id must be the current owner ({conv.assigned})")
    new_owner = _int(body, "reassign_id")
    inbox = ctx.dataset.inbox(inbox_id)
    if inbox is None or new_owner not in inbox.members:
        raise HttpError(400, "bad_request", f"reassign_id {new_owner} is not in inbox {inbox_id}")
    conv.assigned = new_owner
    return OK


def templates(req: Request, ctx: DemoContext) -> Response:
    body = req.json_body(required=False)
    before_ms: int | None = None
    if body.get("date") is not None:
        try:
            before_ms = -(-parse_iso_us(body["date"]) // 1000)
        except (ValueError, TypeError, OverflowError):
            raise HttpError(400, "bad_request", "date must be an RFC 3339 date-time") from None
    rows = sorted(ctx.dataset.templates, key=lambda t: -t[3])
    page = [t for t in rows if before_ms is None or t[3] < before_ms][:TEMPLATES_PAGE]
    return json_response(
        [
            {
                "id": i,
                "name": n,
                "content": {"text": t, "gallery": []},
                "shared": True,
                "archived": False,
                "updated": rfc3339_ms(u),
            }
            for i, n, t, u in page
        ]
    )


def contact_status(req: Request, ctx: DemoContext) -> Response:
    """``{id, phone, unsubscribed, blocked}``; ``id`` or ``phone`` is required (the demo
    knows contacts by phone only, so an ``id`` alone is a 404)."""
    body = req.json_body()
    if body.get("phone") in (None, "") and body.get("id") in (None, ""):
        raise HttpError(400, "bad_request", "phone (or id) is required")
    if body.get("phone") in (None, ""):
        raise HttpError(404, "not_found", f"contact {body.get('id')!r} not found")
    phone = _digits(body["phone"], "phone")
    conv = next((c for c in ctx.dataset.conversations if c.contact == phone), None)
    return json_response(
        {
            "id": conv.id if conv else None,
            "phone": phone,
            "unsubscribed": phone in ctx.dataset.opted_out,
            "blocked": False,
        }
    )


ROUTES = {
    ("POST", "/v1/message/send"): send,
    ("POST", "/v1/conversations/close"): close,
    ("POST", "/v1/conversations/open"): reopen,
    ("POST", "/v1/conversations/read"): mark_read,
    ("POST", "/v1/conversations/reassign"): reassign,
    ("POST", "/v1/templates"): templates,
    ("POST", "/v1/contact/status"): contact_status,
}
