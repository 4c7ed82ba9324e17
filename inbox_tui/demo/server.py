"""Run the demo API server on loopback: in a background thread (tests, ``--demo``) or in
the foreground for curl (``inbox-tui demo-server``)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import random
import socket
import sys
import threading
import time
from typing import Any, Self, TextIO

from inbox_tui.demo import content
from inbox_tui.demo.app import DemoApp
from inbox_tui.demo.auth import DemoCredentials, make_jwt
from inbox_tui.demo.context import DemoContext
from inbox_tui.demo.dataset import Dataset, DemoMessage, build_dataset
from inbox_tui.demo.endpoint import DemoEndpoint
from inbox_tui.demo.faults import FaultConfig, Stats
from inbox_tui.demo.listen import listen

START_TIMEOUT = 10.0


class _QuietDrop(logging.Filter):
    """The ``drop`` fault aborts responses on purpose; don't log that as an error."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != "ASGI callable returned without completing response."


_quiet_drop = _QuietDrop()


LIVE_SECONDS = 20.0  # `inbox-tui --demo`: a customer writes in about this often


class DemoServer(DemoEndpoint):
    """The fake heymarket + workspace APIs over a deterministic dataset, on loopback."""

    def __init__(
        self,
        *,
        dataset: Dataset | None = None,
        seed: int = 7,
        faults: FaultConfig | None = None,
        latency: float = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
        workspace_end_date_inclusive: bool = False,
        live_interval: float = 0.0,
        sock: socket.socket | None = None,
    ) -> None:
        """``sock``: an already bound and listening socket to serve on (``host`` and
        ``port`` then describe it); the server closes it when it stops."""
        self._dataset = dataset
        self.seed = seed
        self.host = host
        self.port = port
        self.credentials = DemoCredentials()
        self._initial_faults = faults
        self._latency = latency
        self._end_inclusive = workspace_end_date_inclusive
        self._app: DemoApp | None = None
        self._server: object | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._live_interval = live_interval
        self._sock = sock
        if sock is not None:
            self.host, self.port = sock.getsockname()[:2]

    # ----- address and credentials: see DemoEndpoint --------------------------------------
    def _serving(self) -> bool:
        return self._app is not None

    def heymarket_jwt(self, iat: int | None = None) -> str:
        """A valid JWT for the demo credentials (for tests and curl examples)."""
        return make_jwt(self.heymarket_secret_id, self.heymarket_secret_key, iat)

    # ----- data, faults, stats -----------------------------------------------------------
    @property
    def dataset(self) -> Dataset:
        if self._dataset is None:
            self._dataset = build_dataset(self.seed)
        return self._dataset

    @property
    def stats(self) -> Stats:
        return self._running_app().stats

    @property
    def writes(self) -> list[tuple[str, Any]]:
        """Every write request body the heymarket API received: ``(path, body)``."""
        return list(self._running_app().context.writes)

    def reset_stats(self) -> None:
        self._running_app().stats.reset()

    def set_faults(self, config: FaultConfig) -> None:
        """Replace the fault config (and restart its schedule) while running."""
        self._initial_faults = config
        if self._app is not None:
            self._app.set_faults(config)

    @property
    def faults(self) -> FaultConfig:
        return self._app.injector.config if self._app else (self._initial_faults or FaultConfig())

    def add_message(self, inbox_id: int, contact: str, text: str, **fields: Any) -> DemoMessage:
        """A new message arrives (see :meth:`Dataset.add_message` for ``fields``). While the
        server runs, the change is applied on its loop, between requests."""
        loop = self._loop
        if loop is None or not loop.is_running():
            return self.dataset.add_message(inbox_id, contact, text, **fields)
        future: concurrent.futures.Future[DemoMessage] = concurrent.futures.Future()

        def apply() -> None:
            try:
                future.set_result(self.dataset.add_message(inbox_id, contact, text, **fields))
            except BaseException as exc:
                future.set_exception(exc)

        loop.call_soon_threadsafe(apply)
        return future.result(timeout=5)

    async def _live(self, interval: float) -> None:
        """Live mode: a customer writes in every ``interval`` seconds, and now and then a
        team member answers (deterministic given the seed)."""
        rng = random.Random(self.seed)
        ds = self.dataset
        while True:
            await asyncio.sleep(interval * rng.uniform(0.5, 1.5))
            conv = rng.choice(ds.conversations[:30])
            # Ids from the wall clock: the same seed replays the same texts on every run,
            # and a cache kept from the last run must not take them for messages it has.
            min_id = int(time.time() * 1000)
            if rng.random() < 0.7:
                text = rng.choice(content.INBOUND[conv.inbox_id])
                ds.add_message(conv.inbox_id, conv.contact, text, min_id=min_id)
            else:
                text = rng.choice(content.OUTBOUND[conv.inbox_id]).format(
                    first=(conv.name or "there").split()[0], n=rng.randrange(100, 9999)
                )
                ds.add_message(
                    conv.inbox_id, conv.contact, text, direction="outbound", min_id=min_id
                )

    def _running_app(self) -> DemoApp:
        if self._app is None:
            raise RuntimeError("the demo server is not running")
        return self._app

    # ----- lifecycle ---------------------------------------------------------------------
    def start(self) -> Self:
        """Bind, serve in a background thread, and return once connections are accepted."""
        if self._thread is not None:
            return self
        import uvicorn  # deferred: only a running server needs it

        logging.getLogger("uvicorn.error").addFilter(_quiet_drop)
        context = DemoContext(self.dataset, self.credentials, self._end_inclusive)
        app = DemoApp(context, faults=self._initial_faults, latency=self._latency)
        sock, self._sock = self._sock or listen(self.host, self.port), None
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            app,
            lifespan="off",
            log_level="warning",
            # No dictConfig of uvicorn's own stderr handlers: inside the TUI they would
            # write over the screen. Records propagate to whatever logging the app set up.
            log_config=None,
            access_log=False,
            loop="asyncio",
            http="h11",
            ws="none",
            timeout_graceful_shutdown=1,
        )
        server = uvicorn.Server(config)
        self._app, self._server = app, server
        self._error = None

        async def serve() -> None:
            self._loop = asyncio.get_running_loop()
            live = None
            if self._live_interval > 0:
                live = asyncio.create_task(self._live(self._live_interval))
            try:
                await server.serve(sockets=[sock])
            finally:
                if live is not None:
                    live.cancel()

        def run() -> None:
            try:
                asyncio.run(serve())
            except BaseException as exc:  # reported to start()
                self._error = exc
            finally:
                self._loop = None
                sock.close()

        thread = threading.Thread(target=run, name=f"demo-server:{self.port}", daemon=True)
        self._thread = thread
        thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self._app = self._server = self._thread = None
                reason = self._error or "server did not start in time"
                raise RuntimeError(f"demo server failed to start: {reason}")
            time.sleep(0.002)
        return self

    def stop(self) -> None:
        """Shut down cleanly; safe to call twice."""
        thread, server, app = self._thread, self._server, self._app
        if thread is None or server is None or app is None:
            return
        app.stopping.set()
        server.should_exit = True  # type: ignore[attr-defined]
        thread.join(timeout=5)
        if thread.is_alive():
            server.force_exit = True  # type: ignore[attr-defined]
            thread.join(timeout=5)
        self._thread = self._server = self._app = None


def banner(server: DemoServer) -> str:
    """What ``inbox-tui demo-server`` prints: address, credentials and curl examples."""
    ds = server.dataset
    big = ds.biggest_threads(1)[0] if ds.conversations else None
    url = server.base_url
    lines = [
        f"inbox-tui demo server on {url}",
        f"  dataset: seed {ds.seed}, {len(ds.messages)} messages in "
        f"{len(ds.conversations)} conversations, inboxes "
        + ", ".join(f"{i.id} {i.name}" for i in ds.inboxes),
        "",
        "heymarket style",
        f"  team API key (Bearer): {server.heymarket_token}",
        f"  JWT secret id / key:   {server.heymarket_secret_id} / {server.heymarket_secret_key}",
        "workspace style",
        f"  session token (Bearer): {server.workspace_token}",
        f"  workspace id:           {server.workspace_id}",
        "",
        "try:",
        f'  curl -H "Authorization: Bearer {server.heymarket_token}" {url}/v1/inboxes',
    ]
    if big is not None:
        lines.append(
            f'  curl -H "Authorization: Bearer {server.heymarket_token}" '
            f'"{url}/v1/messages?phoneNumber={big.contact}&inboxID={big.inbox_id}"'
        )
    lines += [
        f'  curl -H "Authorization: Bearer {server.workspace_token}" '
        f'"{url}/api/ui/workspaces/{server.workspace_id}/messages?limit=5&direction=inbound"',
        "",
        "Ctrl-C stops the server.",
    ]
    return "\n".join(lines)


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    *,
    seed: int = 7,
    latency: float = 0.0,
    fault_rate: float = 0.0,
    out: TextIO = sys.stdout,
    stop: threading.Event | None = None,
) -> int:
    """Serve in the foreground until Ctrl-C, SIGTERM or ``stop`` is set; returns 0."""
    import signal

    faults = FaultConfig(rate=fault_rate) if fault_rate else None
    server = DemoServer(seed=seed, faults=faults, latency=latency, host=host, port=port)
    stop = stop or threading.Event()
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        with server:
            print(banner(server), file=out, flush=True)
            try:
                while not stop.wait(0.2):
                    pass
            except KeyboardInterrupt:
                pass
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    print("demo server stopped", file=out, flush=True)
    return 0
