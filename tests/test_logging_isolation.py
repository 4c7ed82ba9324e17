"""Each test starts with the logging configuration the session started with."""

from __future__ import annotations

import logging
import warnings

from support.logging_reset import restored_logging

from inbox_tui.logging_setup import setup_logging


def _ours(handlers: list[logging.Handler]) -> list[logging.Handler]:
    return [h for h in handlers if type(h).__module__ != "_pytest.logging"]


def test_setup_logging_is_undone() -> None:
    root = logging.getLogger()
    before_handlers, before_level = _ours(root.handlers), root.level
    httpx_level, showwarning = logging.getLogger("httpx").level, warnings.showwarning
    with restored_logging():
        path = setup_logging(debug=True)
        added = [h for h in _ours(root.handlers) if h not in before_handlers]
        assert path is not None and added and root.level == logging.DEBUG
    assert _ours(root.handlers) == before_handlers
    assert root.level == before_level
    assert logging.getLogger("httpx").level == httpx_level
    assert warnings.showwarning is showwarning
    file_handler = next(h for h in added if isinstance(h, logging.FileHandler))
    assert file_handler.stream is None  # closed: no descriptor left into the old temp dir


def test_a_removed_handler_is_put_back() -> None:
    root = logging.getLogger()
    sentinel = logging.NullHandler()
    root.addHandler(sentinel)
    try:
        with restored_logging():
            root.removeHandler(sentinel)
        assert sentinel in root.handlers
    finally:
        root.removeHandler(sentinel)
