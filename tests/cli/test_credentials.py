"""Where secrets come from: env, commands (first stdout line, timeout), the file."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from inbox_tui import secrets
from inbox_tui.cli.connect import auth_for
from inbox_tui.config import Profile
from inbox_tui.credentials import CredentialError, resolve

TOKEN = "tok_live_4f9a8b7c6d5e"


def script(tmp_path: Path, name: str, body: str) -> str:
    """A shell script whose path (not its content) goes into the profile."""
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o700)
    return str(path)


def test_env_token_wins_over_command(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("INBOX_TUI_TOKEN", TOKEN)
    marker = tmp_path / "ran"
    profile = Profile(token_command=f"touch {marker}; echo other")
    creds = resolve("work", profile)
    assert creds.kind == "token" and creds.token == TOKEN and creds.source == "INBOX_TUI_TOKEN"
    assert not marker.exists()  # the command was not even run
    assert secrets.redact(f"x {TOKEN} y") == "x *** y"


def test_env_jwt_pair_for_heymarket(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INBOX_TUI_SECRET_ID", "sid_1")
    monkeypatch.setenv("INBOX_TUI_SECRET_KEY", "skey_abcdefgh")
    creds = resolve("hm", Profile())
    assert (creds.kind, creds.secret_id, creds.secret_key) == ("jwt", "sid_1", "skey_abcdefgh")
    assert "skey_abcdefgh" not in repr(creds)
    # a workspace profile ignores the JWT pair and wants a token
    with pytest.raises(CredentialError, match="INBOX_TUI_TOKEN"):
        resolve("ws", Profile(backend="workspace", base_url="https://x.example", workspace="w"))


def test_half_a_jwt_pair_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INBOX_TUI_SECRET_ID", "sid_1")
    with pytest.raises(CredentialError, match="INBOX_TUI_SECRET_KEY is not set"):
        resolve("hm", Profile())


def test_token_command_first_line(tmp_path: Path) -> None:
    command = script(tmp_path, "tok", f"printf '  {TOKEN}  \\nsecond line\\n'")
    creds = resolve("work", Profile(token_command=command))
    assert creds.token == TOKEN and creds.source == "token_command"
    assert secrets.redact(TOKEN) == "***"


def test_token_command_through_the_shell(tmp_path: Path) -> None:
    (tmp_path / "store").write_text(TOKEN + "\n")
    creds = resolve("work", Profile(token_command=f"cat {tmp_path}/store | head -n 1"))
    assert creds.token == TOKEN


def test_failing_command_names_profile_and_status_not_output(tmp_path: Path) -> None:
    command = script(tmp_path, "fail", f"echo {TOKEN}; exit 3")
    with pytest.raises(CredentialError) as info:
        resolve("work", Profile(token_command=command))
    message = str(info.value)
    assert "token_command of profile 'work' failed (exit status 3)" in message
    assert TOKEN not in message and command not in message


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan nobody reaped yet is dead too)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_command_timeout_kills_the_pipeline(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    # `sleep | cat`: the shell's children hold stdout open; all of them must die.
    command = f"sh -c 'echo $$ >> {pids}; exec sleep 300' | sh -c 'echo $$ >> {pids}; exec cat'"
    # 3 s: time for both shells to start and note their pids on a loaded machine.
    with pytest.raises(CredentialError, match=r"did not finish within 3 s"):
        resolve("work", Profile(token_command=command + "; echo late", command_timeout=3))
    started = [int(line) for line in pids.read_text().split()]
    assert len(started) == 2
    deadline = time.monotonic() + 30  # a bound on the wait, not a measurement
    while any(_running(pid) for pid in started) and time.monotonic() < deadline:
        time.sleep(0.05)
    survivors = [pid for pid in started if _running(pid)]
    for pid in survivors:  # do not leave them behind when the test fails
        os.kill(pid, signal.SIGKILL)
    assert not survivors, "part of the pipeline survived"


@pytest.mark.skipif(os.name != "posix", reason="signals and sessions")
@pytest.mark.usefixtures("sigint_enabled")
def test_ctrl_c_while_the_command_starts_kills_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-c landing inside ``Popen()`` (after the fork, before it returns) must not leave
    the command running in its own session, holding the terminal (it raced the CLI's
    ctrl-c test on a loaded machine)."""
    started: list[subprocess.Popen[bytes]] = []

    class InterruptedPopen(subprocess.Popen):  # type: ignore[type-arg]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            started.append(self)
            os.kill(os.getpid(), signal.SIGINT)  # ctrl-c before Popen() has returned

    monkeypatch.setattr(subprocess, "Popen", InterruptedPopen)
    try:
        with pytest.raises(KeyboardInterrupt):
            resolve("work", Profile(token_command="sleep 30", command_timeout=60))
        assert len(started) == 1
        assert started[0].wait(timeout=10) is not None  # killed, not left running
    finally:
        for proc in started:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_empty_output_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CredentialError, match="printed nothing"):
        resolve("work", Profile(token_command="printf '\\n\\n'"))


def test_missing_program_reports_shell_status() -> None:
    with pytest.raises(CredentialError, match=r"exit status 127"):
        resolve("work", Profile(token_command="no-such-program-inbox-tui"))


@pytest.mark.parametrize(
    ("output", "configured_id", "expected"),
    [
        ("sid_9 key_secret_123", None, ("sid_9", "key_secret_123")),
        ("sid_9||key_secret_123", None, ("sid_9", "key_secret_123")),
        ("key_secret_123", "sid_conf", ("sid_conf", "key_secret_123")),
    ],
)
def test_secret_command_formats(
    tmp_path: Path, output: str, configured_id: str | None, expected: tuple[str, str]
) -> None:
    command = script(tmp_path, "sec", f"echo '{output}'")
    creds = resolve("hm", Profile(secret_command=command, secret_id=configured_id))
    assert creds.kind == "jwt" and (creds.secret_id, creds.secret_key) == expected
    assert secrets.redact("key_secret_123") == "***"


def test_secret_command_bad_format(tmp_path: Path) -> None:
    command = script(tmp_path, "sec", "echo 'a b c'")
    with pytest.raises(CredentialError, match="must print 'ID KEY'") as info:
        resolve("hm", Profile(secret_command=command))
    assert "a b c" not in str(info.value)


def test_file_values_come_last(tmp_path: Path) -> None:
    creds = resolve("a", Profile(token="file_token_123456"))
    assert (creds.token, creds.source) == ("file_token_123456", "config file")
    jwt = resolve("a", Profile(secret_id="sid", secret_key="file_key_123456", token="t_123456"))
    assert jwt.kind == "jwt" and jwt.secret_key == "file_key_123456"


def test_nothing_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(CredentialError, match=r"no credentials for profile 'x'.*INBOX_TUI_TOKEN"):
        resolve("x", Profile())


def test_auth_objects_never_show_the_secret() -> None:
    creds = resolve("a", Profile(token="file_token_abcdef"))
    auth = auth_for(creds)
    assert "file_token_abcdef" not in repr(auth) + str(auth)
