"""Auth: bearer token and the heymarket HS256 JWT, verified independently of auth.py."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import httpx

from inbox_tui.api.auth import BearerToken, HeymarketJWT
from inbox_tui.secrets import redact

SECRET_ID = "sid_4f9a2c"
SECRET_KEY = "skey_9b8c7d6e5f"


def b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verify(token: str) -> dict[str, object]:
    """An independent HS256 check: returns the payload or raises AssertionError."""
    header, payload, signature = token.split(".")
    assert json.loads(b64decode(header)) == {"alg": "HS256", "typ": "JWT"}
    key = f"{SECRET_ID}||{SECRET_KEY}".encode()
    expected = hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert hmac.compare_digest(expected, b64decode(signature)), "bad signature"
    assert "=" not in token
    return json.loads(b64decode(payload))


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def header_of(auth: httpx.Auth) -> str:
    request = httpx.Request("GET", "https://x.test/v1/inboxes")
    flow = auth.sync_auth_flow(request)
    return next(flow).headers["authorization"]


def test_jwt_structure_signature_and_claims() -> None:
    auth = HeymarketJWT(SECRET_ID, SECRET_KEY, clock=Clock(1_700_000_000.7))
    value = header_of(auth)
    assert value.startswith("Bearer ")
    assert verify(value.removeprefix("Bearer ")) == {"iss": SECRET_ID, "iat": 1_700_000_000}


def test_jwt_is_reused_then_reminted_before_expiry() -> None:
    clock = Clock(1_000_000.0)
    auth = HeymarketJWT(SECRET_ID, SECRET_KEY, clock=clock)
    first = auth.token()
    clock.now += 239
    assert auth.token() == first and auth.minted == 1
    clock.now += 1  # 4 minutes old: re-mint well before the 5-minute expiry
    second = auth.token()
    assert second != first and auth.minted == 2
    assert verify(second)["iat"] == 1_000_240
    clock.now -= 1000  # clock went backwards: don't trust the cached token
    assert verify(auth.token())["iat"] == 999_240


def test_auth_reprs_and_redaction_hide_secrets() -> None:
    jwt = HeymarketJWT(SECRET_ID, SECRET_KEY)
    bearer = BearerToken("legacy-team-api-key-123")
    for text in (repr(jwt), str(jwt), repr(bearer), str(bearer)):
        assert SECRET_KEY not in text and "legacy-team-api-key-123" not in text
    token = jwt.token()
    assert token not in redact(f"Authorization: Bearer {token}")
    assert SECRET_KEY not in redact(f"key={SECRET_KEY}")
    assert "legacy-team-api-key-123" not in redact("x legacy-team-api-key-123 y")


def test_bearer_strips_whitespace_from_command_output() -> None:
    assert header_of(BearerToken(lambda: "  abc-token-xyz\n")) == "Bearer abc-token-xyz"
