"""heymarket's documented writes (``inbox_tui/api/HEYMARKET_WRITES.md``), as a mixin of
:class:`~inbox_tui.api.heymarket.HeymarketBackend`.

Every write acts as a team member (``creator_id`` / ``user_id`` = the profile's
``member_id``). Phone numbers go out as E.164 digits without ``+``. Only the send carries an
idempotency key (``local_id``), so only the send is retried after a timeout or a 5xx; the
others are retried only when they provably never reached the server (``retry="unsent"``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from inbox_tui.api.parse import as_text, opt_str, parse_time, str_id
from inbox_tui.dates import rfc3339
from inbox_tui.errors import BadResponse, WriteRefused
from inbox_tui.models import (
    Conversation,
    Direction,
    Message,
    MessageTemplate,
    TeamMember,
)
from inbox_tui.phone import without_plus

if TYPE_CHECKING:
    from inbox_tui.api.http import ApiClient

TEMPLATES_PAGE = 30  # fixed by the API
TEMPLATE_PAGES_MAX = 20
FUTURE = timedelta(days=1)


def _number(value: str | int) -> int | str:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def _ok(data: Any) -> Any:
    """The close/open/read/reassign answer is ``"ok"``; anything else is a bad response."""
    if isinstance(data, str) and data.strip().lower() == "ok":
        return data
    if isinstance(data, dict) and str(data.get("status", data.get("result", ""))).lower() == "ok":
        return data
    raise BadResponse(f'expected "ok", got {type(data).__name__}')


def parse_sent(data: Any) -> tuple[str, datetime | None, str | None]:
    """The send answer ``{id, date, gallery_url}``."""
    if not isinstance(data, dict) or str_id(data.get("id")) is None:
        raise BadResponse("the send answer has no message id")
    return str_id(data["id"]) or "", parse_time(data.get("date")), opt_str(data.get("gallery_url"))


def parse_templates(data: Any) -> list[tuple[MessageTemplate, str | None]]:
    """Templates with their ``updated``/``date`` cursor value as sent."""
    if isinstance(data, dict):
        data = data.get("templates", data.get("data"))
    if not isinstance(data, list):
        raise BadResponse("expected a list of templates")
    out: list[tuple[MessageTemplate, str | None]] = []
    for raw in data:
        if not isinstance(raw, dict) or str_id(raw.get("id")) is None:
            continue
        content = raw.get("content")  # documented: a GalleryContent object {text, gallery}
        if isinstance(content, dict):
            content = content.get("text")
        text = as_text(content or raw.get("text") or raw.get("body"))
        name = opt_str(raw.get("name")) or opt_str(raw.get("title")) or text[:30]
        cursor = raw.get("updated") or raw.get("date") or raw.get("created")
        template = MessageTemplate(id=str_id(raw["id"]) or "", name=name, text=text)
        out.append((template, str(cursor) if cursor is not None else None))
    return out


def parse_opt_out(data: Any) -> bool:
    """``POST /v1/contact/status``: True when messages to the contact are refused. The
    documented answer is ``{"id", "phone", "unsubscribed": bool, "blocked": bool}``; other
    shapes (``{"opted_out": true}``, ``{"status": "opted_out"}``, ``"opt-out"``) are read too."""
    if isinstance(data, dict):
        flags = [data.get(k) for k in ("unsubscribed", "blocked", "opted_out", "is_opted_out")]
        if any(isinstance(flag, bool) for flag in flags):
            return any(flag is True for flag in flags)
        data = data.get("status", "")
    text = as_text(data).lower().replace("-", "_").replace(" ", "_")
    return "out" in text or text in ("unsubscribed", "stop", "stopped")


class HeymarketWrites:
    """Write endpoints; needs ``client``, ``member_id`` and ``inbox_id`` of the backend."""

    client: ApiClient
    member_id: int | None
    inbox_id: str | None
    _roster: list[TeamMember] | None

    def _acting(self) -> int:
        if self.member_id is None:
            raise WriteRefused(
                "no member_id in the profile: run `inbox-tui config check` to find yours"
            )
        return self.member_id

    def _inbox_of(self, conversation: Conversation) -> int | str:
        inbox = conversation.inbox_id or self.inbox_id
        if inbox is None:
            raise WriteRefused("this conversation has no inbox id to write to")
        return _number(inbox)

    def send_body(
        self,
        conversation: Conversation,
        *,
        local_id: str,
        text: str | None = None,
        private: bool = False,
        media_url: str | None = None,
        template_id: str | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "inbox_id": self._inbox_of(conversation),
            "creator_id": self._acting(),
            "phone_number": without_plus(conversation.contact),
        }
        if text:
            body["text"] = text
        if template_id:
            body["template_id"] = _number(template_id)
        if media_url:
            body["media_url"] = media_url
        if not (text or template_id or media_url):
            raise WriteRefused("nothing to send: no text, template or media")
        body["local_id"] = local_id
        if private:
            body["private"] = True
        return body

    async def send_message(
        self,
        conversation: Conversation,
        *,
        local_id: str,
        text: str | None = None,
        private: bool = False,
        media_url: str | None = None,
        template_id: str | None = None,
    ) -> Message:
        """``POST /v1/message/send``. Retried with the same ``local_id`` (the vendor's
        idempotency key) after a lost answer, so a retry never makes a second message."""
        body = self.send_body(
            conversation,
            local_id=local_id,
            text=text,
            private=private,
            media_url=media_url,
            template_id=template_id,
        )
        message_id, date, gallery = await self.client.post_json(
            "/v1/message/send", body, parse=parse_sent, retry="always"
        )
        kind = "private" if private else ("mms" if media_url else "sms")
        return Message(
            id=message_id,
            source="heymarket",
            conversation_key=conversation.key,
            contact=conversation.contact,
            inbox_id=conversation.inbox_id or self.inbox_id,
            direction=Direction.OUTBOUND,
            kind=kind,
            status="sent",
            body=text or "",
            media_url=gallery or media_url,
            created_at=date or datetime.now(UTC),
            user_id=str(self.member_id),
            author=self._member_name(str(self.member_id)),
            contact_name=conversation.name,
            local_id=local_id,
            raw={"id": message_id, "local_id": local_id, "sent_by": "inbox-tui"},
        )

    def _member_name(self, member_id: str) -> str | None:
        names = getattr(self, "_members", None) or {}
        if member_id in names:
            return names[member_id]
        for member in self._roster or ():
            if member.id == member_id:
                return member.name
        return None

    def _target_body(self, conversation: Conversation) -> dict[str, Any]:
        return {
            "inbox_id": self._inbox_of(conversation),
            "user_id": self._acting(),
            "target": without_plus(conversation.contact),
        }

    async def set_closed(self, conversation: Conversation, closed: bool) -> None:
        """``POST /v1/conversations/close`` or ``/open`` (not retried once sent)."""
        path = "/v1/conversations/close" if closed else "/v1/conversations/open"
        await self.client.post_json(
            path, self._target_body(conversation), parse=_ok, retry="unsent"
        )

    async def set_read(self, conversation: Conversation, read: bool) -> None:
        """``POST /v1/conversations/read``; the API has no mark-unread."""
        if not read:
            raise WriteRefused("the heymarket API cannot mark a conversation unread")
        await self.client.post_json(
            "/v1/conversations/read", self._target_body(conversation), parse=_ok, retry="unsent"
        )

    async def reassign(self, conversation: Conversation, member_id: str) -> None:
        """``POST /v1/conversations/reassign``: ``user_id`` is the current owner (our own
        member id when nobody owns it), ``reassign_id`` the new one."""
        owner = conversation.assigned_to
        body = {
            "inbox_id": self._inbox_of(conversation),
            "target": without_plus(conversation.contact),
            "user_id": _number(owner) if owner else self._acting(),
            "reassign_id": _number(member_id),
        }
        self._acting()
        await self.client.post_json("/v1/conversations/reassign", body, parse=_ok, retry="unsent")

    async def templates(self) -> list[MessageTemplate]:
        """Every template, 30 per page by the ``date`` cursor (``POST /v1/templates``)."""
        out: dict[str, MessageTemplate] = {}
        cursor = rfc3339(datetime.now(UTC) + FUTURE)
        for _ in range(TEMPLATE_PAGES_MAX):
            page = await self.client.post_json(
                "/v1/templates", {"date": cursor}, parse=parse_templates
            )
            fresh = [(t, c) for t, c in page if t.id not in out]
            out.update((t.id, t) for t, _ in fresh)
            last = page[-1][1] if page else None
            if len(page) < TEMPLATES_PAGE or not fresh or last is None or last == cursor:
                break
            cursor = last
        return list(out.values())

    async def contact_opted_out(self, contact: str) -> bool:
        """``POST /v1/contact/status`` with ``phone`` (digits): True when opted out."""
        return await self.client.post_json(
            "/v1/contact/status", {"phone": without_plus(contact)}, parse=parse_opt_out
        )

    async def roster(self) -> list[TeamMember]:
        """Team members with the inboxes they belong to (``GET /v1/inboxes`` members and
        ``GET /v1/team`` names); fetched once."""
        if self._roster is not None:
            return self._roster
        inboxes = await self.client.get_json("/v1/inboxes")
        team = await self.client.get_json("/v1/team")
        names: dict[str, str] = {}
        raw_members = team.get("members") if isinstance(team, dict) else team
        for raw in raw_members if isinstance(raw_members, list) else []:
            if isinstance(raw, dict) and str_id(raw.get("id")):
                names[str_id(raw["id"]) or ""] = opt_str(raw.get("name")) or f"member {raw['id']}"
        where: dict[str, list[str]] = {}
        for inbox in inboxes if isinstance(inboxes, list) else []:
            if not isinstance(inbox, dict) or str_id(inbox.get("id")) is None:
                continue
            for member in inbox.get("members") or []:
                member_id = str_id(member.get("id") if isinstance(member, dict) else member)
                if member_id:
                    where.setdefault(member_id, []).append(str_id(inbox["id"]) or "")
        ids = list(dict.fromkeys([*names, *where]))
        self._roster = [
            TeamMember(id=i, name=names.get(i, f"member {i}"), inbox_ids=tuple(where.get(i, ())))
            for i in ids
        ]
        return self._roster

    async def find_sent(self, conversation: Conversation, local_id: str) -> Message | None:
        """The message carrying ``local_id`` in the newest page of the thread, if any: how
        a send whose answer was lost is confirmed without sending it again."""
        pager = self.thread(conversation)  # type: ignore[attr-defined]
        for message in await pager.older():
            if message.local_id == local_id:
                return message
        return None
