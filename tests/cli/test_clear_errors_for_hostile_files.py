"""Hostile input ends in one clear line and the documented exit code, never ``internal
error`` (issue 10, item 14): JSON or TOML nested 100k deep, a BOM before config.toml, a
FIFO where config.toml should be. The CLI runs in a fresh process (exit status, stderr)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from inbox_tui.api.auth import BearerToken
from inbox_tui.api.http import HttpSettings, make_client
from inbox_tui.config import ConfigError, load_config
from inbox_tui.errors import BadResponse, ServerError

DEEP = 100_000
DEEP_JSON = ("[" * DEEP + "]" * DEEP).encode()
GOOD_CONFIG = 'default_profile = "main"\n[profiles.main]\nbase_url = "{url}"\ninbox = "413"\n'


def run_cli(
    tmp_path: Path, argv: list[str], config: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("INBOX_TUI_")}
    base.update(
        INBOX_TUI_CONFIG=str(config),
        INBOX_TUI_LOG_DIR=str(tmp_path / "logs"),
        INBOX_TUI_CACHE_DIR=str(tmp_path / "cache"),
        NO_PROXY="*",
        **env,
    )
    return subprocess.run(
        [sys.executable, "-m", "inbox_tui", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        env=base,
        stdin=subprocess.DEVNULL,
    )


def one_clear_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "internal error" not in lines[0] and "Traceback" not in stderr
    return lines[0]


# --- TOML ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "x = " + "[" * DEEP + "]" * DEEP + "\n",
        "x = " + "{a = " * DEEP + "1" + "}" * DEEP + "\n",
    ],
    ids=["arrays", "inline-tables"],
)
def test_deeply_nested_toml_is_a_config_error(tmp_path: Path, text: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match="nested too deeply"):
        load_config(config)
    result = run_cli(tmp_path, ["config", "check"], config)
    assert result.returncode == 2
    assert "nested too deeply" in one_clear_line(result.stderr)


def test_a_bom_before_the_config_is_accepted(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_bytes(b"\xef\xbb\xbf" + GOOD_CONFIG.format(url="https://x.example").encode())
    assert load_config(config).default_profile == "main"
    result = run_cli(tmp_path, ["config", "show"], config)
    assert result.returncode == 0, result.stderr
    assert 'default_profile = "main"' in result.stdout


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs")
def test_a_fifo_at_the_config_path_is_refused_without_hanging(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    os.mkfifo(config)
    with pytest.raises(ConfigError, match="not a regular file"):
        load_config(config)
    result = run_cli(tmp_path, ["config", "check"], config)  # no writer: a read would block
    assert result.returncode == 2
    assert "not a regular file" in one_clear_line(result.stderr)


def test_a_folder_at_the_config_path_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="it is a folder"):
        load_config(tmp_path)


# --- JSON from a server --------------------------------------------------------------------


class _Deep(BaseHTTPRequestHandler):
    """200 (or 500 on /fail) with a body nested 100k deep."""

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        if self.path.startswith("/v1/inboxes") or self.path.startswith("/v1/team"):
            body = json.dumps([{"id": 413, "name": "Main"}]).encode()
        else:
            body = DEEP_JSON
        self.send_response(500 if self.path.startswith("/fail") else 200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def deep_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Deep)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


async def test_deeply_nested_json_is_a_bad_response(deep_server: str) -> None:
    client = make_client(
        deep_server,
        BearerToken("tok_deep_json"),
        HttpSettings(max_retries=2, backoff_base=0.001, backoff_max=0.002),
    )
    try:
        with pytest.raises(BadResponse, match="nested too deeply") as caught:
            await client.get_json("/v1/messages")
        assert client.stats.retries == 0  # it will not parse any better next time
        assert caught.value.status == 200
        with pytest.raises(ServerError):  # a deep error body: the status still speaks
            await client.get_json("/fail", parse=None)
    finally:
        await client.aclose()


def test_cli_export_of_deep_json_exits_4_with_one_line(tmp_path: Path, deep_server: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(GOOD_CONFIG.format(url=deep_server) + "max_retries = 0\n")
    result = run_cli(
        tmp_path,
        ["export", "--contact", "+14155550100", "--inbox", "413"],
        config,
        INBOX_TUI_TOKEN="tok_deep_json",
    )
    assert result.returncode == 4
    assert "nested too deeply" in one_clear_line(result.stderr)
