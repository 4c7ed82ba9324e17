"""Run the real ``inbox-tui`` (or a bare Textual app) in a pseudo-terminal and watch what
it paints: the shared half of ``bench/ui.py`` and ``bench/memory.py``.

The process is the CLI itself (``inbox_tui.cli.main.main``) in a 120x40 pty with
``TERM=xterm-256color``, so imports, terminal set-up and rendering are the real ones. A
"painted" moment is when a pattern first appears in the bytes it wrote (escape sequences
removed). ``BENCH_GC_FILE`` makes the child record its longest GC pause (ms) in that file.
Also: a demo server in its own process (optionally slow, or with big threads).
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROWS, COLS = 40, 120
ROW = re.compile(r"\+1 \(\d{3}\)")  # a conversation row: a contact's pretty number
_ESCAPES = re.compile(
    r"\x1b\[[0-9;?<>=$]*[A-Za-z~]|\x1b[\]P_][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Z0-9]|\x1b[=>78]"
)

# The child: optional GC pause recording, then the CLI exactly as `inbox-tui` runs it.
CLI = """
import os, sys, time, gc
path = os.environ.get("BENCH_GC_FILE")
if path:
    state = {"start": 0.0, "max": 0.0, "count": 0}
    def on_gc(phase, info):
        if phase == "start":
            state["start"] = time.perf_counter()
            return
        pause = (time.perf_counter() - state["start"]) * 1000
        state["count"] += 1
        if pause > state["max"]:
            state["max"] = pause
            with open(path, "w") as out:
                out.write(f"{pause:.1f} {info.get('generation')}")
    gc.callbacks.append(on_gc)
sys.argv[0] = "inbox-tui"
try:
    from inbox_tui.cli.main import main
except ModuleNotFoundError:  # an older checkout (a baseline): the entry point was cli:main
    from inbox_tui.cli import main
sys.exit(main(sys.argv[1:]))
"""

HELLO = """
from textual.app import App
from textual.widgets import Static

class Hello(App):
    def compose(self):
        yield Static("hello bench +1 (000)")

Hello().run()
"""


# The stack's floor: the bare app plus what any app on the mandated stack (pydantic models,
# an httpx client, an SQLite cache) must do before its first row: import pydantic and
# validate one model, import httpx and await one request over loopback (httpcore, anyio),
# open an SQLite file, the cheapest way (as inbox-tui does it: no TLS context for a plain
# http:// client, httpx's CLI module not imported). None of inbox-tui's code runs. The gap
# from the bare app to this is what the stack costs; from this to inbox-tui, our code.
FLOOR = """
import asyncio, sqlite3, sys, tempfile
from datetime import datetime
from textual.app import App
from textual.widgets import Static
from pydantic import BaseModel
sys.modules["httpx._main"] = None  # httpx's CLI (click, pygments): inbox-tui defers it too
import httpx

class Row(BaseModel):
    id: str
    created_at: datetime

async def first_row():
    auth = {"Authorization": "Bearer " + sys.argv[2]}
    async with httpx.AsyncClient(verify=False, headers=auth) as c:  # http: no TLS context
        answer = await c.get(sys.argv[1] + "/v1/inboxes")
    sqlite3.connect(tempfile.mktemp()).close()
    return Row(id=str(answer.status_code), created_at="2026-01-01T00:00:00Z")

class Floor(App):
    def compose(self):
        yield Static("floor bench")

    async def on_mount(self):
        row = await first_row()
        self.query_one(Static).update(f"{row.id} +1 (000)")

Floor().run()
"""


def visible(data: bytes) -> str:
    return _ESCAPES.sub("\n", data.decode("utf-8", "replace"))


_LIVE: set[subprocess.Popen[bytes]] = set()


@atexit.register
def _kill_live() -> None:
    """A bench stopped midway (Ctrl+C, an error) kills the apps it started: the pty is not
    their controlling terminal, so closing it sends no SIGHUP, and an orphaned Textual app
    reading a closed pty spins a core, slowing every later measurement on the machine."""
    for process in list(_LIVE):
        with contextlib.suppress(OSError):
            process.kill()


# SIGTERM (kill, pkill) ends a bench through SystemExit, so the atexit hook above runs.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


class PtyApp:
    """One process in a pty. ``wait_for`` reads its output until a pattern shows."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path = ROOT) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env={**os.environ, "TERM": "xterm-256color", **env},
            cwd=cwd,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        _LIVE.add(self.process)
        self.master = master
        self.seen = ""  # visible text since the last mark()

    def read(self, timeout: float) -> bytes:
        ready, _, _ = select.select([self.master], [], [], max(0.0, timeout))
        if not ready:
            return b""
        try:
            return os.read(self.master, 1 << 16)
        except OSError:
            return b""

    def mark(self) -> None:
        self.seen = ""

    def wait_for(self, pattern: re.Pattern[str], timeout: float = 60.0) -> float:
        """Seconds from process start to the first output showing ``pattern`` (nan on
        timeout)."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            data = self.read(deadline - time.perf_counter())
            if data:
                self.seen = (self.seen + visible(data))[-20_000:]
                if pattern.search(self.seen):
                    return time.perf_counter() - self.started
            elif self.process.poll() is not None:
                break
        return float("nan")

    def drain(self, quiet: float = 0.05) -> None:
        while self.read(quiet):
            pass

    def key(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def frame_after_key(self, keys: str, timeout: float = 5.0) -> float:
        """ms from writing ``keys`` to the first output byte after them."""
        self.drain(0.0)
        sent = time.perf_counter()
        self.key(keys)
        data = self.read(timeout)
        return (time.perf_counter() - sent) * 1000 if data else float("nan")

    def wait_idle(self, quiet: float = 1.5, timeout: float = 300.0) -> float:
        """Read until the process used no CPU for ``quiet`` seconds; returns when it
        last did work (perf_counter)."""
        last_cpu, last_busy = self.cpu(), time.perf_counter()
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            self.drain(0.1)
            cpu = self.cpu()
            if cpu != last_cpu:
                last_cpu, last_busy = cpu, time.perf_counter()
            elif time.perf_counter() - last_busy > quiet:
                break
        return last_busy

    def cpu(self) -> int:
        with contextlib.suppress(OSError, IndexError):
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return int(fields[11]) + int(fields[12])
        return -1

    def peak_rss_mb(self) -> float:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        """Quit with ``q`` (the cache is closed cleanly); kill if it lingers."""
        with contextlib.suppress(OSError):
            self.key("q")
        deadline = time.perf_counter() + 10
        while self.process.poll() is None and time.perf_counter() < deadline:
            self.drain(0.05)
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        _LIVE.discard(self.process)
        os.close(self.master)


def compile_checkout(root: Path = ROOT) -> None:
    """Byte-compile ``root``'s package once, as ``pip install`` does: with
    ``PYTHONDONTWRITEBYTECODE`` set (as in some shells and CI) a source checkout would
    otherwise compile its ~80 modules on every start (~70 ms measured), in the app and in
    the ``--demo`` server's process, which no installed copy does."""
    import compileall

    compileall.compile_dir(root / "inbox_tui", quiet=1)


def cli(args: list[str], env: dict[str, str], root: Path = ROOT) -> PtyApp:
    """The CLI of the checkout at ``root`` (``python -c`` puts the working directory first
    on ``sys.path``, so another checkout's code runs: a baseline to compare with)."""
    return PtyApp([sys.executable, "-c", CLI, *args], env, cwd=root)


def hello() -> PtyApp:
    return PtyApp([sys.executable, "-c", HELLO], {})


def floor(url: str) -> PtyApp:
    """The stack floor (see ``FLOOR``) against the demo server at ``url``."""
    return PtyApp([sys.executable, "-c", FLOOR, url, TOKEN], {})


def fresh_env(home: str) -> dict[str, str]:
    return {
        "INBOX_TUI_CONFIG": os.path.join(home, "config.toml"),
        "INBOX_TUI_CACHE_DIR": os.path.join(home, "cache"),
        "INBOX_TUI_LOG_DIR": os.path.join(home, "logs"),
    }


SERVER = """
import sys, time
from inbox_tui.demo.dataset import build_dataset
from inbox_tui.demo.server import DemoServer
latency, big = float(sys.argv[1]), tuple(int(n) for n in sys.argv[2].split(",") if n)
dataset = build_dataset(7, big_threads=big) if big else None
if dataset is not None:  # the biggest thread gets the newest message: the top row
    conv = dataset.biggest_threads(1)[0]
    dataset.add_message(conv.inbox_id, conv.contact, "bench: the newest message")
with DemoServer(dataset=dataset, latency=latency) as server:
    print(server.base_url, flush=True)
    while sys.stdin.read(1):
        pass
"""


@contextlib.contextmanager
def demo_server(
    latency: float = 0.0, big: tuple[int, ...] = (), *, quiet: bool = False
) -> Iterator[str]:
    """A demo server process (``latency`` s per request; ``big`` thread sizes); yields
    its base URL. The token is ``TOKEN``. ``quiet``: its stderr is dropped (a server that
    holds answers logs each request it cancels on the way out)."""
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(latency), ",".join(map(str, big))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL if quiet else None,
        cwd=ROOT,
        text=True,
    )
    try:
        assert process.stdout is not None
        yield process.stdout.readline().strip()
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()


TOKEN = "demo-heymarket-key"


def server_args(url: str) -> list[str]:
    return ["--backend", "heymarket", "--base-url", url]


def server_env(home: str) -> dict[str, str]:
    return {**fresh_env(home), "INBOX_TUI_TOKEN": TOKEN}


@contextlib.contextmanager
def home() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="inbox-tui-bench-") as path:
        yield path
