"""Where a profile's secret comes from. Never argv, never written to disk.

Order (the first that yields something wins):

1. environment: ``INBOX_TUI_SECRET_ID`` + ``INBOX_TUI_SECRET_KEY`` (heymarket JWT), then
   ``INBOX_TUI_TOKEN`` (heymarket API key or workspace session token);
2. the profile's ``secret_command`` (heymarket JWT), then ``token_command``, run through
   the shell: the first line of stdout is the value;
3. plain values in the config file: ``secret_id`` + ``secret_key``, then ``token``.

A ``secret_command`` prints ``ID KEY`` or ``ID||KEY`` on its first line, or just ``KEY``
when the profile sets ``secret_id``. The command's stderr goes to the terminal (so
``pass``/``gpg`` can explain themselves); its stdout never appears in any message.
Every secret obtained is registered with :func:`inbox_tui.secrets.register`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from inbox_tui import secrets
from inbox_tui.config import ConfigError, Profile

if TYPE_CHECKING:
    pass

ENV_TOKEN = "INBOX_TUI_TOKEN"
ENV_SECRET_ID = "INBOX_TUI_SECRET_ID"
ENV_SECRET_KEY = "INBOX_TUI_SECRET_KEY"
# A command's stdout is read up to this much (a runaway `yes` must not fill memory).
MAX_COMMAND_OUTPUT = 8 * 1024
# No real token or key is longer; anything longer is some other output.
MAX_SECRET_LENGTH = 4096


class CredentialError(ConfigError):
    """No usable secret (exit status 2). The message never contains the secret."""


@dataclass(frozen=True)
class Credentials:
    """A bearer token, or a heymarket JWT secret pair; ``source`` says where it came from."""

    kind: Literal["token", "jwt"]
    source: str
    token: str | None = field(default=None, repr=False)
    secret_id: str | None = None
    secret_key: str | None = field(default=None, repr=False)

    def describe(self) -> str:
        what = "JWT secret" if self.kind == "jwt" else "token"
        return f"{what} from {self.source}"


def resolve(name: str, profile: Profile, env: Mapping[str, str] | None = None) -> Credentials:
    """The credentials for profile ``name`` (see the module docstring for the order)."""
    env = os.environ if env is None else env
    creds = _from_env(profile, env) or _from_commands(name, profile) or _from_file(profile)
    if creds is None:
        if profile.backend == "heymarket":
            how = (
                f"set {ENV_TOKEN} (API key) or {ENV_SECRET_ID} + {ENV_SECRET_KEY} (JWT), or "
                "add token_command / secret_command to the profile"
            )
        else:
            how = f"set {ENV_TOKEN}, or add token_command to the profile"
        raise CredentialError(f"no credentials for profile '{name}': {how}")
    for value in (creds.token, creds.secret_id, creds.secret_key):
        if value is not None:
            check_secret(value, f"the {creds.describe()} for profile '{name}'")
    for value in (creds.token, creds.secret_key, _joined(creds)):
        secrets.register(value)
    return creds


def planned_source(profile: Profile, env: Mapping[str, str] | None = None) -> str:
    """Where :func:`resolve` would take the secret from, without running any command."""
    env = os.environ if env is None else env
    if profile.backend == "heymarket" and (env.get(ENV_SECRET_ID) or env.get(ENV_SECRET_KEY)):
        return f"{ENV_SECRET_ID} + {ENV_SECRET_KEY} (JWT)"
    if env.get(ENV_TOKEN, "").strip():
        return ENV_TOKEN
    if profile.backend == "heymarket" and profile.secret_command:
        return "secret_command (JWT)"
    if profile.token_command:
        return "token_command"
    if profile.backend == "heymarket" and profile.secret_id and profile.secret_key:
        return "secret_id + secret_key in this file (JWT)"
    if profile.token:
        return "token in this file"
    return "none: set INBOX_TUI_TOKEN or add token_command"


def _joined(creds: Credentials) -> str | None:
    # The JWT signing secret is ID||KEY: hide that string too.
    if creds.secret_id and creds.secret_key:
        return f"{creds.secret_id}||{creds.secret_key}"
    return None


def _from_env(profile: Profile, env: Mapping[str, str]) -> Credentials | None:
    secret_id, secret_key = env.get(ENV_SECRET_ID, "").strip(), env.get(ENV_SECRET_KEY, "").strip()
    if profile.backend == "heymarket" and (secret_id or secret_key):
        if not (secret_id and secret_key):
            missing = ENV_SECRET_KEY if secret_id else ENV_SECRET_ID
            raise CredentialError(f"{missing} is not set (the JWT needs both id and key)")
        return Credentials("jwt", f"{ENV_SECRET_ID}/{ENV_SECRET_KEY}", None, secret_id, secret_key)
    token = env.get(ENV_TOKEN, "").strip()
    if token:
        return Credentials("token", ENV_TOKEN, token=token)
    return None


def _from_commands(name: str, profile: Profile) -> Credentials | None:
    if profile.backend == "heymarket" and profile.secret_command:
        line = run_secret_command(name, "secret_command", profile.secret_command, profile)
        secret_id, secret_key = _split_secret(name, line, profile.secret_id)
        for value in (secret_id, secret_key):
            check_secret(value, f"secret_command of profile '{name}'")
        return Credentials("jwt", "secret_command", None, secret_id, secret_key)
    if profile.token_command:
        token = run_secret_command(name, "token_command", profile.token_command, profile)
        check_secret(token, f"token_command of profile '{name}'")
        return Credentials("token", "token_command", token=token)
    return None


def _from_file(profile: Profile) -> Credentials | None:
    if profile.backend == "heymarket" and profile.secret_id and profile.secret_key:
        return Credentials("jwt", "config file", None, profile.secret_id, profile.secret_key)
    if profile.token:
        return Credentials("token", "config file", token=profile.token)
    return None


def _split_secret(name: str, line: str, configured_id: str | None) -> tuple[str, str]:
    if "||" in line:
        secret_id, _, secret_key = line.partition("||")
        parts = [secret_id.strip(), secret_key.strip()]
    else:
        parts = line.split()
    if len(parts) == 1 and configured_id:
        return configured_id, parts[0]
    if len(parts) == 2 and all(parts):
        return parts[0], parts[1]
    raise CredentialError(
        f"secret_command of profile '{name}' must print 'ID KEY' or 'ID||KEY' on its first "
        "line (or just KEY when the profile sets secret_id)"
    )


def check_secret(value: str, where: str) -> None:
    """A token or key must be printable ASCII without spaces and of sane length (else it
    is some other output, and would break or leak through the HTTP header). The message
    names ``where`` it came from, never the value."""
    if len(value) > MAX_SECRET_LENGTH:
        raise CredentialError(
            f"{where} printed a value of {len(value)} characters (more than "
            f"{MAX_SECRET_LENGTH}); that is not a token"
        )
    if not all("!" <= char <= "~" for char in value):
        raise CredentialError(
            f"{where} printed a value with spaces, control or non-ASCII characters; "
            "a token is one word of printable ASCII"
        )


def _read_bounded(proc: subprocess.Popen[bytes], timeout: float) -> bytes | None:
    """Up to ``MAX_COMMAND_OUTPUT + 1`` bytes of the command's stdout, read until it closes
    it or that much arrived; None if neither happened within ``timeout``."""
    assert proc.stdout is not None
    stdout = proc.stdout
    result: list[bytes] = []

    def read() -> None:
        with contextlib.suppress(OSError, ValueError):
            result.append(stdout.read(MAX_COMMAND_OUTPUT + 1))

    reader = threading.Thread(target=read, name="secret-command-stdout", daemon=True)
    reader.start()
    reader.join(timeout)
    if reader.is_alive():
        return None
    return result[0] if result else b""


def run_secret_command(name: str, key: str, command: str, profile: Profile) -> str:
    """Run ``command`` through the shell; its first stdout line, stripped. Raises
    :class:`CredentialError` on failure, timeout, empty or runaway output (more than
    ``MAX_COMMAND_OUTPUT`` bytes), never quoting the output."""
    stdin = None if _stdin_is_tty() else subprocess.DEVNULL
    proc: subprocess.Popen[bytes] | None = None
    try:
        with _sigint_deferred() as interrupted:
            proc = subprocess.Popen(
                command,
                shell=True,
                stdin=stdin,
                stdout=subprocess.PIPE,
                start_new_session=os.name == "posix",  # so a timeout kills the whole pipeline
            )
        if interrupted:
            raise KeyboardInterrupt
        started = time.monotonic()
        out = _read_bounded(proc, profile.command_timeout)
        if out is None:
            raise subprocess.TimeoutExpired(command, profile.command_timeout)
        if len(out) > MAX_COMMAND_OUTPUT:
            _kill(proc)
            raise CredentialError(
                f"{key} of profile '{name}' printed more than {MAX_COMMAND_OUTPUT // 1024} KiB; "
                "it should print just the secret on its first line"
            )
        proc.wait(timeout=max(0.0, profile.command_timeout - (time.monotonic() - started)))
    except OSError as exc:
        if proc is not None:
            raise
        raise CredentialError(
            f"{key} of profile '{name}' could not start: {exc.strerror}"
        ) from None
    except subprocess.TimeoutExpired:
        assert proc is not None
        _kill(proc)
        raise CredentialError(
            f"{key} of profile '{name}' did not finish within {profile.command_timeout:g} s; "
            "run it yourself to check it, or raise command_timeout in the profile"
        ) from None
    except KeyboardInterrupt:
        if proc is not None:
            _kill(proc)
        raise
    if proc.returncode != 0:
        raise CredentialError(
            f"{key} of profile '{name}' failed (exit status {proc.returncode}); "
            "run it yourself to see why"
        )
    text = out.decode("utf-8", errors="replace")
    first = text.splitlines()[0].strip() if text.strip() else ""
    if not first:
        raise CredentialError(f"{key} of profile '{name}' printed nothing on its first line")
    secrets.register(first)
    return first


@contextlib.contextmanager
def _sigint_deferred() -> Iterator[list[int]]:
    """Hold back ctrl-c until the started command is assigned. A KeyboardInterrupt raised
    inside ``Popen()`` (after the fork, before it returns) would lose the child, which runs
    in its own session: it would outlive us, holding the terminal's output. The yielded list
    is non-empty if ctrl-c came meanwhile (the caller then kills the child and re-raises)."""
    caught: list[int] = []
    main = threading.current_thread() is threading.main_thread()
    if not main or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield caught
        return
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: caught.append(signum))
    try:
        yield caught
    finally:
        signal.signal(signal.SIGINT, previous)


def _stdin_is_tty() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, OSError):
        return False


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.communicate(timeout=5)
