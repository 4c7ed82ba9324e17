"""Typed API errors. Each carries what support asks for (status, ``X-Request-Id``) and a
message written for the person at the terminal. None of them ever holds a secret."""

from __future__ import annotations

from inbox_tui.secrets import redact_untrusted


class ApiError(Exception):
    """Base of every error the API layer raises."""

    title = "API error"

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        url: str | None = None,
    ) -> None:
        self.detail = detail
        self.status = status
        self.request_id = request_id
        self.url = url
        super().__init__(self.user_message())

    def user_message(self) -> str:
        """One line for a banner, a log or stderr."""
        parts = [self.title]
        if self.status is not None:
            parts[0] += f" (HTTP {self.status})"
        parts.append(self.detail)
        if self.request_id:
            parts.append(f"request id {self.request_id}")
        text = ": ".join(parts[:2]) + (f" [{parts[2]}]" if len(parts) > 2 else "")
        return redact_untrusted(text)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.user_message()!r})"


class AuthError(ApiError):
    """401/403: the credentials were refused or cannot see this resource."""

    title = "Authentication refused"


class NotFound(ApiError):
    title = "Not found"


class RateLimited(ApiError):
    """429 that outlived the retry budget."""

    title = "Rate limited"

    def __init__(self, detail: str, *, retry_after: float | None = None, **kw: object) -> None:
        self.retry_after = retry_after
        super().__init__(detail, **kw)  # type: ignore[arg-type]


class ServerError(ApiError):
    """5xx that outlived the retry budget."""

    title = "Server error"


class BadResponse(ApiError):
    """The server answered, but not with what the contract promises (bad JSON, wrong shape)."""

    title = "Bad response from server"


class NetworkError(ApiError):
    """Connect/read timeouts, refused or dropped connections."""

    title = "Network error"


class PagingError(BadResponse):
    """The server's pages cannot be walked safely: it ignores the paging cursor (the same
    messages again and again) or its dates contradict its own paging. The walk stops with
    this instead of looping for ever or skipping messages silently."""

    title = "Paging stopped"


class WriteRefused(ApiError):
    """A write that inbox-tui will not send: writes are off (read-only profile, an API
    without documented writes, no member id) or the contact opted out. Nothing was sent."""

    title = "Not sent"
