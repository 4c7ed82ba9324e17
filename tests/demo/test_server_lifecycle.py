"""DemoServer lifecycle, startup cost, and the foreground ``serve()`` entry point."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime

import httpx
import pytest

from inbox_tui.demo.dataset import build_dataset
from inbox_tui.demo.server import DemoServer, banner, serve

SMALL = build_dataset(2, conversations=8, big_threads=(80,), now=datetime(2026, 1, 1, tzinfo=UTC))


def test_start_stop_and_restart() -> None:
    srv = DemoServer(dataset=SMALL)
    with pytest.raises(RuntimeError):
        _ = srv.base_url
    srv.start()
    url = srv.base_url
    assert url.startswith("http://127.0.0.1:") and srv.port > 0
    assert httpx.get(url + "/").status_code == 200
    srv.start()  # idempotent
    srv.stop()
    srv.stop()  # idempotent
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/", timeout=1)
    with srv:  # a stopped server starts again (same port)
        assert httpx.get(srv.base_url + "/").status_code == 200


def test_two_servers_get_distinct_free_ports() -> None:
    with DemoServer(dataset=SMALL) as a, DemoServer(dataset=SMALL) as b:
        assert a.port != b.port


def test_busy_port_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError):
            DemoServer(dataset=SMALL, port=taken.getsockname()[1]).start()


async def test_works_from_inside_a_running_event_loop() -> None:
    with DemoServer(dataset=SMALL) as srv:
        async with httpx.AsyncClient(base_url=srv.base_url) as client:
            headers = {"Authorization": f"Bearer {srv.heymarket_token}"}
            results = await asyncio.gather(
                *(client.get("/v1/inboxes", headers=headers) for _ in range(20))
            )
    assert all(r.status_code == 200 for r in results)
    assert len({r.headers["x-request-id"] for r in results}) == 20


def test_start_stop_repeatedly_serves_each_time() -> None:
    """Each start answers at once (start-up time is measured by bench/ui.py, not asserted
    here: timed tests flake on a loaded machine)."""
    for _ in range(3):
        srv = DemoServer().start()
        try:
            response = httpx.get(
                srv.base_url + "/v1/inboxes",
                headers={"Authorization": f"Bearer {srv.heymarket_token}"},
            )
            assert response.status_code == 200
        finally:
            srv.stop()


def test_session_fixture_serves_the_5000_thread_losslessly(demo_server: DemoServer) -> None:
    """Scrolling back with ``timestamp = oldest_seen + 1`` and de-duplicating by id reaches
    every message of the 5000-message thread despite same-second bursts."""
    conv = demo_server.dataset.biggest_threads(1)[0]
    assert conv.message_count == 5000
    headers = {"Authorization": f"Bearer {demo_server.heymarket_token}"}
    seen: dict[int, str] = {}
    params: dict[str, object] = {"phoneNumber": conv.contact, "inboxID": conv.inbox_id}
    with httpx.Client(base_url=demo_server.base_url, headers=headers) as client:
        for _ in range(400):
            page = client.get("/v1/messages", params=params).json()
            new = [m for m in page if m["id"] not in seen]
            seen.update((m["id"], m["date"]) for m in page)
            if not new:
                break
            oldest = min(datetime.fromisoformat(d) for d in seen.values())
            params["timestamp"] = int(oldest.timestamp()) + 1
    assert len(seen) == 5000


def test_banner_lists_credentials_and_curl_examples() -> None:
    with DemoServer(dataset=SMALL) as srv:
        text = banner(srv)
    assert srv.heymarket_token in text and srv.workspace_token in text
    assert srv.workspace_id in text and srv.heymarket_secret_id in text
    assert text.count("curl ") == 3 and "/v1/messages?" in text and "/api/ui/workspaces/" in text


@pytest.mark.slow
@pytest.mark.usefixtures("sigint_enabled")
def test_serve_runs_in_the_foreground_until_interrupted() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = f"from inbox_tui.demo.server import serve; raise SystemExit(serve(port={port}))"
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}" in first
        r = httpx.get(
            f"http://127.0.0.1:{port}/v1/inboxes",
            headers={"Authorization": "Bearer demo-heymarket-key"},
        )
        assert r.status_code == 200
        proc.send_signal(signal.SIGINT)
        # Generous: DemoServer.stop() alone may take 10 s (5 s graceful + 5 s forced join).
        proc.wait(timeout=60)
        out = proc.stdout.read()  # not communicate(): it would skip what readline buffered
        err = proc.stderr.read() if proc.stderr else ""
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "curl" in first + out and "demo server stopped" in out


def test_serve_prints_to_the_given_stream() -> None:
    """serve() with a stop requested at once: prints the banner, stops, returns 0."""
    stop = threading.Event()
    stop.set()
    out = io.StringIO()
    assert serve(port=0, seed=2, out=out, stop=stop) == 0
    text = out.getvalue()
    assert "curl" in text and text.rstrip().endswith("demo server stopped")


async def test_accepted_connections_have_tcp_nodelay() -> None:
    """Regression: without TCP_NODELAY each keep-alive response waited ~40 ms (delayed ACK).
    asyncio (the demo server's uvicorn loop) sets it only on sockets created with
    ``proto=IPPROTO_TCP``: check the option on a connection accepted from :func:`listen`."""
    from support.wait import wait_for

    from inbox_tui.demo.listen import listen

    nodelay: list[int] = []

    async def accepted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        nodelay.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    server = await asyncio.start_server(accepted, sock=listen())
    try:
        host, port = server.sockets[0].getsockname()[:2]
        _, writer = await asyncio.open_connection(host, port)
        await wait_for(None, lambda: nodelay)
        writer.close()
    finally:
        server.close()
        await server.wait_closed()
    assert nodelay[0] != 0


def test_new_messages_arrive_while_running() -> None:
    dataset = build_dataset(
        4, conversations=6, big_threads=(), now=datetime(2026, 1, 1, tzinfo=UTC)
    )
    with DemoServer(dataset=dataset) as srv:
        hm = httpx.Client(
            base_url=srv.base_url, headers={"Authorization": f"Bearer {srv.heymarket_token}"}
        )
        ws = httpx.Client(
            base_url=srv.base_url, headers={"Authorization": f"Bearer {srv.workspace_token}"}
        )
        before = int(hm.post("/v1/messages/all/count").json())
        conv = dataset.conversations[-1]  # the least recently active one
        added = srv.add_message(conv.inbox_id, conv.contact, "just now 👋")
        reply = srv.add_message(conv.inbox_id, conv.contact, "on it", direction="outbound")
        fresh = srv.add_message(413, "+15035550000", "hello, new here", name="New Person")
        assert added.id < reply.id < fresh.id
        assert int(hm.post("/v1/messages/all/count").json()) == before + 3
        newest = hm.post("/v1/messages/all", json={"created_at": "2100-01-01T00:00:00Z"}).json()
        assert [m["id"] for m in newest[:3]] == [fresh.id, reply.id, added.id]
        assert newest[2]["conversation"]["read"] is False
        thread = hm.get(
            "/v1/messages", params={"phoneNumber": "15035550000", "inboxID": 413}
        ).json()
        assert [m["text"] for m in thread] == ["hello, new here"]
        assert thread[0]["conversation"]["name"] == "New Person"
        page = ws.get(f"/api/ui/workspaces/{srv.workspace_id}/messages", params={"limit": 3})
        assert {m["id"] for m in page.json()["messages"]} == {
            f"msg_{m.id}" for m in (added, reply, fresh)
        }
        convs = hm.post("/v1/conversations", json={"id": 1, "filters": {}}).json()
        assert convs[0]["target"] == "15035550000"
        with pytest.raises(ValueError):
            srv.add_message(12345, "+15035550000", "nowhere")


def test_live_mode_keeps_adding_messages() -> None:
    dataset = build_dataset(
        4, conversations=6, big_threads=(), now=datetime(2026, 1, 1, tzinfo=UTC)
    )
    start = len(dataset.messages)
    with DemoServer(dataset=dataset, live_interval=0.02) as srv:
        deadline = time.monotonic() + 30
        while len(srv.dataset.messages) < start + 5 and time.monotonic() < deadline:
            time.sleep(0.02)
    assert len(dataset.messages) >= start + 5


def test_a_handler_bug_still_answers_500_with_a_request_id(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from inbox_tui.demo import heymarket_api

    def broken(*_: object) -> None:
        raise KeyError("boom")

    monkeypatch.setitem(heymarket_api.ROUTES, ("GET", "/v1/team"), broken)
    with DemoServer(dataset=SMALL) as srv:
        r = httpx.get(
            srv.base_url + "/v1/team", headers={"Authorization": f"Bearer {srv.heymarket_token}"}
        )
    assert r.status_code == 500 and r.json()["request_id"] == r.headers["x-request-id"]
    assert "demo server failed" in caplog.text


def test_server_never_installs_its_own_stderr_handlers() -> None:
    """Inside the TUI a stream handler writing to the terminal would garble the screen."""
    import logging

    with DemoServer(dataset=SMALL):
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
            assert not logging.getLogger(name).handlers, name
