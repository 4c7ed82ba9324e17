"""Credential checks for both API styles (stdlib only; messages never echo a token)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from dataclasses import dataclass

JWT_LIFETIME = 300  # seconds after iat
CLOCK_SKEW = 60  # iat this far in the future is still accepted


@dataclass(frozen=True, slots=True)
class DemoCredentials:
    heymarket_token: str = "demo-heymarket-key"
    heymarket_secret_id: str = "demo-secret-id"
    heymarket_secret_key: str = "demo-secret-key-0123456789"
    workspace_token: str = "demo-workspace-token"
    workspace_id: str = "ws_demo"
    forbidden_workspace_id: str = "ws_other"


def _same(given: str, expected: str) -> bool:
    """Constant-time comparison that tolerates non-ASCII input."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def bearer(headers: dict[str, str]) -> str | None:
    value = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _b64url(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def make_jwt(secret_id: str, secret_key: str, iat: int | None = None) -> str:
    """Mint a token the way the vendor documents it (used by tests and curl examples)."""
    header = b64url_encode(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64url_encode(
        json.dumps({"iss": secret_id, "iat": int(time.time()) if iat is None else iat}).encode()
    )
    signing_input = f"{header}.{payload}".encode("ascii")
    secret = f"{secret_id}||{secret_key}".encode()
    signature = hmac.new(secret, signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url_encode(signature)}"


def check_jwt(token: str, creds: DemoCredentials, now: float | None = None) -> str | None:
    """None if valid, else why not."""
    parts = token.split(".")
    if len(parts) != 3:
        return "malformed token"
    try:
        header = json.loads(_b64url(parts[0]))
        payload = json.loads(_b64url(parts[1]))
        signature = _b64url(parts[2])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return "malformed token"
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        return "unsupported JWT algorithm (HS256 required)"
    if not isinstance(payload, dict) or payload.get("iss") != creds.heymarket_secret_id:
        return "unknown token issuer"
    secret = f"{creds.heymarket_secret_id}||{creds.heymarket_secret_key}".encode()
    expected = hmac.new(secret, f"{parts[0]}.{parts[1]}".encode("ascii"), hashlib.sha256)
    if not hmac.compare_digest(expected.digest(), signature):
        return "bad token signature"
    iat = payload.get("iat")
    if not isinstance(iat, int | float) or isinstance(iat, bool):
        return "token has no iat"
    now = time.time() if now is None else now
    if iat > now + CLOCK_SKEW:
        return "token issued in the future (check the clock)"
    if now - iat > JWT_LIFETIME:
        return "token expired (JWTs live 5 minutes after iat)"
    return None


def check_heymarket(headers: dict[str, str], creds: DemoCredentials) -> str | None:
    """None if the request may proceed, else a reason for the 401."""
    value = headers.get("authorization", "")
    if not value:
        return "missing Authorization header"
    scheme, _, rest = value.partition(" ")
    if scheme.lower() == "basic":
        try:
            user, _, _password = base64.b64decode(rest.strip()).decode().partition(":")
        except (ValueError, binascii.Error, UnicodeDecodeError):
            return "malformed Basic credentials"
        return None if _same(user, creds.heymarket_token) else "invalid API key"
    token = bearer(headers)
    if token is None:
        return "expected 'Authorization: Bearer <token>'"
    if _same(token, creds.heymarket_token):
        return None
    if token.count(".") == 2:
        return check_jwt(token, creds)
    return "invalid API key"


def check_workspace(headers: dict[str, str], creds: DemoCredentials) -> str | None:
    token = bearer(headers)
    if token is None:
        return "missing bearer session token"
    return None if _same(token, creds.workspace_token) else "invalid session token"
