"""A loopback TCP proxy that holds every request until the test releases it: for "paints
before any answer" tests. Runs on the test's event loop (the app's, under ``run_test``)."""

from __future__ import annotations

import asyncio
import contextlib


class HoldingProxy:
    """Accepts connections at :attr:`base_url`; nothing reaches ``upstream`` (host, port)
    until :meth:`release`. :attr:`requests` counts connections that sent bytes. While
    :attr:`refusing`, every connection is closed at once (a server that is down)."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.released = asyncio.Event()
        self.requests = 0
        self.answered = 0
        self.refusing = False
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> HoldingProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task

    @property
    def base_url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def release(self) -> None:
        self.released.set()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            if self.refusing:
                return
            first = await reader.read(65536)
            if not first:
                return
            self.requests += 1
            await self.released.wait()
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
            up_writer.write(first)
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            self.answered += 1
            writer.write(data)
            await writer.drain()
        writer.close()
