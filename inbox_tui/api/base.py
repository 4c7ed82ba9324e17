"""What every HTTP backend holds: the shared :class:`ApiClient`, its settings and a label."""

from __future__ import annotations

import httpx

from inbox_tui.api.http import ApiClient, HttpSettings, HttpStats, RetryEvent, make_client
from inbox_tui.capabilities import Capabilities, RetryListener


class HttpBackend:
    """The client plumbing shared by the vendor backends; subclasses set ``label``."""

    label: str
    # Both vendor APIs can resume a thread walk from a cached position and count messages.
    capabilities = Capabilities(resume=True, count=True)

    def __init__(
        self,
        base_url: str,
        auth: httpx.Auth,
        settings: HttpSettings | None,
        transport: httpx.AsyncBaseTransport | None,
    ) -> None:
        self.base_url = base_url
        self.http = settings or HttpSettings()
        self.client: ApiClient = make_client(base_url, auth, self.http, transport)
        self.host = httpx.URL(base_url).host or base_url

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.label!r})"

    @property
    def stats(self) -> HttpStats:
        return self.client.stats

    def watch_retries(self, listener: RetryListener) -> None:
        def on_retry(event: RetryEvent) -> None:
            listener(event.reason)

        self.client.retry_listeners.append(on_retry)

    async def aclose(self) -> None:
        await self.client.aclose()
