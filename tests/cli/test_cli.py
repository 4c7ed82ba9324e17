"""The command line: help, exit statuses, secrets never shown, transport rules, logging."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from inbox_tui.cli.main import main

PY = sys.executable
WRONG = "wrong-token-7c1e55aa90"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log_text() -> str:
    folder = Path(os.environ["INBOX_TUI_LOG_DIR"])
    return "".join(p.read_text() for p in folder.glob("*.log*")) if folder.exists() else ""


def write_config(text: str) -> Path:
    path = Path(os.environ["INBOX_TUI_CONFIG"])
    path.write_text(text)
    path.chmod(0o600)
    return path


def token_script(tmp_path: Path, token: str) -> str:
    path = tmp_path / "get-token"
    path.write_text(f"#!/bin/sh\necho '{token}'\n")
    path.chmod(0o700)
    return str(path)


# --- help and usage -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--help"], "inbox-tui --demo"),
        (["export", "--help"], "inbox-tui export --contact +14155550100"),
        (["demo-server", "--help"], "curl -H"),
        (["config", "--help"], "inbox-tui config check"),
        (["cache", "--help"], "inbox-tui cache stats"),
    ],
)
def test_help_has_examples(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(argv, capsys)
    assert status == 0 and "examples:" in out and needle in out


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--no-such-flag"], capsys)[0] == 2
    assert run(["export"], capsys)[0] == 2  # --contact is required
    assert run(["config", "nope"], capsys)[0] == 2
    status, _, err = run(["--backend", "workspace", "--base-url", "https://x.example"], capsys)
    assert status == 2 and "workspace id" in err


def test_help_and_export_do_not_import_textual() -> None:
    code = (
        "import sys\nfrom inbox_tui.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "assert 'textual' not in sys.modules, 'textual imported'\n"
        "main(['export', '--demo', '--contact', '+14155550100', '--since', 'x'])\n"
        "assert 'textual' not in sys.modules, 'textual imported by export'\n"
    )
    result = subprocess.run([PY, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_no_config_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run([], capsys)
    assert status == 2 and out == ""
    assert err.startswith("inbox-tui: no config file at ") and err.count("\n") == 1


# --- exit statuses against the demo server -----------------------------------------------------


def test_config_check_ok(
    demo_server: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INBOX_TUI_TOKEN", demo_server.heymarket_token)
    write_config(f'[profiles.t]\nbackend = "heymarket"\nbase_url = "{demo_server.base_url}"\n')
    status, out, err = run(["config", "check"], capsys)
    assert status == 0, err
    assert f"profile t: heymarket at {demo_server.base_url}" in out
    assert "token from INBOX_TUI_TOKEN" in out
    assert "inboxes: 3 visible: Support (413), Sales (414), Billing (415)" in out
    assert "latest messages (inbox 413):" in out and " ms]" in out and out.endswith("OK\n")
    assert demo_server.heymarket_token not in out + err + log_text()


def test_config_check_workspace_with_jwt_ignored(
    demo_server: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INBOX_TUI_TOKEN", demo_server.workspace_token)
    argv = ["config", "check", "--backend", "workspace", "--base-url", demo_server.base_url]
    status, out, err = run([*argv, "--workspace", demo_server.workspace_id], capsys)
    assert status == 0, err
    assert "workspace ws_demo" in out and "latest messages: " in out


def test_heymarket_jwt_from_secret_command(
    demo_server: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pair = f"{demo_server.heymarket_secret_id}||{demo_server.heymarket_secret_key}"
    command = token_script(tmp_path, pair)
    write_config(
        f'[profiles.jwt]\nbase_url = "{demo_server.base_url}"\nsecret_command = "{command}"\n'
    )
    status, out, err = run(["config", "check"], capsys)
    assert status == 0, err
    assert "JWT secret from secret_command" in out
    assert demo_server.heymarket_secret_key not in out + err + log_text()


def test_wrong_token_exit_3(
    demo_server: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INBOX_TUI_TOKEN", WRONG)
    argv = ["config", "check", "--backend", "heymarket", "--base-url", demo_server.base_url]
    status, out, err = run(argv, capsys)
    assert status == 3
    assert err.startswith("inbox-tui: Authentication refused (HTTP 401)") and err.count("\n") == 1
    assert "Traceback" not in err
    assert WRONG not in out + err + log_text()


def test_closed_port_exit_4(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INBOX_TUI_TOKEN", WRONG)
    url = f"http://127.0.0.1:{closed_port()}"
    write_config(f'[profiles.down]\nbase_url = "{url}"\nmax_retries = 0\n')
    status, out, err = run(["config", "check"], capsys)
    assert status == 4
    assert err.startswith("inbox-tui: Network error") and err.count("\n") == 1
    assert WRONG not in out + err + log_text()
    assert ", retry " not in log_text()  # max_retries = 0: one attempt, no backoff


def test_export_wrong_token_exit_3_and_debug_traceback_redacted(
    demo_server: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INBOX_TUI_TOKEN", WRONG)
    argv = ["export", "--backend", "heymarket", "--base-url", demo_server.base_url]
    status, out, err = run(
        [*argv, "--contact", "+14155550100", "--inbox", "413", "--debug"], capsys
    )
    assert status == 3 and out == ""
    assert "Traceback" in err and "AuthError" in err
    assert WRONG not in err + log_text()


# --- secrets never shown -----------------------------------------------------------------------


SECRET = "sk_live_never_print_5eb1a"


@pytest.mark.parametrize(
    "argv",
    [
        ["config", "show"],
        ["config", "check"],
        ["export", "--contact", "+14155550100", "--inbox", "413"],
        ["export", "--contact", "+14155550100", "--since", "bad-date"],
        ["--profile", "missing"],
        ["config", "check", "--profile", "down"],
        ["config", "check", "--profile", "failing"],
        ["config", "check", "--profile", "plainhttp"],
        ["config", "check", "--debug"],
    ],
)
def test_secret_never_in_any_output(
    argv: list[str],
    demo_server: Any,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    command = token_script(tmp_path, SECRET)
    failing = tmp_path / "failing"
    failing.write_text(f"#!/bin/sh\necho '{SECRET}'\necho 'gpg: decryption failed' >&2\nexit 5\n")
    failing.chmod(0o700)
    write_config(
        'default_profile = "main"\n'
        f'[profiles.main]\nbase_url = "{demo_server.base_url}"\ntoken_command = "{command}"\n'
        f'[profiles.down]\nbase_url = "http://127.0.0.1:{closed_port()}"\nmax_retries = 0\n'
        f'token = "{SECRET}"\n'
        f'[profiles.failing]\ntoken_command = "{failing}"\n'
        f'[profiles.plainhttp]\nbase_url = "http://api.example.com"\ntoken = "{SECRET}"\n'
    )
    status = main(argv)
    captured = capfd.readouterr()  # file descriptors: the commands' output too
    assert status in (0, 2, 3, 4)
    assert SECRET not in captured.out + captured.err
    assert SECRET not in log_text()


# --- transport rules ---------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["api.example.com", "10.0.0.8", "[fd00::1]", "localhost.evil.com"])
def test_plain_http_refused_for_non_loopback(
    host: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INBOX_TUI_TOKEN", SECRET)
    argv = ["config", "check", "--backend", "heymarket", "--base-url", f"http://{host}"]
    status, out, err = run(argv, capsys)
    assert status == 2 and out == ""
    assert "refusing plain http://" in err and "--insecure" in err


def test_insecure_allows_http() -> None:
    from inbox_tui.cli.connect import check_transport

    assert check_transport("http://10.0.0.8:8080", insecure=True) is True
    assert check_transport("https://api.heymarket.com", insecure=False) is False
    for url in ("http://127.0.0.1:9", "http://localhost:9", "http://[::1]:9", "http://a.localhost"):
        assert check_transport(url, insecure=False) is False


def test_insecure_flag_reaches_the_app(
    demo_server: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from inbox_tui.ui import app as ui_app

    seen: dict[str, Any] = {}

    def fake_run(self: Any, *args: Any, **kwargs: Any) -> None:
        seen.update(
            insecure=self.insecure, profile=self.profile_name, inbox=self.inbox_id, app=self
        )

    monkeypatch.setattr(ui_app.InboxApp, "run", fake_run)
    monkeypatch.setenv("INBOX_TUI_TOKEN", demo_server.heymarket_token)
    # A non-loopback http URL is allowed with --insecure; nothing is sent since run is faked.
    argv = ["--backend", "heymarket", "--base-url", "http://api.example.com", "--insecure"]
    status, _, err = run([*argv, "--inbox", "413"], capsys)
    assert status == 0, err
    assert seen["insecure"] is True and seen["inbox"] == "413"
    assert "warning: --insecure" in err
    status, _, err = run(["--demo"], capsys)
    assert status == 0 and seen["insecure"] is False and seen["profile"] == "demo"


def test_userinfo_in_url_refused(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["config", "check", "--backend", "heymarket", "--base-url", "https://u:p@x.example"]
    status, _, err = run(argv, capsys)
    assert status == 2 and "must not contain a user or password" in err and "u:p" not in err


# --- logging ----------------------------------------------------------------------------------


def test_log_file_written_and_nothing_on_terminal(
    demo_server: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import logging

    monkeypatch.setenv("INBOX_TUI_TOKEN", demo_server.heymarket_token)
    argv = [
        "--debug",
        "config",
        "check",
        "--backend",
        "heymarket",
        "--base-url",
        demo_server.base_url,
    ]
    status, _, err = run(argv, capsys)
    assert status == 0
    logging.getLogger("inbox_tui.test").warning("bearer %s", demo_server.heymarket_token)
    text = log_text()
    assert "command config" in text and "bearer ***" in text
    assert demo_server.heymarket_token not in text
    assert err == ""
    log_file = Path(os.environ["INBOX_TUI_LOG_DIR"]) / "inbox-tui.log"
    assert log_file.stat().st_mode & 0o077 == 0


# --- as real processes ------------------------------------------------------------------------


def env_for(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INBOX_TUI_TOKEN")}
    env.update(extra)
    return env


@pytest.mark.slow
def test_subprocess_exit_codes_and_no_secret(demo_server: Any) -> None:
    base = [PY, "-m", "inbox_tui"]
    cases = [
        (["config", "check", "--backend", "heymarket", "--base-url", demo_server.base_url], 3),
        (["config", "check", "--backend", "heymarket", "--base-url", "http://example.com"], 2),
        (
            [
                "export",
                "--backend",
                "heymarket",
                "--base-url",
                demo_server.base_url,
                "--contact",
                "+1415",
            ],
            3,
        ),
    ]
    for argv, expected in cases:
        result = subprocess.run(
            base + argv,
            capture_output=True,
            text=True,
            timeout=60,
            env=env_for({"INBOX_TUI_TOKEN": WRONG}),
        )
        assert result.returncode == expected, (argv, result.stderr)
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert WRONG not in result.stdout + result.stderr
    assert WRONG not in log_text()
    ok = subprocess.run(
        [
            *base,
            "export",
            "--backend",
            "workspace",
            "--base-url",
            demo_server.base_url,
            "--workspace",
            demo_server.workspace_id,
            "--contact",
            "+14155550100",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env_for({"INBOX_TUI_TOKEN": demo_server.workspace_token}),
    )
    assert ok.returncode == 0, ok.stderr


def _children(pid: int) -> list[str]:
    """Process ids whose parent is ``pid`` (pgrep: Linux and macOS)."""
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, timeout=20)
    return out.stdout.split()


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="signals")
@pytest.mark.usefixtures("sigint_enabled")
def test_ctrl_c_exits_130_quietly(tmp_path: Path) -> None:
    write_config('[profiles.slow]\ntoken_command = "sleep 30"\n')
    proc = subprocess.Popen(
        [PY, "-m", "inbox_tui", "config", "check"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env_for({}),
    )
    # Interrupt once the token command runs (a fixed 1.5 s sleep could land during start-up
    # imports on a loaded machine, before the CLI's KeyboardInterrupt handling exists).
    deadline = time.monotonic() + 60
    while not _children(proc.pid):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the token command never started"
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err


@pytest.mark.slow
@pytest.mark.usefixtures("sigint_enabled")
def test_demo_server_command(tmp_path: Path) -> None:
    import httpx

    proc = subprocess.Popen(
        [PY, "-m", "inbox_tui", "demo-server", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env_for({}),
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("inbox-tui demo server on http://127.0.0.1:")
        url = first.split(" on ")[1].strip()
        response = httpx.get(
            f"{url}/v1/inboxes",
            headers={"Authorization": "Bearer demo-heymarket-key"},
            trust_env=False,
        )
        assert response.status_code == 200 and response.json()[0]["name"] == "Support"
    finally:
        proc.send_signal(signal.SIGINT)
        # Generous: DemoServer.stop() alone may take 10 s (5 s graceful + 5 s forced join).
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err


def test_error_lines_cannot_carry_terminal_escapes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from inbox_tui.cli import commands as cli_commands
    from inbox_tui.errors import ServerError

    def hostile(args: Any) -> int:
        raise ServerError("boom\x1b]52;c;ZXZpbA==\x07\nsecond line", status=502)

    monkeypatch.setattr(cli_commands, "dispatch", hostile)
    status, _, err = run(["config", "path"], capsys)
    assert status == 4 and "\x1b" not in err and err.count("\n") == 1
    assert "Server error (HTTP 502): boom" in err


def test_keyboard_interrupt_in_process_is_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from inbox_tui.cli import commands as cli_commands

    def interrupted(args: Any) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_commands, "dispatch", interrupted)
    status, out, err = run(["config", "path"], capsys)
    assert (status, out, err) == (130, "", "")


def test_demo_server_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["demo-server", "--fault-rate", "2"], capsys)[0] == 2
    assert run(["demo-server", "--latency", "-1"], capsys)[0] == 2
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        status, _, err = run(["demo-server", "--port", str(port)], capsys)
    assert status == 2 and f"cannot listen on 127.0.0.1:{port}" in err


def test_flags_override_the_profile(
    demo_server: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INBOX_TUI_TOKEN", demo_server.workspace_token)
    write_config(
        '[profiles.w]\nbackend = "heymarket"\ninbox = 413\n'
        f'base_url = "{demo_server.base_url}"\npoll_seconds = 20\n'
    )
    # the profile says heymarket; the flags switch it to the workspace API of the same host
    argv = ["config", "check", "--profile", "w", "--backend", "workspace"]
    status, out, err = run([*argv, "--workspace", demo_server.workspace_id], capsys)
    assert status == 0, err
    assert f"profile w: workspace at {demo_server.base_url}" in out
    # flags before or after the subcommand mean the same
    status, out2, _ = run(
        ["--profile", "w", "--backend", "workspace", "--workspace", "ws_demo", "config", "check"],
        capsys,
    )
    assert status == 0 and out2.splitlines()[0] == out.splitlines()[0]


def test_demo_cannot_mix_with_profile(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["--demo", "--profile", "x", "config", "check"], capsys)
    assert status == 2 and "--demo cannot be combined" in err
