"""What the thread-run and the process-run demo servers both offer: their address, the
demo credentials and ``with`` support (stdlib only, so the process launcher stays light)."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from inbox_tui.demo.auth import DemoCredentials


class DemoEndpoint:
    """Address and credential attributes of a demo server; subclasses say whether it is
    serving and how to start and stop it."""

    host: str
    port: int
    credentials: DemoCredentials

    def _serving(self) -> bool:
        raise NotImplementedError

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        if not self._serving():
            raise RuntimeError("the demo server is not running")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def heymarket_token(self) -> str:
        return self.credentials.heymarket_token

    @property
    def heymarket_secret_id(self) -> str:
        return self.credentials.heymarket_secret_id

    @property
    def heymarket_secret_key(self) -> str:
        return self.credentials.heymarket_secret_key

    @property
    def workspace_token(self) -> str:
        return self.credentials.workspace_token

    @property
    def workspace_id(self) -> str:
        return self.credentials.workspace_id

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
