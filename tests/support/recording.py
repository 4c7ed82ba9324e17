"""A real httpx transport (loopback HTTP) that keeps the JSON body of every request sent
to one path: what tests compare with the vendor's documented request bodies."""

from __future__ import annotations

import json
from typing import Any

import httpx


class Recording(httpx.AsyncHTTPTransport):
    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self.bodies: list[dict[str, Any]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == self.path:
            self.bodies.append(json.loads(request.content))
        return await super().handle_async_request(request)
