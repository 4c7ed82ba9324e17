"""Logging goes to a rotating file under :func:`inbox_tui.paths.log_dir`, never to the
terminal (the TUI owns it), with every secret redacted."""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path

from inbox_tui import paths, secrets

LOG_NAME = "inbox-tui.log"
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_file() -> Path:
    return paths.log_dir() / LOG_NAME


def setup_logging(*, debug: bool = False) -> Path | None:
    """Route the root logger to the log file only (INFO, or DEBUG with ``debug``) and
    install redaction. Returns the file, or None when it cannot be opened (logging is
    then discarded rather than spilled onto the terminal)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _OurFileHandler) or _writes_to_terminal(handler):
            root.removeHandler(handler)
            if isinstance(handler, _OurFileHandler):
                handler.close()
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    # Chatty libraries stay at INFO even with --debug: their DEBUG lines repeat headers.
    for name in ("httpx", "httpcore", "asyncio", "uvicorn.access"):
        logging.getLogger(name).setLevel(logging.INFO if debug else logging.WARNING)
    path = log_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handler: logging.Handler = _OurFileHandler(
            path, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
        if os.name == "posix":
            os.chmod(path, 0o600)
    except OSError:
        handler = logging.NullHandler()
        path = None
    handler.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(handler)
    secrets.install_log_redaction()
    logging.captureWarnings(True)
    return path


def _writes_to_terminal(handler: logging.Handler) -> bool:
    stream = getattr(handler, "stream", None)
    return type(handler) is logging.StreamHandler and stream in (
        sys.stderr,
        sys.stdout,
        sys.__stderr__,
        sys.__stdout__,
    )


class _OurFileHandler(logging.handlers.RotatingFileHandler):
    """Marks the handler we installed, so a second setup replaces it cleanly."""
