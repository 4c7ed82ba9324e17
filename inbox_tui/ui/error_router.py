"""Where failures go: the error banner (with a retry), the header's state and the log.

Every session call the app makes runs through :meth:`ErrorRouter.attempt`, the one place
that tells a cancellation (re-raised) from a failure (shown, never a traceback).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from inbox_tui.config import ConfigError
from inbox_tui.core.session import Source
from inbox_tui.ui.widgets.banner import ErrorBanner, error_text
from inbox_tui.ui.widgets.status_bar import AppHeader, Connection

log = logging.getLogger("inbox_tui.ui.app")

T = TypeVar("T")


class Failed:
    """What :meth:`ErrorRouter.attempt` returns for a call that failed (already shown)."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


FAILED = Failed()


class ErrorRouter:
    def __init__(self, banner: ErrorBanner, header: AppHeader, *, offline: bool) -> None:
        self.banner = banner
        self.header = header
        self.offline = offline

    async def attempt(
        self, source: Source, retry: Callable[[], object] | None, call: Awaitable[T]
    ) -> T | Failed:
        """``await call``; a failure is shown and returns :data:`FAILED`."""
        try:
            return await call
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self.show(error, retry, source)
            return Failed(error)

    def show(
        self, error: BaseException, retry: Callable[[], object] | None, source: Source
    ) -> None:
        """Banner + log. A later success from the same ``source`` clears the banner."""
        message = error_text(error)
        if hasattr(error, "user_message"):
            log.warning("%s", message)
        else:
            log.error("unexpected error: %s", message, exc_info=error)
        self.banner.show_error(error, retry, source)
        if not isinstance(error, ConfigError):  # a local problem: the connection is fine
            self.header.set_state(Connection.ERROR, type(error).__name__)

    def resolved(self, source: Source) -> None:
        self.banner.resolve(source)
        if not self.banner.showing:
            self.header.set_state(Connection.OFFLINE if self.offline else Connection.CONNECTED)
