"""The error banner: the latest error's user message (request id included) and how to
retry. Never a traceback; the text is literal (error details can echo server data).

Errors are kept per source ("list", "thread", "inboxes", ...): a later success from a source
clears its error, and ``r`` retries every failed source at once.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.widgets import Static

from inbox_tui.config import ConfigError
from inbox_tui.errors import AuthError
from inbox_tui.secrets import safe_line

Retry = Callable[[], object]
AUTH_HINT = "check INBOX_TUI_TOKEN or the profile's token; `inbox-tui config check` tests it"


def error_text(error: BaseException) -> str:
    """A one-line, secret-free description of any exception."""
    user_message = getattr(error, "user_message", None)
    if callable(user_message):
        message = str(user_message())
    elif isinstance(error, ConfigError):  # written for the user (e.g. an export refused)
        message = str(error)
    elif isinstance(error, TimeoutError):
        message = "Network error: the request timed out"
    else:
        message = f"Unexpected error ({type(error).__name__}): see the log for details"
    if isinstance(error, AuthError) and error.status == 401:
        message += f" · {AUTH_HINT}"
    return safe_line(message, 300)


class ErrorBanner(Static):
    DEFAULT_CSS = """
    ErrorBanner { display: none; height: auto; padding: 0 1; background: $error 30%; }
    ErrorBanner.-visible { display: block; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._errors: dict[str, tuple[str, Retry | None]] = {}

    @property
    def showing(self) -> bool:
        return bool(self._errors)

    @property
    def message(self) -> str:
        """The message on display (the latest error), or ""."""
        return next(reversed(self._errors.values()))[0] if self._errors else ""

    @property
    def sources(self) -> frozenset[str]:
        return frozenset(self._errors)

    def show_error(self, error: BaseException, retry: Retry | None, source: str = "") -> None:
        self._errors.pop(source, None)  # re-insert: the latest error is shown
        self._errors[source] = (error_text(error), retry)
        self._paint()

    def resolve(self, source: str) -> None:
        """``source`` works again: forget its error."""
        if self._errors.pop(source, None) is not None:
            self._paint()

    def take_retries(self) -> list[Retry]:
        """Every pending retry; the banner is cleared."""
        retries = [retry for _, retry in self._errors.values() if retry is not None]
        self.dismiss()
        return retries

    def dismiss(self) -> None:
        self._errors.clear()
        self._paint()

    def _paint(self) -> None:
        self.set_class(self.showing, "-visible")
        if not self._errors:
            self.update("")
            return
        text = Text("✗ ", style="bold")
        text.append(self.message)
        if len(self._errors) > 1:
            text.append(f"  (+{len(self._errors) - 1} more)", style="italic")
        can_retry = any(retry is not None for _, retry in self._errors.values())
        text.append(
            "  ·  ctrl+r retry  ·  x dismiss" if can_retry else "  ·  x dismiss", style="bold"
        )
        self.update(text)
