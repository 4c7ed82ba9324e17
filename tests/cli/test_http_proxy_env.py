"""A proxy from ``HTTP_PROXY`` is honoured: a minimal loopback forward proxy records the
requests that pass through it.

One request per client connection (answers ``Connection: close``), enough to prove that a
client honours ``HTTP_PROXY``: the request line arrives in absolute form and is forwarded.
"""

from __future__ import annotations

import socket
import socketserver
import threading
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import pytest

from inbox_tui.cli.main import main


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        request_line = self.rfile.readline().decode("latin-1").rstrip("\r\n")
        if not request_line:
            return
        method, target, version = request_line.split(" ", 2)
        headers: list[tuple[str, str]] = []
        length = 0
        while True:
            line = self.rfile.readline().decode("latin-1").rstrip("\r\n")
            if not line:
                break
            name, _, value = line.partition(":")
            if name.lower() in ("proxy-connection", "connection", "keep-alive"):
                continue
            if name.lower() == "content-length":
                length = int(value.strip())
            headers.append((name, value.strip()))
        body = self.rfile.read(length) if length else b""
        self.server.requests.append(f"{method} {target}")
        parts = urlsplit(target)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        upstream = socket.create_connection((parts.hostname, parts.port or 80), timeout=10)
        with upstream:
            head = f"{method} {path} {version}\r\n"
            head += "".join(f"{n}: {v}\r\n" for n, v in headers) + "Connection: close\r\n\r\n"
            upstream.sendall(head.encode("latin-1") + body)
            response = b""
            while chunk := upstream.recv(65536):
                response += chunk
        self.wfile.write(response)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    requests: list[str]


class ForwardProxy:
    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.requests = []
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def requests(self) -> list[str]:
        return self._server.requests

    def __enter__(self) -> ForwardProxy:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()


def test_proxy_from_environment_is_used(
    demo_server: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with ForwardProxy() as proxy:
        for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("INBOX_TUI_TOKEN", demo_server.heymarket_token)
        argv = ["config", "check", "--backend", "heymarket", "--base-url", demo_server.base_url]
        status = main(argv)
        err = capsys.readouterr().err
    assert status == 0, err
    assert len(proxy.requests) >= 2
    assert all(
        line.startswith(("GET " + demo_server.base_url, "POST " + demo_server.base_url))
        for line in proxy.requests
    )
    assert any("/v1/inboxes" in line for line in proxy.requests)
