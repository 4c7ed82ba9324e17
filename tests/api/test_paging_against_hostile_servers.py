"""Walks against hostile servers over loopback HTTP: one message whose date contradicts the
server's own paging (issue 10 item 3) and servers that ignore the paging cursor (item 4).
Every walk must either return every message or stop with one clear error after a few
requests: never a silently partial export, never an endless loop."""

from __future__ import annotations

import asyncio
import json
import random
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import uvicorn
from textual.app import App, ComposeResult

from inbox_tui.api.auth import BearerToken
from inbox_tui.api.heymarket import HeymarketBackend
from inbox_tui.api.workspace import WorkspaceBackend
from inbox_tui.cli.main import main
from inbox_tui.demo.faults import FaultConfig
from inbox_tui.demo.server import DemoServer
from inbox_tui.errors import PagingError
from inbox_tui.filters import Filters
from inbox_tui.models import Conversation, conversation_key
from inbox_tui.ui.widgets.thread_view import ERROR_TEXT, ThreadView

pytestmark = pytest.mark.timeout(60)

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
PHONE = "15550001111"
PAGE = 50


# -- a heymarket thread server whose dates can lie --------------------------------------------
class LyingThread:
    """``GET /v1/messages`` over ``count`` messages one minute apart. Paging uses each
    message's real time; the ``date`` it shows is the real one unless ``dates`` overrides it
    (a value sent as is: an RFC 3339 string or Unix seconds)."""

    def __init__(self, count: int, dates: dict[int, Any]) -> None:
        self.real = [T0 + timedelta(minutes=i) for i in range(count)]
        self.dates = dates
        self.requests = 0

    def row(self, i: int) -> dict[str, Any]:
        shown = self.dates.get(i, self.real[i].isoformat().replace("+00:00", "Z"))
        return {
            "id": i,
            "text": f"message {i}",
            "phone": PHONE,
            "direction": "inbound",
            "date": shown,
            "conversation": {"inbox": 1, "target": PHONE},
        }

    def page(self, timestamp: str | None) -> list[dict[str, Any]]:
        self.requests += 1
        limit = None if timestamp is None else datetime.fromtimestamp(int(timestamp), UTC)
        under = [i for i, t in enumerate(self.real) if limit is None or t < limit]
        rows = [self.row(i) for i in under[-PAGE:]]
        random.Random(timestamp).shuffle(rows)  # order is not promised
        return rows

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        query = parse_qs(scope.get("query_string", b"").decode())
        if scope["path"] == "/v1/messages":
            status, data = 200, self.page(query.get("timestamp", [None])[0])
        else:
            status, data = 404, {"message": "no such endpoint"}
        body = json.dumps(data).encode()
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class Served:
    """An ASGI app on a free loopback port, served by uvicorn in a thread."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="error", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=lambda: asyncio.run(self.server.serve(sockets=[self.sock])), daemon=True
        )

    def __enter__(self) -> Served:
        self.thread.start()
        for _ in range(500):
            if self.server.started:
                return self
            threading.Event().wait(0.01)
        raise AssertionError("test server did not start")

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


def export(url: str, out: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> list[str]:
    monkeypatch.setenv("INBOX_TUI_TOKEN", "test-token")
    args = ["export", "--backend", "heymarket", "--base-url", url, "--inbox", "1"]
    args += ["--contact", "+" + PHONE, "--output", str(out), *extra]
    status = main(args)
    assert status == 0
    return [json.loads(line)["id"] for line in out.read_text().splitlines()]


@pytest.mark.parametrize(
    "outlier",
    ["1970-01-01T00:00:05Z", -86_400, "0001-01-01T00:00:00Z"],
    ids=["1970", "negative-unix", "year-1"],
)
@pytest.mark.parametrize("where", [150, 123], ids=["mid-page", "page-tail"])
def test_one_outlier_date_in_the_newest_page_does_not_truncate_the_export(
    outlier: Any, where: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """173 messages; the newest page (123..172) holds one with a date decades off. Before
    the fix the walk jumped its cursor to that date and exported 50 messages, exit 0."""
    server = LyingThread(173, {where: outlier})
    with Served(server) as served:
        ids = export(served.url, tmp_path / "out.jsonl", monkeypatch)
    assert sorted(ids, key=int) == [str(i) for i in range(173)]
    assert len(ids) == len(set(ids))
    assert ids[0] == str(where)  # kept, and placed by the date it carries
    assert server.requests <= 8


def test_a_page_of_dates_that_contradict_the_paging_stops_with_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every message of the newest page is dated 1970: no message of it can set a bound the
    server agrees with, so the export stops, says why, and writes no file."""
    server = LyingThread(120, {i: 1000 + i for i in range(70, 120)})
    out = tmp_path / "out.jsonl"
    monkeypatch.setenv("INBOX_TUI_TOKEN", "test-token")
    with Served(server) as served:
        where = ["--backend", "heymarket", "--base-url", served.url, "--inbox", "1"]
        status = main(["export", *where, "--contact", "+" + PHONE, "--output", str(out)])
    err = capsys.readouterr().err
    assert status == 4
    assert "dates contradict its own paging" in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()
    assert server.requests <= PAGE + 2


# -- servers that ignore the cursor (the demo's ignore_cursor fault) ---------------------------
@pytest.fixture(scope="module")
def ignoring_server() -> Iterator[DemoServer]:
    with DemoServer(faults=FaultConfig(ignore_cursor=True)) as server:
        yield server


def big_thread(server: DemoServer) -> Any:
    return next(c for c in server.dataset.biggest_threads() if c.message_count > 300)


def test_heymarket_export_stops_when_the_server_ignores_the_cursor(
    ignoring_server: DemoServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    conv = big_thread(ignoring_server)
    monkeypatch.setenv("INBOX_TUI_TOKEN", ignoring_server.heymarket_token)
    out = tmp_path / "out.jsonl"
    ignoring_server.reset_stats()
    where = ["--backend", "heymarket", "--base-url", ignoring_server.base_url]
    where += ["--inbox", str(conv.inbox_id)]
    status = main(["export", *where, "--contact", "+" + conv.contact, "-o", str(out)])
    err = capsys.readouterr().err
    assert status == 4
    assert "ignored the paging cursor" in err
    assert not out.exists()
    assert ignoring_server.stats.snapshot()["paths"].get("/v1/messages", 0) <= 10


def test_workspace_export_stops_when_the_server_ignores_page_and_end_date(
    ignoring_server: DemoServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    conv = big_thread(ignoring_server)
    monkeypatch.setenv("INBOX_TUI_TOKEN", ignoring_server.workspace_token)
    ignoring_server.reset_stats()
    where = ["--backend", "workspace", "--base-url", ignoring_server.base_url]
    where += ["--workspace", ignoring_server.workspace_id]
    status = main(["export", *where, "--contact", "+" + conv.contact])
    captured = capsys.readouterr()
    assert status == 4
    assert "ignored the paging cursor" in captured.err
    assert captured.out == ""
    assert ignoring_server.stats.requests <= 10


async def test_workspace_list_walk_with_small_pages_stops(ignoring_server: DemoServer) -> None:
    backend = WorkspaceBackend(
        ignoring_server.base_url,
        BearerToken(ignoring_server.workspace_token),
        ignoring_server.workspace_id,
        page_size=10,
    )
    walk = backend.conversations(Filters())
    try:
        with pytest.raises(PagingError, match="ignored the paging cursor"):
            for _ in range(1000):
                await walk.next_page()
    finally:
        await backend.aclose()
    assert backend.stats.requests <= 10


async def test_heymarket_team_walk_stops(ignoring_server: DemoServer) -> None:
    backend = HeymarketBackend(
        ignoring_server.base_url, BearerToken(ignoring_server.heymarket_token), page_size=20
    )
    walk = backend.conversations(Filters())
    try:
        with pytest.raises(PagingError, match="ignored the paging cursor"):
            for _ in range(1000):
                await walk.next_page()
        walks = backend.stats.requests
    finally:
        await backend.aclose()
    assert walks <= 12  # /v1/team, conversation enrichment and at most 4 pages of messages


# -- the TUI's scroll-back -----------------------------------------------------------------
class ThreadApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.failures: list[Exception] = []

    def compose(self) -> ComposeResult:
        yield ThreadView(tz=UTC)

    def on_thread_view_load_failed(self, event: ThreadView.LoadFailed) -> None:
        self.failures.append(event.error)


async def test_scroll_back_shows_the_error_once_and_stops_requesting(
    ignoring_server: DemoServer,
) -> None:
    conv = big_thread(ignoring_server)
    backend = HeymarketBackend(
        ignoring_server.base_url,
        BearerToken(ignoring_server.heymarket_token),
        inbox_id=str(conv.inbox_id),
    )
    contact = "+" + conv.contact
    conversation = Conversation(
        key=conversation_key(contact, str(conv.inbox_id)),
        contact=contact,
        inbox_id=str(conv.inbox_id),
        last_at=T0,
    )
    app = ThreadApp()
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            view = app.query_one(ThreadView)
            view.focus()
            view.show(conversation, backend.thread(conversation))
            for _ in range(30):  # scroll to the top again and again
                await pilot.press("g")
                await pilot.press("k", "k", "k")
                await pilot.pause(0.02)
                if app.failures:
                    break
            sent = backend.stats.requests
            for _ in range(20):
                await pilot.press("g", "ctrl+u")
                await pilot.pause(0.02)
            assert len(app.failures) == 1
            assert isinstance(app.failures[0], PagingError)
            assert view.status_text() == ERROR_TEXT
            assert backend.stats.requests == sent
            assert sent <= 10
    finally:
        await backend.aclose()


@pytest.mark.parametrize("style", ["heymarket", "workspace"])
async def test_after_the_error_a_retry_against_a_fixed_server_loses_nothing(
    ignoring_server: DemoServer, style: str
) -> None:
    """The stopped walk keeps a sound cursor (no strict bound, no invented gap): once the
    server honours the cursor again, carrying on returns every message exactly once."""
    conv = big_thread(ignoring_server)
    contact = "+" + conv.contact
    if style == "heymarket":
        backend: Any = HeymarketBackend(
            ignoring_server.base_url, BearerToken(ignoring_server.heymarket_token)
        )
        inbox: str | None = str(conv.inbox_id)
        expected = [str(m.id) for m in ignoring_server.dataset.thread(conv.inbox_id, conv.contact)]
    else:
        backend = WorkspaceBackend(
            ignoring_server.base_url,
            BearerToken(ignoring_server.workspace_token),
            ignoring_server.workspace_id,
            page_size=50,
        )
        inbox = None
        expected = [
            m.workspace_id
            for m in ignoring_server.dataset.workspace_messages
            if m.contact == conv.contact
        ]
    conversation = Conversation(
        key=conversation_key(contact, inbox), contact=contact, inbox_id=inbox, last_at=T0
    )
    pager = backend.thread(conversation)
    got: list[str] = []
    try:
        with pytest.raises(PagingError):
            for _ in range(100):
                got.extend(m.id for m in await pager.older())
        ignoring_server.set_faults(FaultConfig())
        for _ in range(1000):
            if pager.exhausted:
                break
            got.extend(m.id for m in await pager.older())
    finally:
        ignoring_server.set_faults(FaultConfig(ignore_cursor=True))
        await backend.aclose()
    assert sorted(got) == sorted(expected)
    assert len(got) == len(set(got))
    assert pager.complete
