"""The demo server in a child process, for ``inbox-tui --demo``.

Why a process and not :class:`~inbox_tui.demo.server.DemoServer`'s thread: the server's
imports (uvicorn, the demo modules), its dataset and the work of answering every request
would otherwise share one interpreter lock with Textual. In a child they run on another
core while the app imports and starts, so the first screen of conversations comes sooner.

The parent binds the listening socket itself and hands it to the child, so the URL is
known at once and a request sent before the child is serving waits in the kernel's
backlog instead of failing. The parent keeps no copy of the socket: if the child dies,
requests fail with "connection refused" rather than hang. The child serves until its
stdin reaches EOF, which happens when the parent stops it or exits in any way (a crash
or SIGKILL included), so it never outlives the app. This module imports only the stdlib.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from typing import Self

from inbox_tui.demo.endpoint import DemoEndpoint
from inbox_tui.demo.listen import listen

STOP_TIMEOUT = 5.0


def supported() -> bool:
    """Passing a socket to a child needs POSIX, and a Python interpreter to run it with."""
    return os.name == "posix" and not getattr(sys, "frozen", False) and bool(sys.executable)


class DemoServerProcess(DemoEndpoint):
    """The default demo server (seed 7, default credentials) served by a child process.
    Same address and credential attributes as :class:`DemoServer`."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        from inbox_tui.demo.auth import DemoCredentials  # stdlib only

        self.host = host
        self.port = port
        self.credentials = DemoCredentials()
        self._process: subprocess.Popen[bytes] | None = None

    def _serving(self) -> bool:
        return self._process is not None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> Self:
        """Bind, spawn the child and return at once (it starts serving within ~0.2 s)."""
        if self._process is not None:
            return self
        sock = listen(self.host, self.port)
        try:
            self.port = sock.getsockname()[1]
            fd = sock.fileno()
            self._process = subprocess.Popen(
                [sys.executable, "-m", __name__, str(fd)],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,  # never write over the TUI
                pass_fds=(fd,),
                start_new_session=True,  # the terminal's ^C/^Z are the app's to handle
                close_fds=True,
            )
        finally:
            sock.close()  # the child holds the only copy now
        return self

    def stop(self) -> None:
        """Close the child's stdin (it stops serving and exits); kill it if it lingers.
        Safe to call twice."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _child(fd: int) -> int:
    """Serve on the inherited listening socket ``fd`` until stdin reaches EOF."""
    import socket

    from inbox_tui.demo.server import LIVE_SECONDS, DemoServer

    sock = socket.socket(fileno=fd)
    with DemoServer(sock=sock, live_interval=LIVE_SECONDS):
        while sys.stdin.buffer.read(4096):
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(_child(int(sys.argv[1])))
