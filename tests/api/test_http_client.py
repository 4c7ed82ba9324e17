"""The shared HTTP client: retries, backoff, Retry-After, wait budget, typed errors, and no
secret in any error, repr or log line (httpx.MockTransport, fake sleep)."""

from __future__ import annotations

import email.utils
import json
import logging
import random
import time
from collections.abc import Callable

import httpx
import pytest

from inbox_tui.api.auth import BearerToken
from inbox_tui.api.http import (
    CONNECT_RETRIES,
    ApiClient,
    HttpSettings,
    RetryEvent,
    make_client,
    parse_retry_after,
)
from inbox_tui.errors import (
    ApiError,
    AuthError,
    BadResponse,
    NetworkError,
    NotFound,
    RateLimited,
    ServerError,
)

TOKEN = "tok_SECRET_abcdef123456"


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


def client(
    handler: Callable[[httpx.Request], httpx.Response],
    sleeps: Sleeps | None = None,
    **overrides: object,
) -> ApiClient:
    options: dict[str, object] = {
        "sleep": sleeps or Sleeps(),
        "rng": random.Random(1),
        "backoff_base": 0.5,
        "backoff_max": 8.0,
    }
    options.update(overrides)
    settings = HttpSettings(**options)  # type: ignore[arg-type]
    return make_client(
        "https://api.example.test", BearerToken(TOKEN), settings, httpx.MockTransport(handler)
    )


def scripted(*responses: httpx.Response | Exception) -> Callable[[httpx.Request], httpx.Response]:
    queue = list(responses)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, Exception):
            raise item
        return item

    handler.seen = seen  # type: ignore[attr-defined]
    return handler


def ok(data: object = None) -> httpx.Response:
    return httpx.Response(200, json={"ok": True} if data is None else data)


async def test_sends_bearer_token_and_decodes_json() -> None:
    handler = scripted(ok([1, 2]))
    api = client(handler)
    assert await api.get_json("/v1/inboxes", {"a": 1, "skip": None}) == [1, 2]
    request = handler.seen[0]  # type: ignore[attr-defined]
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.url.params == httpx.QueryParams({"a": "1"})
    assert api.stats.requests == 1 and api.stats.retries == 0
    await api.aclose()


async def test_post_json_sends_body() -> None:
    handler = scripted(ok("17"))
    api = client(handler)
    assert await api.post_json("/v1/messages/all/count", {"created_at": "x"}) == "17"
    request = handler.seen[0]  # type: ignore[attr-defined]
    assert request.method == "POST" and json.loads(request.content) == {"created_at": "x"}


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
async def test_retries_transient_statuses_with_exponential_backoff(status: int) -> None:
    sleeps = Sleeps()
    events: list[RetryEvent] = []
    handler = scripted(*[httpx.Response(status)] * 3, ok())
    api = client(handler, sleeps, on_retry=events.append)
    assert await api.get_json("/x") == {"ok": True}
    assert api.stats.requests == 4 and api.stats.retries == 3
    assert len(sleeps.delays) == 3
    for n, delay in enumerate(sleeps.delays):  # jitter: 50-100 % of base * 2**n
        assert 0.25 * 2**n <= delay <= 0.5 * 2**n
    assert [e.attempt for e in events] == [1, 2, 3]
    assert events[0].status == status and events[0].path == "/x"


async def test_backoff_is_capped_by_backoff_max() -> None:
    sleeps = Sleeps()
    api = client(scripted(*[httpx.Response(503)] * 8, ok()), sleeps, max_retries=8, backoff_max=1)
    await api.get_json("/x")
    assert max(sleeps.delays) <= 1.0


async def test_retry_after_seconds_is_honoured() -> None:
    sleeps = Sleeps()
    handler = scripted(httpx.Response(429, headers={"Retry-After": "3"}), ok())
    api = client(handler, sleeps)
    await api.get_json("/x")
    assert sleeps.delays == [3.0]


async def test_retry_after_http_date_is_honoured() -> None:
    sleeps = Sleeps()
    when = email.utils.formatdate(time.time() + 10, usegmt=True)
    handler = scripted(httpx.Response(503, headers={"Retry-After": when}), ok())
    api = client(handler, sleeps)
    await api.get_json("/x")
    assert len(sleeps.delays) == 1 and 8.0 <= sleeps.delays[0] <= 10.0


def test_parse_retry_after_forms() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    past = email.utils.formatdate(1_000, usegmt=True)
    assert parse_retry_after(past) == 0.0


async def test_total_wait_is_bounded_and_rate_limit_surfaces_with_retry_after() -> None:
    sleeps = Sleeps()
    handler = scripted(httpx.Response(429, headers={"Retry-After": "4", "X-Request-Id": "rq-9"}))
    api = client(handler, sleeps, total_wait_max=10.0, max_retries=50)
    with pytest.raises(RateLimited) as caught:
        await api.get_json("/v1/messages", {"phoneNumber": "14155550100"})
    assert sleeps.delays == [4.0, 4.0]  # a third wait would pass the 10 s budget
    assert caught.value.retry_after == 4.0
    assert caught.value.status == 429 and caught.value.request_id == "rq-9"
    assert caught.value.url == "/v1/messages"  # no query string
    assert "rq-9" in str(caught.value)


async def test_max_retries_then_server_error() -> None:
    sleeps = Sleeps()
    api = client(scripted(httpx.Response(500, headers={"X-Request-Id": "abc"})), sleeps)
    with pytest.raises(ServerError) as caught:
        await api.get_json("/x")
    assert api.stats.requests == 6 and len(sleeps.delays) == 5
    assert caught.value.status == 500 and caught.value.request_id == "abc"


async def test_501_is_not_retried() -> None:
    api = client(scripted(httpx.Response(501)))
    with pytest.raises(ServerError):
        await api.get_json("/x")
    assert api.stats.requests == 1


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, AuthError), (403, AuthError), (404, NotFound), (400, ApiError), (422, ApiError)],
)
async def test_client_errors_are_typed_and_not_retried(status: int, error: type) -> None:
    response = httpx.Response(
        status, json={"message": "nope"}, headers={"X-Request-Id": f"req-{status}"}
    )
    api = client(scripted(response))
    with pytest.raises(error) as caught:
        await api.get_json("/v1/inboxes")
    assert type(caught.value) is error
    assert api.stats.requests == 1
    assert caught.value.status == status
    assert caught.value.request_id == f"req-{status}"
    assert f"req-{status}" in caught.value.user_message()
    assert "nope" in str(caught.value)


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.ConnectTimeout("slow"),
        httpx.RemoteProtocolError("peer closed connection"),
        httpx.ReadError("reset"),
    ],
)
async def test_network_errors_are_retried_then_typed(exc: Exception) -> None:
    sleeps = Sleeps()
    api = client(scripted(exc), sleeps, max_retries=2)
    with pytest.raises(NetworkError) as caught:
        await api.get_json("/v1/team")
    assert api.stats.requests == 3 and api.stats.retries == 2
    assert caught.value.url == "/v1/team"
    assert "api.example.test/v1/team" in str(caught.value)


async def test_network_error_recovers() -> None:
    api = client(scripted(httpx.ReadTimeout("slow"), ok([])))
    assert await api.get_json("/x") == []
    assert api.stats.retries == 1


async def test_html_with_200_is_a_bad_response_without_retry() -> None:
    response = httpx.Response(
        200, content=b"<html>login</html>", headers={"Content-Type": "text/html"}
    )
    api = client(scripted(response))
    with pytest.raises(BadResponse) as caught:
        await api.get_json("/v1/inboxes")
    assert "text/html" in str(caught.value) and api.stats.requests == 1


async def test_truncated_json_is_retried_then_bad_response() -> None:
    broken = httpx.Response(
        200,
        content=b'[{"id": 1, "te',
        headers={"Content-Type": "application/json", "X-Request-Id": "t1"},
    )
    api = client(scripted(broken), max_retries=1)
    with pytest.raises(BadResponse) as caught:
        await api.get_json("/x")
    assert api.stats.requests == 2 and caught.value.request_id == "t1"
    recovered = client(scripted(broken, ok([3])))
    assert await recovered.get_json("/x") == [3]


async def test_redirect_is_a_bad_response() -> None:
    api = client(scripted(httpx.Response(302, headers={"Location": "https://login"})))
    with pytest.raises(BadResponse):
        await api.get_json("/x")


async def test_on_retry_callback_failure_does_not_break_the_request() -> None:
    def boom(event: RetryEvent) -> None:
        raise RuntimeError("status bar gone")

    api = client(scripted(httpx.Response(503), ok()), on_retry=boom)
    assert await api.get_json("/x") == {"ok": True}


async def test_no_token_in_errors_reprs_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    echo = httpx.Response(
        401, json={"message": f"bad token Bearer {TOKEN}"}, headers={"X-Request-Id": "r"}
    )
    api = client(scripted(httpx.Response(503), echo))
    with pytest.raises(AuthError) as caught:
        await api.get_json("/x", {"token": TOKEN})
    texts = [str(caught.value), repr(caught.value), caught.value.url or "", repr(api)]
    texts += [r.getMessage() for r in caplog.records]
    texts.append(repr(BearerToken(TOKEN)))
    assert all(TOKEN not in text for text in texts), texts


async def test_token_callable_is_read_per_request() -> None:
    tokens = iter(["first-token-1", "second-token-2"])
    handler = scripted(ok(), ok())
    settings = HttpSettings(sleep=Sleeps())
    api = make_client(
        "https://x.test", BearerToken(lambda: next(tokens)), settings, httpx.MockTransport(handler)
    )
    await api.get_json("/a")
    await api.get_json("/b")
    seen = [r.headers["authorization"] for r in handler.seen]  # type: ignore[attr-defined]
    assert seen == ["Bearer first-token-1", "Bearer second-token-2"]


def test_default_settings_match_the_interface() -> None:
    s = HttpSettings()
    assert (s.connect_timeout, s.read_timeout, s.max_retries) == (5.0, 15.0, 5)
    assert (s.backoff_base, s.backoff_max, s.total_wait_max, s.verify) == (0.5, 8.0, 60.0, True)
    assert s.on_retry is None


async def test_a_refused_connection_fails_fast_and_names_host_and_port() -> None:
    """Issue 14 item 13: a server that is down showed nothing for ~23 s, and the message
    said "127.0.0.1" without the port that was wrong."""
    sleeps = Sleeps()
    settings = HttpSettings(sleep=sleeps, rng=random.Random(1), max_retries=5)  # type: ignore[arg-type]
    transport = httpx.MockTransport(scripted(httpx.ConnectError("refused")))
    api = make_client("http://127.0.0.1:8765", BearerToken(TOKEN), settings, transport)
    with pytest.raises(NetworkError) as caught:
        await api.get_json("/v1/team")
    assert api.stats.retries == CONNECT_RETRIES and sum(sleeps.delays) < 5
    assert "127.0.0.1:8765/v1/team" in caught.value.user_message()
