"""The response size cap (``HttpSettings.max_response_bytes``), over a real loopback server:
a body bigger than the cap is refused with a specific BadResponse (not retried), whether its
size is declared up front, only known as it streams in, or hidden behind gzip."""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from inbox_tui.api.http import MAX_RESPONSE_BYTES, HttpSettings, make_client
from inbox_tui.errors import BadResponse

CAP = 64 * 1024


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    hits = 0

    def do_GET(self) -> None:
        type(self).hits += 1
        size = int(self.path.rsplit("/", 1)[-1])
        body = json.dumps(["x" * max(0, size - 4)]).encode()  # exactly `size` bytes
        assert len(body) == max(size, 4)
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("x-request-id", "req_big")
        if self.path.startswith("/chunked/"):
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            for start in range(0, len(body), 8192):
                piece = body[start : start + 8192]
                self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
            return
        if self.path.startswith("/gzip/"):
            body = gzip.compress(body)
            self.send_header("content-encoding", "gzip")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


async def _get(base_url: str, path: str, cap: int = CAP) -> object:
    settings = HttpSettings(max_retries=3, backoff_base=0.001, max_response_bytes=cap)
    client = make_client(base_url, httpx.Auth(), settings)
    try:
        return await client.get_json(path)
    finally:
        await client.aclose()


def test_default_cap_is_32_mib_above_the_20_mb_pages_the_app_must_read() -> None:
    assert HttpSettings().max_response_bytes == MAX_RESPONSE_BYTES == 32 * 1024 * 1024


@pytest.mark.parametrize("kind", ["length", "chunked", "gzip"])
async def test_body_at_the_cap_is_accepted(base_url: str, kind: str) -> None:
    data = await _get(base_url, f"/{kind}/{CAP}")
    assert isinstance(data, list) and len(data[0]) == CAP - 4


@pytest.mark.parametrize("kind", ["length", "chunked", "gzip"])
async def test_body_over_the_cap_is_refused_without_retrying(base_url: str, kind: str) -> None:
    _Handler.hits = 0
    with pytest.raises(BadResponse) as caught:
        await _get(base_url, f"/{kind}/{CAP + 1}")
    error = caught.value
    assert _Handler.hits == 1
    assert error.status == 200 and error.request_id == "req_big"
    assert f"/{kind}/{CAP + 1}" in str(error) and "larger than 65536 bytes" in str(error)


async def test_message_names_the_cap_in_mib(base_url: str) -> None:
    with pytest.raises(BadResponse, match=r"larger than 1 MiB"):
        await _get(base_url, f"/chunked/{1024 * 1024 + 10}", cap=1024 * 1024)
