"""A distinctive token, JWT secret key and workspace token go through every CLI path (each
in a fresh process, so no earlier registration can hide a leak) and the app's error paths,
including servers that echo the credentials back in error bodies and request ids. None of
them may appear in stdout, stderr, the log files, the cache, an export, a screenshot or an
exception's text. The JWT secret *id* is an identifier that ``config show`` prints on
purpose; everywhere else it must not appear either.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from inbox_tui.demo.auth import DemoCredentials
from inbox_tui.demo.dataset import build_dataset
from inbox_tui.demo.server import DemoServer
from inbox_tui.filters import Filters

TOKEN = "hmtok_LEAKCANARY_7f3a9c1e5b2d"
WS_TOKEN = "wstok_LEAKCANARY_2d8e4f6a0c9b"
SECRET_ID = "sid_LEAKCANARY_91b3"
SECRET_KEY = "skey_LEAKCANARY_5e7c0a2b4d6f8"
WRONG = "wrongtok_LEAKCANARY_0a1b2c3d4e"
NEVER = (TOKEN, WS_TOKEN, SECRET_KEY, WRONG, "LEAKCANARY_5e7c", "LEAKCANARY_7f3a")
JWT_LIKE = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.")
CONTACT_WITH_THREAD: dict[str, str] = {}


def leaks(text: str, *, allow_secret_id: bool = False) -> list[str]:
    found = [secret for secret in NEVER if secret in text]
    if not allow_secret_id and SECRET_ID in text:
        found.append(SECRET_ID)
    if JWT_LIKE.search(text):
        found.append("a JWT")
    return found


# --- servers -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoServer]:
    server = DemoServer(dataset=build_dataset(5, conversations=8, big_threads=(60,)))
    server.credentials = DemoCredentials(
        heymarket_token=TOKEN,
        heymarket_secret_id=SECRET_ID,
        heymarket_secret_key=SECRET_KEY,
        workspace_token=WS_TOKEN,
    )
    with server:
        big = server.dataset.biggest_threads(1)[0]
        CONTACT_WITH_THREAD.update(contact="+" + big.contact, inbox=str(big.inbox_id))
        yield server


class _Echo(BaseHTTPRequestHandler):
    """A hostile or broken server: answers with the caller's Authorization header in the
    error body, in the request id and in a message field."""

    status = 401

    def _answer(self) -> None:
        auth = self.headers.get("authorization", "")
        body = json.dumps(
            {
                "message": f"invalid credentials: {auth}",
                "error": auth,
                "detail": f"token={auth.partition(' ')[2]}",
            }
        ).encode()
        self.send_response(self.status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.send_header("x-request-id", "req_" + auth.partition(" ")[2][:60])
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


def _serve(status: int) -> Iterator[str]:
    handler = type("Echo", (_Echo,), {"status": status})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def echo401() -> Iterator[str]:
    yield from _serve(401)


@pytest.fixture(scope="module")
def echo500() -> Iterator[str]:
    yield from _serve(500)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- running the CLI in fresh processes -------------------------------------------------------


class Home:
    """A config/log/cache home for one CLI scenario, and everything written into it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.config = root / "config.toml"
        self.logs = root / "logs"
        self.cache = root / "cache"
        self.outputs: list[str] = []

    def write_config(self, text: str) -> None:
        self.config.write_text(text)
        self.config.chmod(0o600)

    def script(self, name: str, body: str) -> str:
        path = self.root / name
        path.write_text("#!/bin/sh\n" + body)
        path.chmod(0o700)
        return str(path)

    def run(
        self, argv: list[str], env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
        base = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("INBOX_TUI_") and k not in ("HTTP_PROXY", "HTTPS_PROXY")
        }
        base.update(
            INBOX_TUI_CONFIG=str(self.config),
            INBOX_TUI_LOG_DIR=str(self.logs),
            INBOX_TUI_CACHE_DIR=str(self.cache),
            NO_PROXY="*",
        )
        base.update(env or {})
        result = subprocess.run(
            [sys.executable, "-m", "inbox_tui", *argv],
            capture_output=True,
            text=True,
            timeout=60,
            env=base,
            cwd=self.root,
        )
        self.outputs.append(result.stdout + result.stderr)
        return result

    def files_text(self) -> dict[str, str]:
        """Every file the runs left behind (logs, cache, exports), decoded leniently."""
        found: dict[str, str] = {}
        for path in self.root.rglob("*"):
            if path.is_file() and path.name not in ("config.toml",) and path.suffix != "":
                found[str(path)] = path.read_bytes().decode("utf-8", errors="replace")
            elif path.is_file() and path.parent == self.logs:
                found[str(path)] = path.read_text(errors="replace")
        for path in self.logs.glob("*") if self.logs.exists() else []:
            found[str(path)] = path.read_text(errors="replace")
        return found


@pytest.fixture
def home(tmp_path: Path) -> Home:
    root = tmp_path / "secrets-home"
    root.mkdir()
    return Home(root)


def cli_cases(
    demo: DemoServer, echo401: str, echo500: str, home: Home
) -> list[tuple[str, list[str], dict[str, str], tuple[int, ...]]]:
    url = demo.base_url
    contact, inbox = CONTACT_WITH_THREAD["contact"], CONTACT_WITH_THREAD["inbox"]
    good = home.script("good-token", f"echo '{TOKEN}'\n")
    good_ws = home.script("good-ws", f"echo '{WS_TOKEN}'\n")
    pair = home.script("pair", f"echo '{SECRET_ID}||{SECRET_KEY}'\n")
    failing = home.script("failing", f"echo '{TOKEN}'\nexit 5\n")
    slow = home.script("slow", f"sleep 5\necho '{TOKEN}'\n")
    one_word = home.script("one-word", f"echo '{SECRET_KEY}'\n")
    home.write_config(
        'default_profile = "main"\n'
        f'[profiles.main]\nbase_url = "{url}"\ntoken_command = "{good}"\ninbox = "{inbox}"\n'
        f'[profiles.filetoken]\nbase_url = "{url}"\ntoken = "{TOKEN}"\n'
        f'[profiles.filejwt]\nbase_url = "{url}"\nsecret_id = "{SECRET_ID}"\n'
        f'secret_key = "{SECRET_KEY}"\n'
        f'[profiles.jwtcmd]\nbase_url = "{url}"\nsecret_command = "{pair}"\n'
        f'[profiles.ws]\nbackend = "workspace"\nbase_url = "{url}"\n'
        f'workspace = "{demo.workspace_id}"\ntoken_command = "{good_ws}"\n'
        f'[profiles.failing]\nbase_url = "{url}"\ntoken_command = "{failing}"\n'
        f'[profiles.slow]\nbase_url = "{url}"\ntoken_command = "{slow}"\n'
        "command_timeout = 0.5\n"
        f'[profiles.oneword]\nbase_url = "{url}"\nsecret_command = "{one_word}"\n'
        f'[profiles.down]\nbase_url = "http://127.0.0.1:{closed_port()}"\nmax_retries = 0\n'
        f'token = "{TOKEN}"\n'
        f'[profiles.echo]\nbase_url = "{echo401}"\ntoken = "{TOKEN}"\n'
        f'[profiles.echo500]\nbase_url = "{echo500}"\ntoken = "{TOKEN}"\nmax_retries = 0\n'
        f'[profiles.plainhttp]\nbase_url = "http://api.example.com"\ntoken = "{TOKEN}"\n'
    )
    env_token = {"INBOX_TUI_TOKEN": TOKEN}
    env_jwt = {"INBOX_TUI_SECRET_ID": SECRET_ID, "INBOX_TUI_SECRET_KEY": SECRET_KEY}
    export = ["export", "--contact", contact, "--inbox", inbox]
    return [
        ("config path", ["config", "path"], {}, (0,)),
        ("config show", ["config", "show"], env_token, (0,)),
        ("config show jwt env", ["config", "show"], env_jwt, (0,)),
        ("config check token_command", ["config", "check"], {}, (0,)),
        ("config check token in file", ["config", "check", "--profile", "filetoken"], {}, (0,)),
        ("config check jwt in file", ["config", "check", "--profile", "filejwt"], {}, (0,)),
        ("config check jwt command", ["config", "check", "--profile", "jwtcmd"], {}, (0,)),
        ("config check jwt env", ["config", "check", "--profile", "filetoken"], env_jwt, (0,)),
        ("config check workspace", ["config", "check", "--profile", "ws"], {}, (0,)),
        ("config check --debug", ["config", "check", "--debug"], {}, (0,)),
        ("export jsonl stdout", export, {}, (0,)),
        ("export csv file", [*export, "-f", "csv", "-o", "out.csv"], {}, (0,)),
        ("export md file jwt", [*export, "-o", "out.md", "--profile", "filejwt"], {}, (0,)),
        ("export workspace", ["export", "--profile", "ws", "--contact", contact], {}, (0,)),
        (
            "bad token",
            ["config", "check", "--profile", "filetoken"],
            {"INBOX_TUI_TOKEN": WRONG},
            (3,),
        ),
        ("bad token export --debug", [*export, "--debug"], {"INBOX_TUI_TOKEN": WRONG}, (3,)),
        (
            "bad jwt key",
            ["config", "check", "--profile", "filejwt"],
            {"INBOX_TUI_SECRET_ID": SECRET_ID, "INBOX_TUI_SECRET_KEY": WRONG},
            (3,),
        ),
        ("server echoes token 401", ["config", "check", "--profile", "echo"], {}, (3,)),
        (
            "server echoes token 401 debug",
            ["config", "check", "--profile", "echo", "--debug"],
            {},
            (3,),
        ),
        ("server echoes token 500", ["config", "check", "--profile", "echo500"], {}, (4,)),
        (
            "server echoes export",
            ["export", "--profile", "echo500", "--contact", contact, "--inbox", inbox],
            {},
            (4,),
        ),
        ("unreachable", ["config", "check", "--profile", "down"], {}, (4,)),
        (
            "unreachable export",
            ["export", "--profile", "down", "--contact", contact, "--inbox", inbox],
            {},
            (4,),
        ),
        ("plain http refused", ["config", "check", "--profile", "plainhttp"], {}, (2,)),
        (
            "credentials in url",
            [
                "config",
                "check",
                "--backend",
                "heymarket",
                "--base-url",
                f"http://u:{TOKEN}@127.0.0.1:{closed_port()}/",
            ],
            env_token,
            (2,),
        ),
        (
            "token in url query",
            [
                "config",
                "check",
                "--backend",
                "heymarket",
                "--base-url",
                f"http://127.0.0.1:{closed_port()}/?api_key={TOKEN}",
            ],
            env_token,
            (2, 4),
        ),
        (
            "bad url",
            ["config", "check", "--backend", "heymarket", "--base-url", f"ftp://{TOKEN}"],
            env_token,
            (2,),
        ),
        ("token_command fails", ["config", "check", "--profile", "failing"], {}, (2,)),
        ("token_command times out", ["config", "check", "--profile", "slow"], {}, (2,)),
        ("secret_command bad output", ["config", "check", "--profile", "oneword"], {}, (2,)),
        (
            "jwt env half missing",
            ["config", "check", "--profile", "filetoken"],
            {"INBOX_TUI_SECRET_KEY": SECRET_KEY},
            (2,),
        ),
        ("unknown profile", ["--profile", "nope"], env_token, (2,)),
        ("cache stats", ["cache", "stats", "--profile", "filetoken"], {}, (0,)),
    ]


@pytest.mark.slow
@pytest.mark.timeout(300)  # dozens of CLI processes
def test_no_cli_path_leaks_a_secret(
    demo: DemoServer, echo401: str, echo500: str, home: Home
) -> None:
    failures: list[str] = []
    cases = cli_cases(demo, echo401, echo500, home)
    with ThreadPoolExecutor(max_workers=4) as pool:  # separate processes: run a few at once
        results = list(pool.map(lambda case: home.run(case[1], case[2]), cases))
    for (name, argv, _env, statuses), result in zip(cases, results, strict=True):
        output = result.stdout + result.stderr
        if result.returncode not in statuses:
            failures.append(f"{name}: exit {result.returncode}, wanted {statuses}: {output[-300:]}")
        allow_id = argv[:2] == ["config", "show"]
        found = leaks(output, allow_secret_id=allow_id)
        if found:
            failures.append(f"{name}: {found} in output: {output[-400:]}")
        if "Traceback" in result.stderr and "--debug" not in argv:
            failures.append(f"{name}: traceback without --debug")
    for path, text in home.files_text().items():
        found = leaks(text)
        if found:
            failures.append(f"{path}: {found}")
    assert not failures, "\n".join(failures)
    exported = (home.root / "out.csv").read_text() + (home.root / "out.md").read_text()
    assert exported.count("\n") > 10  # the exports really ran
    log = "".join(home.files_text()[p] for p in home.files_text() if "/logs/" in p)
    assert "Authentication refused" in log  # the error paths really were logged


# --- in-process: exception text, the app's error paths, screenshots ---------------------------


def fresh_canary() -> str:
    """A token no earlier test in this process has registered for redaction."""
    return "apptok_LEAKCANARY_" + os.urandom(6).hex()


async def test_exception_texts_never_hold_the_token(echo401: str, echo500: str) -> None:
    from inbox_tui.cli.connect import build_backend
    from inbox_tui.config import Profile
    from inbox_tui.credentials import resolve
    from inbox_tui.errors import ApiError

    canary = fresh_canary()
    for url in (echo401, echo500, f"http://127.0.0.1:{closed_port()}"):
        profile = Profile(base_url=url, max_retries=0)
        credentials = resolve("x", profile, env={"INBOX_TUI_TOKEN": canary})
        backend = build_backend(profile, credentials)
        try:
            calls: list[Callable[[], Any]] = [
                backend.inboxes,
                lambda b=backend: b.count(Filters()),
                lambda b=backend: b.conversations(Filters()).next_page(),
                lambda b=backend: b.latest(),
            ]
            for call in calls:
                with pytest.raises(ApiError) as caught:
                    await call()
                error = caught.value
                texts = [str(error), repr(error), error.user_message(), str(error.args)]
                texts.append(str(error.request_id))
                assert not [t for t in texts if canary in t], texts
        finally:
            await backend.aclose()


@pytest.mark.parametrize("which", ["401", "500"])
async def test_app_error_paths_show_no_secret(
    which: str,
    echo401: str,
    echo500: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Banner, header, notifications, screenshot and log file while every request fails
    with a body and request id that echo the token."""
    from inbox_tui.cli.connect import build_backend
    from inbox_tui.config import Profile
    from inbox_tui.credentials import resolve
    from inbox_tui.logging_setup import log_file, setup_logging
    from inbox_tui.ui.app import InboxApp

    monkeypatch.chdir(tmp_path)
    setup_logging()
    canary = fresh_canary()
    profile = Profile(base_url=echo401 if which == "401" else echo500, max_retries=0)
    credentials = resolve("x", profile, env={"INBOX_TUI_TOKEN": canary})
    app = InboxApp(build_backend(profile, credentials), profile_name="leaky")
    screens: list[str] = []
    async with app.run_test(size=(120, 30)) as pilot:
        deadline = time.monotonic() + 10
        while not app.banner.showing:
            assert time.monotonic() < deadline
            await pilot.pause(0.02)
        await pilot.pause(0.1)
        screens.append(app.export_screenshot())
        for keys in (
            ["ctrl+r"],
            ["e"],
            ["i"],
            ["question_mark"],
            ["escape"],
            ["ctrl+p"],
            ["escape"],
        ):
            await pilot.press(*keys)
            await pilot.pause(0.1)
            screens.append(app.export_screenshot())
        texts = [app.banner.message, *(str(n.message) for n in app._notifications)]
    assert "Authentication refused" in texts[0] or "Server error" in texts[0], texts[0]
    logged = log_file().read_text() if log_file().exists() else ""
    for text in [*texts, *screens, logged]:
        assert canary not in text
        assert not JWT_LIKE.search(text)
    assert logged  # the failures were logged (redacted), not dropped
