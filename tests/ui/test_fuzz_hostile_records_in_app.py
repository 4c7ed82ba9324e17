"""Hostile records through the real path: vendor JSON text (with ``\\ud800`` escapes, ANSI,
OSC, C1, bidi, markup, 100 KB bodies) → httpx → api parse → models → the running app.

Every screen the user can reach with them (conversation list, thread, detail, help, the
open-link notification) is composited exactly as the terminal would get it, and no text
segment may carry a control character, escape sequence or bidi override; markup shows as
typed. The ``e`` export of each hostile thread is checked the same way. In the nightly
profile the generated records grow from a handful to hundreds.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from support.hostile_text import (
    FORBIDDEN_IN_FILE,
    FRAGMENTS,
    assert_clean_segments,
    bad_chars,
    budget,
)
from support.wait import wait_for

from inbox_tui.api.auth import BearerToken
from inbox_tui.api.heymarket import HeymarketBackend
from inbox_tui.api.http import HttpSettings
from inbox_tui.api.workspace import WorkspaceBackend
from inbox_tui.ui.app import InboxApp
from inbox_tui.ui.screens.detail import DetailScreen
from inbox_tui.ui.screens.help import HelpScreen

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
# Literal markers: each must appear on screen exactly as typed (markup is never parsed).
NAME_MARK = "[red]Mallory[/]"
HOSTILE_CONTACT = "+\x1b[m\x1b];pwn\x07[red]x[/red]\u202e\x9bJ"  # no digit
BODY_MARK = "[bold]not bold[/bold]"
STATUS_MARK = "[blink]weird[/blink]"

HANDPICKED_BODIES = [
    f"{BODY_MARK} \x1b[31mred\x1b[0m \x1b]0;title\x07 \x1b]52;c;cHduZWQ=\x07 end",
    "C1 \x9b31m csi \x9d0;osc\x9c dcs \x90q\x9c nel\x85 and C0 \x00\x01\x07\x08\x0b\x0c\x7f",
    "bidi \u202eevil\u202c \u2066iso\u2069 zwj 👩\u200d👩\u200d👧 e\u0301 Z\u0351\u0352",
    "lone surrogates \ud800 \udfff in JSON escapes",
    "[link=https://evil.example]click[/link] [@click=app.quit]quit[/] :warning: \\[x]",
    "tabs\tand\r\nwindows\rnewlines\n\n\n" + "ok",
    ("long " * 20_000) + "\x1b[2J end of 100 KB",
]


def hostile(rng: random.Random, size: int = 8) -> str:
    return "".join(rng.choice(FRAGMENTS) for _ in range(rng.randrange(1, size)))


def build_records(count: int, seed: int = 3) -> list[dict[str, Any]]:
    """Vendor-neutral hostile records: contact, name, body, status, media, time."""
    rng = random.Random(seed)
    records = []
    bodies = HANDPICKED_BODIES + [hostile(rng, 16) for _ in range(max(0, count - 7))]
    for n, body in enumerate(bodies):
        conv = n % 5
        records.append(
            {
                "n": n,
                # A "number" without digits that still starts with "+" passes the parsers.
                "contact": HOSTILE_CONTACT if conv == 4 else f"1415555{conv:04d}",
                "name": NAME_MARK + " " + hostile(rng) if conv == 0 else hostile(rng),
                "body": body,
                "status": STATUS_MARK if n == 0 else rng.choice(["delivered", hostile(rng)]),
                "media": (
                    None if n % 3 else "https://m.example/\x1b]8;;evil\x07a.jpg" + hostile(rng, 3)
                ),
                "outbound": n % 2 == 1,
                "at": NOW - timedelta(minutes=10 * (len(bodies) - n)),
            }
        )
    return records


def e164(record: dict[str, Any]) -> str:
    """The contact as the models hold it: ``+digits``, or the hostile digit-free text."""
    contact = record["contact"]
    return contact if contact.startswith("+") else "+" + contact


def rfc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def json_text(data: object) -> bytes:
    # ensure_ascii: lone surrogates travel as "\ud800" escapes, as a hostile server sends.
    return json.dumps(data, ensure_ascii=True).encode("ascii")


def respond(data: object) -> httpx.Response:
    return httpx.Response(
        200,
        content=json_text(data),
        headers={"content-type": "application/json", "x-request-id": "req_fuzz"},
    )


def heymarket_transport(records: list[dict[str, Any]]) -> httpx.MockTransport:
    def message(r: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": 9000 + r["n"],
            "text": r["body"],
            "media": r["media"],
            "phone": r["contact"],
            "direction": "outbound" if r["outbound"] else "inbound",
            "type": "sms" if r["n"] % 5 else "sms\x1b[31m[b]",
            "status": r["status"],
            "date": rfc(r["at"]),
            "updated": rfc(r["at"]),
            "user": 1 if r["outbound"] else None,
            "author": r["name"] if not r["outbound"] else "Agent \x1b]0;x\x07[i]Eve[/i]",
            "conversation": {"id": 70 + len(r["contact"]), "inbox": 413, "name": r["name"]},
            "flagged": r["n"] % 4 == 0,
        }

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/v1/inboxes":
            return respond(
                [{"id": 413, "name": "Support \x1b[5m[b]x[/b]\u202e", "phone": "14155550100"}]
            )
        if path == "/v1/team":
            return respond({"members": [{"id": 1, "name": "Eve \x9b31m[u]"}]})
        if path == "/v1/messages/all/count":
            return respond(str(len(records)))
        if path == "/v1/conversations":
            return httpx.Response(404, json={"error": "not_found"})
        if path == "/v1/messages/all":
            before = datetime.fromisoformat(json.loads(request.content)["created_at"])
            rows = [message(r) for r in records if r["at"] < before]
            return respond(sorted(rows, key=lambda m: m["date"], reverse=True))
        if path == "/v1/messages":
            query = parse_qs(request.url.query.decode())
            phone = query["phoneNumber"][0]
            stamp = float(query.get("timestamp", ["1e12"])[0])
            rows = [
                message(r)
                for r in records
                if e164(r).lstrip("+") == phone and r["at"].timestamp() < stamp
            ]
            return respond(rows)
        return httpx.Response(404, json={"error": "not_found"})

    return httpx.MockTransport(handler)


def workspace_transport(records: list[dict[str, Any]]) -> httpx.MockTransport:
    own = "+14155550100"

    def message(r: dict[str, Any]) -> dict[str, Any]:
        contact = e164(r)
        return {
            "id": f"msg_{r['n']}",
            "direction": "outbound" if r["outbound"] else "inbound",
            "from": own if r["outbound"] else contact,
            "to": contact if r["outbound"] else own,
            "body": r["body"],
            "status": r["status"],
            "media_url": r["media"],
            "provider_sid": "SM\x1b[31m" + r["name"][:10],
            "created_at": rfc(r["at"]),
        }

    def handler(request: httpx.Request) -> httpx.Response:
        query = {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}
        rows = [message(r) for r in records]
        if "direction" in query:
            rows = [m for m in rows if m["direction"] == query["direction"]]
        if "from" in query:
            rows = [m for m in rows if m["from"] == query["from"]]
        if "to" in query:
            rows = [m for m in rows if m["to"] == query["to"]]
        if "endDate" in query:
            end = query["endDate"].replace("Z", "")
            rows = [m for m in rows if m["created_at"][:19] < end[:19]]
        rows.sort(key=lambda m: m["created_at"], reverse=True)
        limit = int(query.get("limit", 50))
        page = rows[:limit]
        return respond(
            {
                "messages": page,
                "pagination": {
                    "currentPage": 1,
                    "totalPages": 1,
                    "totalMessages": len(rows),
                    "hasNext": len(rows) > limit,
                },
            }
        )

    return httpx.MockTransport(handler)


def make_backend(kind: str, records: list[dict[str, Any]]) -> Any:
    settings = HttpSettings(max_retries=0)
    if kind == "workspace":
        return WorkspaceBackend(
            "http://127.0.0.1:9",
            BearerToken("fuzz-token-123"),
            "ws_fuzz",
            settings=settings,
            transport=workspace_transport(records),
        )
    return HeymarketBackend(
        "http://127.0.0.1:9",
        BearerToken("fuzz-token-123"),
        settings=settings,
        transport=heymarket_transport(records),
    )


def screen_text(app: InboxApp, where: str) -> str:
    """The composited screen as the terminal receives it; asserts every segment clean."""
    update = app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens, simplify=True
    )
    lines = []
    for n, line in enumerate(update.strips):  # type: ignore[union-attr]
        lines.append("".join(assert_clean_segments(strip, f"{where}, row {n}") for strip in line))
    return "\n".join(lines)


@pytest.fixture
def records() -> list[dict[str, Any]]:
    return build_records(budget(12) if budget(12) <= 12 else 200)


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)  # the app's export writes into the working directory
    monkeypatch.delenv("DISPLAY", raising=False)  # "o" shows the link instead of a browser
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    yield tmp_path


@pytest.mark.parametrize("kind", ["heymarket", "workspace"])
async def test_hostile_records_render_literally_everywhere(
    kind: str, records: list[dict[str, Any]], in_tmp: Path
) -> None:
    app = InboxApp(make_backend(kind, records), clock=lambda: NOW, tz=UTC)
    # Records whose "number" has no digit are skipped by the parsers (with a log line):
    # they must not be listed, and nothing of them may reach the screen.
    usable = [r for r in records if r["contact"] != HOSTILE_CONTACT]
    contacts = sorted({r["contact"] for r in usable})
    async with app.run_test(size=(140, 45)) as pilot:
        lst = app.conversation_list
        await wait_for(pilot, lambda: lst.exhausted and not lst.is_loading and lst.conversations)
        await pilot.pause(0.05)
        assert len(lst.conversations) == len(contacts)
        text = screen_text(app, "conversation list")
        if kind == "heymarket":
            assert NAME_MARK in text  # the contact name, literally
        assert not app.banner.showing, app.banner.message

        for index in range(len(lst.conversations)):
            conversation = lst.conversations[index]
            lst.focus()
            lst.select(index)
            await pilot.press("enter")
            await wait_for(
                pilot,
                lambda c=conversation: (
                    app.thread.conversation == c
                    and app.thread.exhausted
                    and not app.thread.fetching
                ),
            )
            await pilot.pause(0.05)
            expected = [r for r in usable if e164(r) == conversation.contact]
            assert len(app.thread.messages) == len(expected)
            text = screen_text(app, f"thread {index}")
            if any(r["n"] == 0 for r in expected):
                app.thread.jump_to(app.thread.messages[0].id)
                await pilot.pause(0.05)
                assert BODY_MARK in screen_text(app, "thread, first message")

            # Every message's detail screen, from the oldest.
            app.thread.focus()
            await pilot.press("g")
            for _ in range(len(expected)):
                await pilot.press("enter")
                await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
                await pilot.pause(0.02)
                shown = app.screen.message  # type: ignore[attr-defined]
                text = screen_text(app, f"detail of {shown.id}")
                if shown.body.startswith(BODY_MARK):
                    assert BODY_MARK in text
                    if kind == "heymarket":
                        assert STATUS_MARK.lower() in text
                await pilot.press("escape")
                await wait_for(pilot, lambda: not isinstance(app.screen, DetailScreen))
                await pilot.press("o")  # the link/media notification
                await pilot.pause(0.02)
                screen_text(app, "open-link notification")
                await pilot.press("j")

            await pilot.press("e")  # export this thread into the working directory
            await wait_for(pilot, lambda i=index: len(list(in_tmp.glob("inbox-*.md"))) > i)

        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.pause(0.05)
        screen_text(app, "help")
        await pilot.press("escape")
        assert not app.banner.showing, app.banner.message
        assert app.return_code is None

    exports = sorted(in_tmp.glob("inbox-*.md"))
    assert len(exports) == len(contacts)
    everything = ""
    for path in exports:
        content = path.read_text(encoding="utf-8")
        assert not bad_chars(content, FORBIDDEN_IN_FILE), (path.name, bad_chars(content))
        everything += content
    assert "not bold" in everything and "\\[bold\\]" in everything  # markdown-escaped, kept


def test_json_text_really_carries_escaped_surrogates() -> None:
    """The transport sends the surrogate as a JSON escape, as a hostile server would."""
    body = heymarket_transport(build_records(7)).handler(  # type: ignore[attr-defined]
        httpx.Request("GET", "http://x/v1/messages?phoneNumber=14155550003&inboxID=413")
    )
    assert b"\\ud800" in body.content
