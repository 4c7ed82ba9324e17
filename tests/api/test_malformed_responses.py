"""Malformed API responses, hand-written: wrong types, missing required fields, null where a
list belongs, HTML error pages answered with 200, truncated and gigantic (20 MB) pages.

Each one ends as a typed :class:`BadResponse` (with status and request id) or as a skipped
record with a log line, through both backends and through the running app (banner, then
recovery with ``r``). Never a crash, and never a broken record shown as a message: what is
shown is exactly the valid records, with their own text and time.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from support.wait import wait_for

from inbox_tui.api.auth import BearerToken
from inbox_tui.api.heymarket import HeymarketBackend
from inbox_tui.api.http import HttpSettings
from inbox_tui.api.workspace import WorkspaceBackend
from inbox_tui.errors import BadResponse
from inbox_tui.filters import Filters
from inbox_tui.models import Conversation, Message
from inbox_tui.ui.app import InboxApp

CONTACT = "+14155550123"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SETTINGS = HttpSettings(max_retries=1, backoff_base=0.001, backoff_max=0.002, read_timeout=5)
Handler = Callable[[httpx.Request], httpx.Response]


def at(n: int) -> str:
    return (T0 - timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%SZ")


def hm(n: int, **over: Any) -> dict[str, Any]:
    record = {
        "id": n,
        "text": f"valid message {n}",
        "phone": CONTACT.lstrip("+"),
        "direction": "inbound",
        "status": "received",
        "date": at(n),
        "conversation": {"id": 1, "inbox": 413, "name": "Ada"},
    }
    record.update(over)
    return record


def ws(n: int, **over: Any) -> dict[str, Any]:
    record = {
        "id": f"msg_{n}",
        "direction": "inbound",
        "from": CONTACT,
        "to": "+14155550100",
        "body": f"valid message {n}",
        "status": "received",
        "created_at": at(n),
    }
    record.update(over)
    return record


def reply(body: bytes | str, content_type: str = "application/json", status: int = 200):  # type: ignore[no-untyped-def]
    content = body.encode() if isinstance(body, str) else body
    headers = {"content-type": content_type, "x-request-id": "req_malformed"}
    return httpx.Response(status, content=content, headers=headers)


def as_json(data: object) -> httpx.Response:
    return reply(json.dumps(data))


HEYMARKET_BROKEN_RECORDS: list[Any] = [
    hm(10, id=None),
    hm(11, id={"nested": 1}),
    hm(12, id=[]),
    hm(13, id=True),
    hm(14, date="yesterday-ish"),
    hm(15, date=[2026, 3, 1]),
    hm(16, date=None, created_at=None),
    hm(17, date={"$date": 1}),
    hm(18, phone=None, conversation={"inbox": 413}),
    hm(19, phone="", conversation=None),
    hm(20, phone="not a number", conversation={"inbox": 413}),
    "a string where an object belongs",
    None,
    42,
    [hm(21)],
    {},
]
WORKSPACE_BROKEN_RECORDS: list[Any] = [
    ws(10, id=None),
    ws(11, id={"x": 1}),
    ws(12, created_at="not a time"),
    ws(13, created_at=None),
    ws(14, direction="sideways"),
    ws(15, direction=None),
    ws(16, **{"from": None}),
    ws(17, **{"from": "anonymous"}),
    ws(18, direction="outbound", to=None),
    "string",
    None,
    7,
    [],
]

# (name, response) pairs that must raise BadResponse for a message page.
BAD_PAGES: list[tuple[str, Callable[[], httpx.Response]]] = [
    ("html with 200", lambda: reply("<html><h1>Please log in</h1></html>", "text/html")),
    ("html labelled json", lambda: reply("<!DOCTYPE html><html>oops</html>")),
    ("empty body", lambda: reply(b"")),
    ("truncated json", lambda: reply('[{"id": 1, "text": "cut he')),
    ("null", lambda: reply("null")),
    ("a string", lambda: reply('"ok"')),
    ("a number", lambda: reply("42")),
    ("true", lambda: reply("true")),
    ("binary", lambda: reply(b"\x89PNG\r\n\x1a\n\x00\x00", "image/png")),
    ("invalid utf-8", lambda: reply(b'[{"id": 1, "text": "\xff\xfe"}]')),
]
HEYMARKET_BAD_PAGES = [
    *BAD_PAGES,
    ("an object", lambda: as_json({"error": "nope"})),
    ("messages null", lambda: as_json({"messages": None})),
    ("messages an object", lambda: as_json({"messages": {"0": hm(1)}})),
]
WORKSPACE_BAD_PAGES = [
    *BAD_PAGES,
    ("a bare list", lambda: as_json([ws(1)])),
    ("messages null", lambda: as_json({"messages": None, "pagination": {}})),
    ("messages a string", lambda: as_json({"messages": "none", "pagination": {}})),
    ("no messages key", lambda: as_json({"data": [ws(1)], "pagination": {}})),
]


def heymarket(handler: Handler, base: str = "http://127.0.0.1:9") -> HeymarketBackend:
    return HeymarketBackend(
        base, BearerToken("tok-123456"), settings=SETTINGS, transport=httpx.MockTransport(handler)
    )


def workspace(handler: Handler, base: str = "http://127.0.0.1:9") -> WorkspaceBackend:
    return WorkspaceBackend(
        base,
        BearerToken("tok-123456"),
        "ws_1",
        settings=SETTINGS,
        transport=httpx.MockTransport(handler),
    )


def conversation(inbox: str | None = "413") -> Conversation:
    key = f"{inbox}:{CONTACT}" if inbox else CONTACT
    return Conversation(key=key, contact=CONTACT, inbox_id=inbox, last_at=T0)


async def drain(pager: Any) -> list[Message]:
    out: list[Message] = []
    while not pager.exhausted:
        out.extend(await pager.older())
    return out


def workspace_pages(rows: list[Any]) -> Handler:
    """Serve ``rows`` (all inbound) for the whole list and ``from=CONTACT``, one page."""

    def handler(request: httpx.Request) -> httpx.Response:
        params = request.url.params
        mine = rows if params.get("from", CONTACT) == CONTACT and "to" not in params else []
        if request.url.params.get("endDate"):
            mine = []
        return as_json(
            {
                "messages": mine,
                "pagination": {"currentPage": "one", "totalMessages": None, "hasNext": "maybe"},
            }
        )

    return handler


# --- the backends ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "make"), HEYMARKET_BAD_PAGES, ids=[n for n, _ in HEYMARKET_BAD_PAGES]
)
async def test_heymarket_bad_pages_are_typed_errors(
    name: str, make: Callable[[], httpx.Response]
) -> None:
    backend = heymarket(lambda request: make())
    try:
        with pytest.raises(BadResponse) as caught:
            await drain(backend.thread(conversation()))
        with pytest.raises(BadResponse):
            await backend.conversations(Filters()).next_page()
    finally:
        await backend.aclose()
    error = caught.value
    assert error.status == 200 and error.request_id == "req_malformed", error.user_message()
    assert error.user_message().startswith("Bad response from server (HTTP 200)")
    assert "Traceback" not in error.user_message()


@pytest.mark.parametrize(
    ("name", "make"), WORKSPACE_BAD_PAGES, ids=[n for n, _ in WORKSPACE_BAD_PAGES]
)
async def test_workspace_bad_pages_are_typed_errors(
    name: str, make: Callable[[], httpx.Response]
) -> None:
    backend = workspace(lambda request: make())
    try:
        with pytest.raises(BadResponse) as caught:
            await drain(backend.thread(conversation(None)))
        with pytest.raises(BadResponse):
            await backend.conversations(Filters()).next_page()
    finally:
        await backend.aclose()
    assert caught.value.status == 200 and caught.value.request_id == "req_malformed"


async def test_heymarket_broken_records_are_skipped_with_a_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rows = [hm(1), *HEYMARKET_BROKEN_RECORDS, hm(2), hm(3, text=None, media=None)]
    backend = heymarket(lambda request: as_json(rows))
    caplog.set_level(logging.WARNING, logger="inbox_tui.api")
    try:
        got = await drain(backend.thread(conversation()))
    finally:
        await backend.aclose()
    assert sorted(m.id for m in got) == ["1", "2", "3"]  # only the valid ones ...
    for message in got:  # ... each with its own text and time, nothing invented
        n = int(message.id)
        assert message.created_at == T0 - timedelta(minutes=n)
        assert message.body == ("" if n == 3 else f"valid message {n}")
        assert message.contact == CONTACT
    skipped = [r for r in caplog.records if "skipped a heymarket message record" in r.message]
    assert len(skipped) == len(HEYMARKET_BROKEN_RECORDS)


async def test_workspace_broken_records_are_skipped_with_a_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rows = [ws(1), *WORKSPACE_BROKEN_RECORDS, ws(2)]
    backend = workspace(workspace_pages(rows))
    caplog.set_level(logging.WARNING, logger="inbox_tui.api")
    try:
        got = await drain(backend.thread(conversation(None)))
    finally:
        await backend.aclose()
    assert [m.id for m in got] == ["msg_2", "msg_1"]  # oldest first
    assert [m.body for m in got] == ["valid message 2", "valid message 1"]
    skipped = [r for r in caplog.records if "skipped a workspace message record" in r.message]
    assert len(skipped) == len(WORKSPACE_BROKEN_RECORDS)


@pytest.mark.parametrize("body", [{"id": 1}, "inboxes", None], ids=["object", "string", "null"])
async def test_heymarket_inboxes_not_a_list_is_a_typed_error(body: object) -> None:
    """``GET /v1/inboxes`` answers an array: anything else is a bad response, with the
    request id the vendor's support asks for."""
    backend = heymarket(lambda request: as_json(body))
    try:
        with pytest.raises(BadResponse) as caught:
            await backend.inboxes()
    finally:
        await backend.aclose()
    assert caught.value.request_id == "req_malformed"


@pytest.mark.parametrize(
    "body", [[None, 3], [{"id": None}, {"name": "x"}]], ids=["nulls", "no ids"]
)
async def test_heymarket_inboxes_unusable_entries_are_skipped(body: object) -> None:
    backend = heymarket(lambda request: as_json(body))
    try:
        inboxes = await backend.inboxes()
    finally:
        await backend.aclose()
    assert inboxes == []  # a list of unusable entries: each skipped, none invented


@pytest.mark.parametrize("body", ['"many"', "null", '{"count": null}', '"12abc"', "true", "[]"])
async def test_heymarket_count_not_a_number(body: str) -> None:
    backend = heymarket(lambda request: reply(body))
    try:
        with pytest.raises(BadResponse):
            await backend.count(Filters())
    finally:
        await backend.aclose()


async def test_workspace_count_with_wrong_pagination_types_is_unknown_not_wrong() -> None:
    """``totalMessages: null`` beside junk pagination fields: the count is unknown (None),
    neither an error (the messages themselves are fine) nor a number the server did not
    say (such as the length of the page)."""
    backend = workspace(workspace_pages([ws(1)]))
    try:
        count = await backend.count(Filters())
    finally:
        await backend.aclose()
    assert count is None


# --- gigantic pages over real loopback HTTP ------------------------------------------------


class _Canned(BaseHTTPRequestHandler):
    """Answers every request with the same canned body (it ignores any cursor)."""

    body = b""
    content_type = "application/json"
    paths: list[str]

    def do_GET(self) -> None:
        self.paths.append(self.path)
        self.send_response(200)
        self.send_header("content-type", self.content_type)
        self.send_header("content-length", str(len(self.body)))
        self.send_header("x-request-id", "req_giant")
        self.end_headers()
        self.wfile.write(self.body)

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def canned() -> Iterator[type[_Canned]]:
    handler = type("Canned", (_Canned,), {"paths": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_port}"  # type: ignore[attr-defined]
    try:
        yield handler
    finally:
        server.shutdown()
        server.server_close()


def message_requests(canned: type[_Canned]) -> int:
    return sum(path.startswith("/v1/messages") for path in canned.paths)


@pytest.mark.slow
async def test_gigantic_page_of_valid_messages_is_read_correctly(canned: type[_Canned]) -> None:
    """20 MB of valid records in one page: every one arrives, exactly once, from one request
    (the 120 s per-test timeout catches a reader that hangs)."""
    n = 90_000
    rows = [hm(i, text=f"m{i} " + "x" * 180) for i in range(n)]
    canned.body = json.dumps(rows).encode()
    assert len(canned.body) > 20_000_000
    backend = HeymarketBackend(canned.url, BearerToken("tok-123456"), settings=SETTINGS)  # type: ignore[attr-defined]
    try:
        pager = backend.thread(conversation())
        first = await pager.older()
    finally:
        await backend.aclose()
    assert message_requests(canned) == 1
    ids = [m.id for m in first]
    assert len(ids) == len(set(ids)) and set(ids) <= {str(i) for i in range(n)}
    assert len(ids) >= n - 60  # at most the same-second boundary group is held back
    assert all(m.body.startswith(f"m{m.id} ") for m in first)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["one 20 MB body", "20 MB html", "20 MB of junk records"])
async def test_gigantic_malformed_pages(kind: str, canned: type[_Canned]) -> None:
    if kind == "one 20 MB body":
        canned.body = json.dumps([hm(1, text="y" * 20_000_000)]).encode()
    elif kind == "20 MB html":
        canned.body = b"<html>" + b"<p>error</p>" * 1_700_000 + b"</html>"
        canned.content_type = "text/html; charset=utf-8"
    else:
        canned.body = json.dumps([{"id": None, "pad": "z" * 200}] * 90_000).encode()
    backend = HeymarketBackend(canned.url, BearerToken("tok-123456"), settings=SETTINGS)  # type: ignore[attr-defined]
    try:
        if kind == "20 MB html":
            with pytest.raises(BadResponse) as caught:
                await drain(backend.thread(conversation()))
            assert caught.value.request_id == "req_giant"
        else:
            got = await drain(backend.thread(conversation()))
    finally:
        await backend.aclose()
    # One request: a 20 MB answer is neither retried nor walked past (the canned server
    # ignores the cursor, so a pager that asked again would get the same page forever).
    assert message_requests(canned) == 1
    if kind == "one 20 MB body":
        assert len(got) == 1 and len(got[0].body) == 20_000_000
    elif kind == "20 MB of junk records":
        assert got == []


# --- through the app ---------------------------------------------------------------------------


def _when(record: Any) -> datetime:
    """A record's date for the mock's own filtering; broken ones sort as "very old"."""
    try:
        return datetime.fromisoformat(record["date"].replace("Z", "+00:00"))
    except (TypeError, KeyError, AttributeError, ValueError):
        return datetime(1970, 1, 1, tzinfo=UTC)


class Switchable:
    """A mock server whose answers the test changes half-way ("the proxy is fixed")."""

    def __init__(self, rows: list[Any], *, broken: Callable[[], httpx.Response] | None) -> None:
        self.rows = rows
        self.broken = broken

    def heymarket(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/v1/inboxes":
            return as_json([{"id": 413, "name": "Support", "phone": "14155550100"}])
        if path == "/v1/team":
            return as_json({"members": "not a list"})  # tolerated: no names
        if path == "/v1/conversations":
            return as_json({"conversations": None})  # tolerated: no enrichment
        if path == "/v1/messages/all/count":
            return reply('"lots"')  # tolerated: count unavailable
        if self.broken is not None:
            return self.broken()
        if path == "/v1/messages/all":
            before = datetime.fromisoformat(json.loads(request.content)["created_at"])
            return as_json([r for r in self.rows if _when(r) < before])
        if request.url.params.get("timestamp"):
            return as_json([])
        return as_json(self.rows)


@pytest.mark.parametrize(
    ("name", "make"),
    [HEYMARKET_BAD_PAGES[0], HEYMARKET_BAD_PAGES[3], HEYMARKET_BAD_PAGES[-2]],
    ids=["html 200", "truncated", "messages null"],
)
async def test_app_shows_a_banner_and_recovers(
    name: str, make: Callable[[], httpx.Response]
) -> None:
    rows = [hm(1), *HEYMARKET_BROKEN_RECORDS, hm(2)]
    server = Switchable(rows, broken=make)
    app = InboxApp(heymarket(server.heymarket))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.banner.showing)
        await pilot.pause(0.05)
        assert app.banner.message.startswith("Bad response from server (HTTP 200)")
        assert "request id req_malformed" in app.banner.message
        assert not app.conversation_list.conversations
        assert "Bad response" in "".join(
            strip.text for strip in app.screen._compositor.render_strips()
        )
        server.broken = None  # the server answers properly again
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: bool(app.conversation_list.conversations))
        await wait_for(pilot, lambda: not app.banner.showing)
        assert [c.key for c in app.conversation_list.conversations] == [f"413:{CONTACT}"]
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.thread.exhausted and not app.thread.fetching)
        assert [m.id for m in app.thread.messages] == ["2", "1"]
        assert [m.body for m in app.thread.messages] == ["valid message 2", "valid message 1"]
        assert app.status.count is None  # '"lots"' is not a count: none shown
        assert app.return_code is None


async def test_workspace_app_shows_a_banner_and_recovers() -> None:
    good = workspace_pages([ws(1), *WORKSPACE_BROKEN_RECORDS, ws(2)])
    state: dict[str, Callable[[], httpx.Response] | None] = {"broken": WORKSPACE_BAD_PAGES[-1][1]}

    def handler(request: httpx.Request) -> httpx.Response:
        broken = state["broken"]
        return broken() if broken is not None else good(request)

    app = InboxApp(workspace(handler))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.banner.showing)
        assert app.banner.message.startswith("Bad response from server (HTTP 200)")
        state["broken"] = None
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: bool(app.conversation_list.conversations))
        await wait_for(pilot, lambda: not app.banner.showing)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.thread.exhausted and not app.thread.fetching)
        assert [m.body for m in app.thread.messages] == ["valid message 2", "valid message 1"]
        assert app.return_code is None
