"""Minimal request/response types for the demo's raw ASGI app (no framework: the fault
injector needs the raw ``send`` channel, and startup stays cheap)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl


class HttpError(Exception):
    """Raised by handlers; becomes a JSON error response."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(slots=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    request_id: str

    @classmethod
    def from_scope(cls, scope: dict[str, Any], body: bytes, request_id: str) -> Request:
        raw_query = scope.get("query_string", b"").decode("latin-1")
        query: dict[str, str] = {}
        for key, value in parse_qsl(raw_query, keep_blank_values=True):
            query.setdefault(key, value)  # first value wins
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        return cls(scope["method"], scope["path"], query, headers, body, request_id)

    @property
    def base_url(self) -> str:
        """``http://host:port`` as the client addressed us (for absolute media URLs)."""
        return f"http://{self.headers.get('host', '127.0.0.1')}"

    def json_body(self, *, required: bool = True) -> Any:
        if not self.body.strip():
            if required:
                raise HttpError(400, "bad_request", "request body must be a JSON object")
            return {}
        try:
            data = json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise HttpError(400, "bad_request", f"request body is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise HttpError(400, "bad_request", "request body must be a JSON object")
        return data


@dataclass(slots=True)
class Response:
    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str = "application/json"


def json_response(data: Any, status: int = 200) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(status, body)


def error_response(status: int, code: str, message: str, request_id: str) -> Response:
    return json_response(
        {"error": code, "message": message, "status": status, "request_id": request_id}, status
    )
