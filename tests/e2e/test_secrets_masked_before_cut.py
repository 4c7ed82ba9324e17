"""Secrets are masked before any text is cut short (issue 10, item 7).

A hostile server echoes the token at places where a cut would fall inside it: after a
105-character request id, near the end of a 160-character error message, or a JWT near
the end of a message. No 4 consecutive characters of the token may survive in an
exception, the banner, the app's screen or the log file.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from support.wait import wait_for

from inbox_tui import secrets
from inbox_tui.errors import ApiError

JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiJ0ZWFtLTQyIiwiaWF0IjoxNzAwMDAwMDAwfQ."
    "Qm9ndXNTaWduYXR1cmVGb3JUZXN0aW5nT25seQ"
)


def fresh_token() -> str:
    """16 characters that no other test registered (so no earlier registration hides a leak)."""
    return "Tk" + os.urandom(7).hex()


def leaked(secret: str, text: str, prefix: int = 3) -> list[str]:
    """Every 4-character run of ``secret`` (after a tiny prefix) found in ``text``."""
    return [secret[i : i + 4] for i in range(prefix, len(secret) - 3) if secret[i : i + 4] in text]


class _Hostile(BaseHTTPRequestHandler):
    """Echoes the bearer token where truncation bites; the path picks the variant."""

    def do_GET(self) -> None:
        token = self.headers.get("authorization", "").partition(" ")[2]
        if "jwt" in self.path:
            message = "m" * 140 + " " + JWT
            request_id = "r" * 100 + JWT
        else:
            message = "invalid credentials: " + "m" * 129 + token + " please retry later"
            request_id = "r" * 105 + token
        body = json.dumps({"message": message}).encode()
        self.send_response(500 if "500" in self.path else 401)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.send_header("x-request-id", request_id)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def hostile() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


async def _error_from(base_url: str, path: str, token: str) -> ApiError:
    from inbox_tui.api.auth import BearerToken
    from inbox_tui.api.http import HttpSettings, make_client

    secrets.register(token)
    client = make_client(base_url, BearerToken(token), HttpSettings(max_retries=0))
    try:
        with pytest.raises(ApiError) as caught:
            await client.get_json(path)
    finally:
        await client.aclose()
    return caught.value


@pytest.mark.parametrize("path", ["/401", "/500"])
async def test_error_texts_hold_no_part_of_the_token(hostile: str, path: str) -> None:
    from inbox_tui.ui.widgets.banner import error_text

    token = fresh_token()
    error = await _error_from(hostile, path, token)
    texts = [str(error), repr(error), error.user_message(), str(error.request_id)]
    texts.append(error_text(error))
    for text in texts:
        assert not leaked(token, text), text
    assert error.request_id and error.request_id.startswith("r" * 100)


@pytest.mark.parametrize("path", ["/jwt401", "/jwt500"])
async def test_a_jwt_cut_short_is_still_masked(hostile: str, path: str) -> None:
    from inbox_tui.ui.widgets.banner import error_text

    error = await _error_from(hostile, path, fresh_token())
    for text in (str(error), error.user_message(), str(error.request_id), error_text(error)):
        assert "eyJhbGci" not in text and "eyJzdWIi" not in text, text


def test_safe_line_masks_before_cutting() -> None:
    token = fresh_token()
    secrets.register(token)
    for limit in range(100, 140):
        line = secrets.safe_line("r" * 105 + token + " tail", limit)
        assert len(line) <= limit
        assert not leaked(token, line), (limit, line)


def test_safe_line_masks_a_token_the_server_cut_itself() -> None:
    token = fresh_token()
    secrets.register(token)
    for size in range(len(token) // 2, len(token)):  # half the token or more
        assert not leaked(token, secrets.safe_line("id " + token[:size] + " end"))
        assert not leaked(token, secrets.safe_line("id " + token[-size:] + " end"))
    # and at our own cut: the text ends with the start of a secret
    assert not leaked(token, secrets.safe_line("x" * 95 + token[:5] + "zzzzzz", 101))


def test_words_shared_with_a_secret_are_not_masked() -> None:
    secrets.register("demo-workspace-token")
    line = "Bad response from server: a workspace message record was skipped"
    assert secrets.safe_line(line) == line


def test_safe_line_strips_controls_before_matching() -> None:
    token = fresh_token()
    secrets.register(token)
    split = token[:8] + "\x1b[0m" + token[8:]
    assert not leaked(token, secrets.safe_line("token " + split))


@pytest.mark.parametrize("path", ["/401", "/jwt500"])
async def test_app_banner_and_log_hold_no_part_of_the_token(
    hostile: str, path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inbox_tui.cli.connect import build_backend
    from inbox_tui.config import Profile
    from inbox_tui.credentials import resolve
    from inbox_tui.logging_setup import log_file, setup_logging
    from inbox_tui.ui.app import InboxApp

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INBOX_TUI_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("INBOX_TUI_CACHE_DIR", str(tmp_path / "cache"))
    setup_logging()
    token = fresh_token()
    profile = Profile(base_url=hostile + path, max_retries=0)
    credentials = resolve("x", profile, env={"INBOX_TUI_TOKEN": token})
    app = InboxApp(build_backend(profile, credentials), profile_name="hostile")
    async with app.run_test(size=(200, 30)) as pilot:
        await wait_for(pilot, lambda: app.banner.showing)
        await pilot.pause(0.1)
        screen = app.export_screenshot()
        banner = str(app.banner.render())
        message = app.banner.message
    logged = log_file().read_text()
    plain_screen = re.sub(r"<[^>]+>", "", screen).replace("&#160;", " ")
    for text in (message, banner, plain_screen, logged):
        assert not leaked(token, text)
        assert "eyJhbGci" not in text and "eyJzdWIi" not in text
    assert "request id " + "r" * 40 in logged  # the request id was logged, masked, not dropped
