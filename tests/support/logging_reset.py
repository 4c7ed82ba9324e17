"""Undo what a test did to the logging configuration."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

# Loggers whose handlers/levels inbox_tui changes (``logging_setup.setup_logging``).
LOGGERS = (
    "",
    "inbox_tui",
    "httpx",
    "httpcore",
    "asyncio",
    "uvicorn",  # the demo-server command run in-process configures uvicorn's loggers
    "uvicorn.error",
    "uvicorn.access",
    "py.warnings",
)


def _pytest_owned(handler: logging.Handler) -> bool:
    """pytest's capture handlers come and go per test phase; they are pytest's to manage."""
    return type(handler).__module__ == "_pytest.logging"


@contextmanager
def restored_logging() -> Iterator[None]:
    """On exit, handlers added to :data:`LOGGERS` are removed and closed, removed ones put
    back, and levels, ``propagate``, handler filters (the redacting filter) and the
    ``captureWarnings`` hook restored."""
    loggers = [logging.getLogger(name) for name in LOGGERS]
    saved = [(lg, list(lg.handlers), lg.level, lg.propagate) for lg in loggers]
    handler_filters = {h: list(h.filters) for _, hs, _, _ in saved for h in hs}
    showwarning = warnings.showwarning
    try:
        yield
    finally:
        for lg, handlers, level, propagate in saved:
            for handler in list(lg.handlers):
                if handler not in handlers and not _pytest_owned(handler):
                    lg.removeHandler(handler)
                    handler.close()
            for handler in handlers:
                if handler not in lg.handlers and not _pytest_owned(handler):
                    lg.addHandler(handler)
            lg.setLevel(level)
            lg.propagate = propagate
        for handler, filters in handler_filters.items():
            handler.filters[:] = filters
        logging.captureWarnings(False)
        warnings.showwarning = showwarning
