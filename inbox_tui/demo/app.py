"""The demo server's ASGI application: request ids, latency, faults, stats, routing.

Raw ASGI rather than a framework: the ``drop`` fault needs to abort a response half-way,
and importing nothing heavy keeps ``inbox-tui --demo`` quick to start.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

from inbox_tui.demo import heymarket_api, workspace_api
from inbox_tui.demo.context import DemoContext
from inbox_tui.demo.faults import (
    CONTROL_PREFIX,
    MISSING_STATUSES,
    FaultConfig,
    FaultInjector,
    Stats,
)
from inbox_tui.demo.http import (
    HttpError,
    Request,
    Response,
    error_response,
    json_response,
)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

_log = logging.getLogger(__name__)
MAX_BODY = 1_000_000
_FAR_FUTURE = "2999-01-01T00:00:00Z"  # the newest page, whatever cursor was asked for
_FAULT_STATUS = {"429": 429, "500": 500, "502": 502, "503": 503}
_FAULT_TEXT = {
    "429": ("rate_limited", "too many requests, slow down"),
    "500": ("internal_error", "internal server error (injected by the demo server)"),
    "502": ("bad_gateway", "bad gateway (injected by the demo server)"),
    "503": ("unavailable", "service unavailable (injected by the demo server)"),
}
# A 1x1 PNG, served for every demo media URL.
_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005fe02fea7d6a4"
    "2b0000000049454e44ae426082"
)


class DemoApp:
    """ASGI callable serving both API styles plus ``/_demo/`` control endpoints."""

    def __init__(
        self,
        context: DemoContext,
        *,
        faults: FaultConfig | None = None,
        latency: float = 0.0,
    ) -> None:
        self.context = context
        self.injector = FaultInjector(faults)
        self.latency = latency
        self.stats = Stats()
        self.stopping = threading.Event()

    def set_faults(self, config: FaultConfig) -> None:
        self.injector = FaultInjector(config)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request_id = "req_" + os.urandom(10).hex()
        body = await _read_body(receive)
        request = Request.from_scope(scope, body, request_id)
        path = request.path
        control = path.startswith(CONTROL_PREFIX)
        if not control:
            self.stats.record_request(path)
        if self.latency > 0 and not control:
            await asyncio.sleep(self.latency)
        injector = self.injector
        if injector.config.ignore_cursor and injector.eligible(path):
            request = _without_cursor(request)
        lacks = injector.config.lacks(path)
        fault = None if lacks else injector.decide(path)
        if fault is not None:
            self.stats.record_fault(fault)
        if lacks:
            response = self._missing_response(request)
        elif fault in _FAULT_STATUS:
            response = self._fault_response(fault, request_id)
        elif fault == "lost":  # done on the server, but the client never hears it
            self._route(request)
            response = self._fault_response("502", request_id)
        else:
            if fault == "stall":
                await self._stall(injector.config.stall_seconds)
            response = self._route(request)
        if fault == "truncate":
            cut = max(1, len(response.body) // 2)
            response = Response(200, response.body[:cut], [], response.content_type)
        self.stats.record_status(response.status)
        headers = [
            (b"content-type", response.content_type.encode()),
            (b"content-length", str(len(response.body)).encode()),
            (b"x-request-id", request_id.encode()),
            *((k.encode(), v.encode()) for k, v in response.headers),
        ]
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        if fault == "drip":
            await self._drip(response.body, injector.config.drip_seconds, receive, send)
            return
        if fault == "drop":
            # Headers promise the whole body; send part of it and stop. uvicorn closes the
            # connection, so the client sees an incomplete body (a protocol/read error).
            part = response.body[: max(0, min(len(response.body) - 1, 64))]
            await send({"type": "http.response.body", "body": part, "more_body": True})
            return
        await send({"type": "http.response.body", "body": response.body})

    async def _drip(self, body: bytes, seconds: float, receive: Receive, send: Send) -> None:
        """Send ``body`` one byte every ``seconds``, until done, the client hangs up or the
        server stops."""
        gone = asyncio.ensure_future(receive())  # the next message is http.disconnect
        try:
            for index in range(len(body)):
                last = index == len(body) - 1
                chunk = body[index : index + 1]
                await send({"type": "http.response.body", "body": chunk, "more_body": not last})
                if last:
                    return
                await asyncio.wait({gone}, timeout=seconds)
                if gone.done() or self.stopping.is_set():
                    return
        finally:
            gone.cancel()

    async def _stall(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(min(0.05, max(0.0, deadline - time.monotonic())))

    def _fault_response(self, fault: str, request_id: str) -> Response:
        code, message = _FAULT_TEXT[fault]
        response = error_response(_FAULT_STATUS[fault], code, message, request_id)
        if fault in ("429", "503"):
            config = self.injector.config
            if config.retry_after_http_date:
                value = email.utils.formatdate(time.time() + config.retry_after, usegmt=True)
            elif float(config.retry_after).is_integer():
                value = str(int(config.retry_after))
            else:
                value = f"{config.retry_after:g}"
            response.headers.append(("retry-after", value))
        return response

    def _missing_response(self, request: Request) -> Response:
        """As a server without this endpoint answers (``FaultConfig.missing``)."""
        status = self.injector.config.missing_status
        code, text = MISSING_STATUSES[status]
        message = text.format(path=request.path, method=request.method)
        return error_response(status, code, message, request.request_id)

    def _route(self, request: Request) -> Response:
        try:
            path = request.path
            if path.startswith("/v1/"):
                return heymarket_api.handle(request, self.context)
            if path.startswith(workspace_api.PREFIX):
                return workspace_api.handle(request, self.context)
            if path.startswith(CONTROL_PREFIX):
                return self._control(request)
            if path == "/" and request.method == "GET":
                return json_response(
                    {"service": "inbox-tui demo server", "styles": ["heymarket", "workspace"]}
                )
            raise HttpError(404, "not_found", f"no such endpoint {path}")
        except HttpError as exc:
            return error_response(exc.status, exc.code, exc.message, request.request_id)
        except Exception:  # a demo bug must still answer like a server, with a request id
            _log.exception("demo server failed on %s %s", request.method, request.path)
            return error_response(
                500, "internal_error", "the demo server failed", request.request_id
            )

    def _control(self, request: Request) -> Response:
        path, method = request.path, request.method
        if path == "/_demo/stats" and method == "GET":
            return json_response(self.stats.snapshot())
        if path == "/_demo/stats" and method == "DELETE":
            self.stats.reset()
            return json_response(self.stats.snapshot())
        if path == "/_demo/writes" and method == "GET":
            return json_response([{"path": p, "body": b} for p, b in self.context.writes])
        if path == "/_demo/faults" and method == "GET":
            return json_response(self.injector.config.to_json())
        if path == "/_demo/faults" and method in ("PUT", "POST"):
            try:
                config = FaultConfig.from_json(request.json_body())
            except (TypeError, ValueError) as exc:
                raise HttpError(400, "bad_request", str(exc)) from None
            self.set_faults(config)
            return json_response(config.to_json())
        if path.startswith("/_demo/media/") and method == "GET":
            return Response(200, _PNG, content_type="image/png")
        raise HttpError(404, "not_found", f"no such endpoint {path}")


def _without_cursor(request: Request) -> Request:
    """The request as a server that ignores the paging cursor sees it."""
    query = {k: v for k, v in request.query.items() if k not in ("timestamp", "endDate", "page")}
    body = request.body
    if request.path == "/v1/messages/all" and body.strip():
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if isinstance(data, dict) and "created_at" in data:
            data["created_at"] = _FAR_FUTURE
            body = json.dumps(data).encode()
    return Request(request.method, request.path, query, request.headers, body, request.request_id)


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= MAX_BODY:
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)
