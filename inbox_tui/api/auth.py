"""``httpx.Auth`` implementations. Their reprs never show a secret, and every secret they
see is registered with :mod:`inbox_tui.secrets` so logs and errors mask it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Generator

import httpx

from inbox_tui import secrets

JWT_LIFETIME = 300.0  # the vendor rejects tokens 5 minutes after iat
JWT_REUSE = 240.0  # re-mint well before that (clock skew, slow requests)


class _Bearer(httpx.Auth):
    """Sends ``Authorization: Bearer <token()>`` on every request."""

    def token(self) -> str:
        raise NotImplementedError

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        yield request

    def __str__(self) -> str:
        return repr(self)


class BearerToken(_Bearer):
    """``Authorization: Bearer <token>``; ``token`` may be a callable (read per request,
    e.g. a ``token_command`` result that can change)."""

    def __init__(self, token: str | Callable[[], str]) -> None:
        self._token = token
        if isinstance(token, str):
            secrets.register(token)

    def token(self) -> str:
        value = self._token() if callable(self._token) else self._token
        value = (value or "").strip()
        secrets.register(value)
        return value

    def __repr__(self) -> str:
        return "BearerToken(***)"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def mint_jwt(secret_id: str, secret_key: str, issued_at: int) -> str:
    """An HS256 JWT ``{"iss": secret_id, "iat": issued_at}`` signed with ``ID||KEY``."""
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64url(
        json.dumps({"iss": secret_id, "iat": issued_at}, separators=(",", ":")).encode()
    )
    signing_input = f"{header}.{payload}".encode("ascii")
    key = f"{secret_id}||{secret_key}".encode()
    signature = hmac.new(key, signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64url(signature)}"


class HeymarketJWT(_Bearer):
    """The vendor's signed-JWT scheme; a token is reused for at most 4 minutes."""

    def __init__(
        self, secret_id: str, secret_key: str, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._secret_id = secret_id
        self._secret_key = secret_key
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._issued_at: float = 0.0
        self.minted = 0  # how many tokens were made (tests)
        secrets.register(secret_key)
        secrets.register(f"{secret_id}||{secret_key}")

    def token(self) -> str:
        now = self._clock()
        with self._lock:
            age = now - self._issued_at
            if self._token is None or age >= JWT_REUSE or age < 0:
                issued = int(now)
                self._token = mint_jwt(self._secret_id, self._secret_key, issued)
                self._issued_at = float(issued)
                self.minted += 1
                secrets.register(self._token)
            return self._token

    def __repr__(self) -> str:
        return "HeymarketJWT(secret_id=***, secret_key=***)"
