"""Notifications that reach you over SSH: the terminal bell, an OSC 9 / OSC 777 desktop
notification written to the terminal, and the profile's ``notify_command``.

The command runs through ``sh`` with what happened in environment variables only
(``INBOX_TUI_CONTACT``, ``INBOX_TUI_INBOX``, ``INBOX_TUI_TEXT``, ``INBOX_TUI_COUNT``), never
on its command line, so message text can't become shell syntax. It runs in the background
with a timeout and its output discarded. Everything is rate-limited: at most one delivery
per ``min_interval`` seconds; what arrives meanwhile is coalesced into the next one.
Nothing here can raise into the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from inbox_tui.text import one_line

log = logging.getLogger(__name__)

MIN_INTERVAL = 10.0  # seconds between two deliveries
COMMAND_TIMEOUT = 10.0  # a notify_command running longer is killed
TEXT_LIMIT = 200  # characters of message text handed on
ENV_PREFIX = "INBOX_TUI_"

# Anything that could end or alter an OSC string: C0/C1 controls (ESC, BEL, ST = ESC \\,
# 0x9c), DEL. ``;`` separates OSC 777 fields, so it is replaced in what goes there.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Notice:
    """New inbound messages: the newest one's contact, inbox and text, and how many."""

    contact: str
    inbox: str
    text: str
    count: int = 1

    @property
    def title(self) -> str:
        return (
            f"New message from {self.contact}"
            if self.count == 1
            else (f"{self.count} new messages")
        )

    @property
    def summary(self) -> str:
        """The body under :attr:`title` (which names the contact of a single message)."""
        if self.count == 1:
            return self.text
        return f"latest from {self.contact}: {self.text}"


def coalesce(notices: list[Notice]) -> Notice:
    """One notice for several: the newest one's details, the total count."""
    last = notices[-1]
    return Notice(last.contact, last.inbox, last.text, sum(n.count for n in notices))


def osc_safe(text: str, limit: int = TEXT_LIMIT) -> str:
    """``text`` with nothing that could break out of an OSC string, on one line."""
    return _CONTROLS.sub(" ", one_line(text, limit))


def osc_sequences(title: str, body: str, *, tmux: bool = False) -> str:
    """OSC 9 (iTerm2, WezTerm, kitty, foot, Windows Terminal) and OSC 777 (rxvt, VTE/GNOME
    Terminal, Ghostty) desktop notifications; a terminal ignores the one it doesn't know.
    Inside tmux each is wrapped for passthrough (needs ``set -g allow-passthrough on``)."""
    title, body = osc_safe(title, 80), osc_safe(body)
    # OSC 9 ; 4 ; ... is a progress bar in some terminals: never start with a digit.
    osc9 = f"\x1b]9;inbox-tui: {title}: {body}\x07"
    osc777 = f"\x1b]777;notify;{title.replace(';', ',')};{body.replace(';', ',')}\x07"
    if not tmux:
        return osc9 + osc777
    return "".join(f"\x1bPtmux;{seq.replace(chr(27), chr(27) * 2)}\x1b\\" for seq in (osc9, osc777))


def command_env(notice: Notice, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of ``notify_command``: the caller's plus the notice (sanitised: an
    environment can't hold NUL, and a script should not get terminal escapes)."""
    env = dict(os.environ if base is None else base)
    env[ENV_PREFIX + "CONTACT"] = osc_safe(notice.contact, 80)
    env[ENV_PREFIX + "INBOX"] = osc_safe(notice.inbox, 80)
    env[ENV_PREFIX + "TEXT"] = osc_safe(notice.text)
    env[ENV_PREFIX + "COUNT"] = str(notice.count)
    return env


async def run_command(
    command: str, env: dict[str, str], timeout: float = COMMAND_TIMEOUT
) -> int | None:
    """Run ``command`` through ``sh``, output discarded; its exit status, or None when it
    could not start or was killed after ``timeout``."""
    try:
        process = await asyncio.create_subprocess_shell(
            command,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,  # a terminal's ^C is not for it
        )
    except (OSError, ValueError) as error:
        log.warning("notify_command could not start: %s", type(error).__name__)
        return None
    try:
        return await asyncio.wait_for(process.wait(), timeout)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        log.warning("notify_command killed after %.0f s", timeout)
        return None


class Notifier:
    """Delivers notices through the configured channels, at most once per
    ``min_interval`` (``clock`` is monotonic seconds; tests pass their own)."""

    def __init__(
        self,
        *,
        bell: bool = False,
        osc: bool = False,
        command: str | None = None,
        ring: Callable[[], None] = lambda: None,
        write: Callable[[str], None] = lambda _: None,
        clock: Callable[[], float] = time.monotonic,
        min_interval: float = MIN_INTERVAL,
        tmux: bool | None = None,
        timeout: float = COMMAND_TIMEOUT,
    ) -> None:
        self.bell, self.osc, self.command = bell, osc, command
        self._ring, self._write, self._clock = ring, write, clock
        self.min_interval = min_interval
        self.tmux = bool(os.environ.get("TMUX")) if tmux is None else tmux
        self.timeout = timeout
        self._last: float | None = None
        self._pending: list[Notice] = []
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[int | None]] = set()
        self.delivered: list[Notice] = []  # what went out (tests; a short history)

    @property
    def enabled(self) -> bool:
        return self.bell or self.osc or bool(self.command)

    @property
    def pending(self) -> list[Notice]:
        return list(self._pending)

    def submit(self, notice: Notice) -> bool:
        """Deliver now, or hold it for the next allowed moment; True when delivered."""
        if not self.enabled:
            return False
        self._pending.append(notice)
        return self.flush()

    def flush(self) -> bool:
        """Deliver what is held if the interval has passed, else schedule that."""
        if not self._pending:
            return False
        now = self._clock()
        wait = 0.0 if self._last is None else self._last + self.min_interval - now
        if wait > 0:
            self._schedule(wait)
            return False
        notice, self._pending = coalesce(self._pending), []
        self._last = now
        self._deliver(notice)
        return True

    def _schedule(self, delay: float) -> None:
        if self._timer is not None:
            return
        with contextlib.suppress(RuntimeError):  # no running loop: the next submit flushes
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(delay, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self.flush()

    def _deliver(self, notice: Notice) -> None:
        self.delivered = [*self.delivered[-19:], notice]
        if self.bell:
            self._safely(self._ring)
        if self.osc:
            self._safely(
                lambda: self._write(osc_sequences(notice.title, notice.summary, tmux=self.tmux))
            )
        if self.command:
            self._spawn(self.command, command_env(notice))

    def _spawn(self, command: str, env: dict[str, str]) -> None:
        try:
            task = asyncio.get_running_loop().create_task(run_command(command, env, self.timeout))
        except RuntimeError:
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    def _safely(action: Callable[[], object]) -> None:
        try:
            action()
        except Exception as error:  # a notification is never worth a crash
            log.warning("notification failed: %s", type(error).__name__)

    async def aclose(self) -> None:
        """Cancel a scheduled delivery and wait (briefly) for commands still running."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=1.0)
