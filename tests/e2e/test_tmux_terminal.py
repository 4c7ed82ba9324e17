"""The real console script in a real terminal: ``inbox-tui --demo`` in an 80×24 tmux pane,
once with ``TERM=xterm-256color`` and once with ``TERM=linux`` + ``NO_COLOR=1``. Keys move
through the list, open a thread and scroll it back to its first message; ``q`` quits, the
process exits 0, and neither the pane nor the log shows a traceback.

Skipped when tmux is absent (``.ci/run`` installs it).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.timeout(300),  # a real terminal session, waits of up to 120 s inside
    pytest.mark.tmux,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

BEGINNING = "beginning of conversation"


def console_script() -> list[str]:
    script = Path(sys.executable).parent / "inbox-tui"
    return [str(script)] if script.exists() else [sys.executable, "-m", "inbox_tui"]


class Pane:
    """One tmux server (its own socket) with one 80×24 window running ``command``."""

    def __init__(self, command: str, env: dict[str, str]) -> None:
        self.no_color = "NO_COLOR" in env
        self.socket = f"inbox-tui-test-{uuid.uuid4().hex[:8]}"
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        # After the app exits the shell prints its status and waits, so the pane can still
        # be read.
        shell = f"env {exports} {command}; echo EXITED=$?; sleep 120"
        self.tmux("new-session", "-d", "-s", "t", "-x", "80", "-y", "24", shell)
        self.tmux("set-option", "-t", "t", "status", "off")

    def tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            timeout=20,
        )
        assert result.returncode == 0, (args, result.stderr)
        return result.stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "t")

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.tmux("send-keys", "-t", "t", key)
            time.sleep(0.05)

    def wait(self, condition: Callable[[str], bool], what: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if condition(screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; the pane shows:\n{screen}")

    def size(self) -> tuple[int, int]:
        width, height = self.tmux(
            "display-message", "-p", "-t", "t", "#{pane_width} #{pane_height}"
        ).split()
        return int(width), int(height)

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=20)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    root = tmp_path / "tmux-home"
    root.mkdir()
    return root


def app_env(home: Path, term: str, no_color: bool) -> dict[str, str]:
    env = {
        "TERM": term,
        "INBOX_TUI_CONFIG": str(home / "config.toml"),
        "INBOX_TUI_CACHE_DIR": str(home / "cache"),
        "INBOX_TUI_LOG_DIR": str(home / "logs"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
    }
    if no_color:
        env["NO_COLOR"] = "1"
    return env


@pytest.fixture(
    params=[("xterm-256color", False), ("linux", True)], ids=["xterm-256color", "linux-no-color"]
)
def pane(request: pytest.FixtureRequest, home: Path) -> Iterator[Pane]:
    term, no_color = request.param
    command = " ".join(shlex.quote(part) for part in console_script()) + " --demo"
    pane = Pane(command, app_env(home, term, no_color))
    try:
        yield pane
    finally:
        pane.close()


# SGR parameters that carry a hue (16-colour red..cyan, 256-colour and true colour).
HUES = {str(n) for n in (*range(31, 37), *range(41, 47), *range(91, 97), *range(101, 107))}
HUES.add("hue")


def sgr_codes(screen: str) -> set[str]:
    """Every SGR parameter in a ``capture-pane -e`` dump, 38;5;N / 48;2;R;G;B kept whole."""
    codes: set[str] = set()
    for params in re.findall(r"\x1b\[([0-9;]*)m", screen):
        parts = params.split(";")
        while parts:
            head = parts.pop(0)
            if head in ("38", "48") and parts:
                size = 2 if parts[0] == "5" else 4
                codes.add(";".join([head, *parts[:size]]))
                if parts[0] in ("5", "2"):
                    codes.add("hue")
                del parts[:size]
            else:
                codes.add(head)
    return codes


def listed(screen: str) -> int:
    """The "N conversations listed" count of the status line (0 before it shows)."""
    match = re.search(r"([\d,]+) conversations? listed", screen)
    return int(match.group(1).replace(",", "")) if match else 0


def test_demo_in_tmux_navigate_scroll_back_and_quit(pane: Pane, home: Path) -> None:
    assert pane.size() == (80, 24)
    first = pane.wait(lambda s: listed(s) >= 10, "the list")
    assert "Traceback" not in first
    colours = sgr_codes(pane.tmux("capture-pane", "-p", "-e", "-t", "t"))
    if pane.no_color:  # greys, bold and reverse only: no hue anywhere
        assert not colours & HUES, sorted(colours & HUES)
    else:
        assert any(code.startswith(("38;", "48;")) for code in colours), colours
    lines = first.splitlines()
    assert len(lines) <= 24 and all(len(line) <= 80 for line in lines)

    # The third conversation: the demo's first two are its 5,000- and 2,000-message threads.
    third = lines[5].split(" · ")[0].strip(" ●⚑✗")  # rows are two lines tall at 80 columns
    for _attempt in range(3):
        # A list refresh that lands between keys may reset the cursor: check what opened.
        pane.keys("g", "j", "j", "j", "k")
        time.sleep(0.2)
        pane.keys("Enter")
        opened = pane.wait(
            lambda s: "›" in s.splitlines()[0] and "detail" in s.splitlines()[-1],
            "a thread to open",
        )
        if f"› {third}" in opened.splitlines()[0]:
            break
        pane.keys("h")
        pane.wait(lambda s: "Open" in s.splitlines()[-1], "the list again")
    else:
        raise AssertionError(f"j/k/enter never opened {third}:\n{opened}")

    # Scroll back to the first message: g jumps to the top and older pages load above. Each
    # press waits for its effect (the pane changes) and then for the load it started, however
    # long a loaded machine takes (a fixed 1 s wait made slow loads count as extra presses).
    deadline = time.monotonic() + 120
    presses = 0
    screen = pane.wait(lambda s: "loading older" not in s, "the first page")
    while BEGINNING not in screen:
        assert time.monotonic() < deadline, f"never reached the beginning:\n{screen}"
        before = screen
        pane.keys("g")
        presses += 1
        pane.wait(lambda s, before=before: s != before, "g to move the view or start a load")
        screen = pane.wait(lambda s: "loading older" not in s, "older messages", timeout=60)
    assert presses <= 20, presses
    assert "Traceback" not in screen

    pane.keys("k", "C-u", "j", "G", "h")  # more keys, then back to the list
    back = pane.wait(lambda s: third in s and "Open" in s.splitlines()[-1], "the list again")
    assert "Traceback" not in back

    pane.keys("q")
    done = pane.wait(lambda s: "EXITED=" in s, "the process to exit", timeout=20)
    assert "EXITED=0" in done, done
    assert "Traceback" not in done and "Error" not in done.split("EXITED=")[0][-400:]
    logs = "".join(p.read_text() for p in (home / "logs").glob("*.log*"))
    assert "Traceback" not in logs
