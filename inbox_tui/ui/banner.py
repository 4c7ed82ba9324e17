"""The error banner: one line with the error's user message (request id included) and how
to retry. Never a traceback; the text is literal (error details can echo server data)."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.widgets import Static

from inbox_tui.secrets import redact
from inbox_tui.text import one_line


def error_text(error: BaseException) -> str:
    """A one-line, secret-free description of any exception."""
    user_message = getattr(error, "user_message", None)
    if callable(user_message):
        message = str(user_message())
    elif isinstance(error, TimeoutError):
        message = "Network error: the request timed out"
    else:
        message = f"Unexpected error ({type(error).__name__}): see the log for details"
    return redact(one_line(message, 300))


class ErrorBanner(Static):
    """Hidden until :meth:`show_error`; ``retry`` is kept for the app's retry action."""

    DEFAULT_CSS = """
    ErrorBanner { display: none; height: auto; padding: 0 1; background: $error 30%; }
    ErrorBanner.-visible { display: block; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.retry: Callable[[], object] | None = None
        self.message = ""
        self.source = ""

    def show_error(
        self, error: BaseException, retry: Callable[[], object] | None, source: str = ""
    ) -> None:
        self.message = error_text(error)
        self.retry = retry
        self.source = source
        text = Text("✗ ", style="bold")
        text.append(self.message)
        text.append("  ·  r retry  ·  x dismiss" if retry else "  ·  x dismiss", style="bold")
        self.update(text)
        self.add_class("-visible")

    def dismiss(self) -> None:
        self.retry = None
        self.message = ""
        self.source = ""
        self.remove_class("-visible")

    @property
    def showing(self) -> bool:
        return self.has_class("-visible")
