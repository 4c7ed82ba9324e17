"""One shared HTTP client per backend: timeouts, retries with backoff, typed errors.

Retry policy. Reads (GETs and the vendor's read-only POST searches) and writes that carry
an idempotency key (a send with ``local_id``) use ``retry="always"``: repeating one is safe.
Other writes (close, open, read, reassign) use ``retry="unsent"``: they are retried only
when the request provably never reached the server (connect errors and connect/pool
timeouts) or was refused before it was processed (429); a timeout, a dropped connection or
a 5xx after the request went out is raised at once, since it may have been applied.

For ``retry="always"``:

* retried: 429, 500, 502, 503, 504, connect/read timeouts, dropped or truncated
  connections, and a JSON body that fails to parse although the server said it was JSON
  (a truncated response);
* not retried: 401/403/404 and other 4xx, and a 200 whose body is HTML or another
  non-JSON type (a proxy or login page will not fix itself in a second);
* not retried either: a response larger than ``max_response_bytes`` (32 MiB by default),
  which is refused with a :class:`BadResponse` as soon as it is known to be too big (from
  ``Content-Length``, or while the body streams in), so one gigantic page cannot exhaust
  memory;
* the delay is ``Retry-After`` when the server sends one (seconds or an HTTP date), else
  exponential backoff ``backoff_base * 2**n`` capped at ``backoff_max`` with jitter
  (uniformly 50-100 % of it);
* the sum of all delays for one request never exceeds ``total_wait_max``: when the next
  delay would, the last error is raised at once (a ``RateLimited`` keeps ``retry_after``);
* every attempt has a total deadline (:meth:`HttpSettings.deadline`) from sending the request
  to the last byte of the body: httpx's timeouts apply per read, so a server dripping one
  byte every few seconds would otherwise never time out. Missing it is a retried timeout.

Errors carry the status, the server's ``X-Request-Id`` and the URL *path* only (query
strings may hold phone numbers or, with some proxies, credentials); every text is run
through :func:`inbox_tui.secrets.redact`.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import os
import random
import re
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, NoReturn, TypeVar

import httpx

from inbox_tui.errors import (
    ApiError,
    AuthError,
    BadResponse,
    NetworkError,
    NotFound,
    RateLimited,
    ServerError,
)
from inbox_tui.secrets import redact, safe_line

log = logging.getLogger("inbox_tui.api")


class _QuietUrls(logging.Filter):
    """httpx logs every request URL at INFO: drop query strings (phone numbers, and with
    some proxies credentials) and registered secrets before any handler sees them."""

    _QUERY = re.compile(r"(https?://[^\s?\"]+)\?[^\s\"]*")

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(self._QUERY.sub(r"\1?…", record.getMessage()))
        record.args = None
        return True


for _name in ("httpx", "httpcore"):
    _logger = logging.getLogger(_name)
    if not any(isinstance(f, _QuietUrls) for f in _logger.filters):
        _logger.addFilter(_QuietUrls())

T = TypeVar("T")
RetryPolicy = Literal["always", "unsent"]
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
USER_AGENT = "inbox-tui/0.1 (+https://github.com/; httpx)"
MAX_RESPONSE_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class RetryEvent:
    """Reported to ``HttpSettings.on_retry`` before each retry sleep (for status bars)."""

    attempt: int  # 1 for the first retry
    delay: float  # seconds about to be slept
    reason: str  # "HTTP 429", "read timeout", ...
    path: str
    status: int | None = None
    request_id: str | None = None


@dataclass(frozen=True)
class HttpSettings:
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    max_retries: int = 5
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    total_wait_max: float = 60.0
    verify: bool = True
    # Largest (decoded) response body accepted; a bigger one raises BadResponse.
    max_response_bytes: int = MAX_RESPONSE_BYTES
    # Whole-attempt limit (connect, send, headers, body); None: see ``deadline``.
    total_timeout: float | None = None
    on_retry: Callable[[RetryEvent], None] | None = None
    # Test hooks: a fake sleep records delays instead of waiting; a seeded RNG fixes jitter.
    sleep: Callable[[float], Awaitable[None]] | None = field(default=None, repr=False)
    rng: random.Random | None = field(default=None, repr=False)

    @property
    def deadline(self) -> float:
        """Seconds one attempt may take in all: ``total_timeout``, else the larger of 30 s
        and three read timeouts plus the connect timeout."""
        if self.total_timeout is not None:
            return self.total_timeout
        return max(30.0, self.connect_timeout + 3 * self.read_timeout)

    def backoff(self, retry_index: int) -> float:
        """Delay before retry ``retry_index`` (0-based) when the server gave no hint."""
        ceiling = min(self.backoff_max, self.backoff_base * (2**retry_index))
        rng = self.rng or random
        return ceiling * (0.5 + 0.5 * rng.random())


@dataclass
class HttpStats:
    """Counters for benches, tests and the status bar."""

    requests: int = 0  # HTTP attempts sent (retries included)
    retries: int = 0
    wait_seconds: float = 0.0  # total time slept in backoff


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


CONNECT_RETRIES = 2  # connection refused / unreachable: retried at most this often


class _Retry(Exception):
    """Internal: a failed attempt that may be retried; carries the error to raise at the end."""

    def __init__(
        self,
        error: ApiError,
        reason: str,
        retry_after: float | None = None,
        *,
        sent: bool = True,
        max_retries: int | None = None,
    ) -> None:
        super().__init__(reason)
        self.error = error
        self.reason = reason
        self.retry_after = retry_after
        # False only when the server provably did not act on the request (never reached
        # it, or refused it with 429): then even a non-idempotent write may be repeated.
        self.sent = sent
        self.max_retries = max_retries  # a tighter bound than the settings' for this error


def _request_id(response: httpx.Response) -> str | None:
    """The server's ``X-Request-Id``, as shown in errors: one sanitised line, secrets masked
    (a broken proxy may echo the Authorization header into it)."""
    value = response.headers.get("x-request-id")
    return safe_line(value, 120) if value else None


def _detail_from_body(body: bytes) -> str:
    """A short, sanitised, redacted hint from an error body (``message``/``error`` field)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return ""
    if isinstance(data, dict):
        for key in ("message", "error", "detail", "title"):
            value = data.get(key)
            if isinstance(value, str) and value.strip():
                return safe_line(value, 160)
    return ""


_PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


def _tls_verify(base_url: str, verify: bool) -> bool | ssl.SSLContext:
    """What to pass as httpx's ``verify``. httpx builds a TLS context from the CA bundle
    (~15 ms) for every client, even one that never speaks TLS. A client whose base URL is
    plain ``http://`` (loopback or ``--insecure``) and that has no ``https://`` proxy never
    opens a TLS connection: it follows no redirects and requests only paths under the base.
    It gets a fail-closed context instead: certificates required, no trust anchors, so a
    TLS handshake it should never attempt would be refused, never accepted unverified."""
    if not verify or not base_url.lower().startswith("http://"):
        return verify
    if any(os.environ.get(name, "").lower().startswith("https:") for name in _PROXY_VARS):
        return verify
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED, check_hostname, no CAs


class ApiClient:
    """A wrapper around one ``httpx.AsyncClient`` that returns decoded JSON or raises a
    typed :class:`~inbox_tui.errors.ApiError`."""

    def __init__(
        self,
        base_url: str,
        auth: httpx.Auth,
        settings: HttpSettings,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.settings = settings
        self.stats = HttpStats()
        self.retry_listeners: list[Callable[[RetryEvent], None]] = []
        timeout = httpx.Timeout(
            settings.read_timeout,
            connect=settings.connect_timeout,
            pool=settings.connect_timeout + settings.read_timeout,
        )
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            auth=auth,
            timeout=timeout,
            verify=_tls_verify(self.base_url, settings.verify),
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
            trust_env=True,  # HTTP(S)_PROXY / NO_PROXY are honoured
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"ApiClient({self.base_url!r}, requests={self.stats.requests})"

    async def get_json(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        parse: Callable[[Any], T] | None = None,
    ) -> Any:
        """Decoded JSON, or ``parse(decoded)``: a :class:`BadResponse` that ``parse`` raises
        (wrong shape) gets this response's status, request id and path attached."""
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        return await self._request("GET", path, params=clean, parse=parse)

    async def post_json(
        self,
        path: str,
        json: Any = None,
        *,
        parse: Callable[[Any], T] | None = None,
        retry: RetryPolicy = "always",
    ) -> Any:
        """``retry="unsent"`` for a write without an idempotency key (see the module doc)."""
        return await self._request("POST", path, json_body=json, parse=parse, retry=retry)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _sleep(self, delay: float) -> None:
        if self.settings.sleep is not None:
            await self.settings.sleep(delay)
        else:
            await asyncio.sleep(delay)

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        parse: Callable[[Any], Any] | None = None,
        retry: RetryPolicy = "always",
    ) -> Any:
        waited = 0.0
        attempt = 0
        while True:
            try:
                return await self._attempt(
                    method, path, params=params, json_body=json_body, parse=parse
                )
            except _Retry as failed:
                if retry == "unsent" and failed.sent:
                    log.info(
                        "%s %s: %s, not retried (it may have been applied)",
                        method,
                        path,
                        failed.reason,
                    )
                    raise failed.error from None
                limit = self.settings.max_retries
                if failed.max_retries is not None:
                    limit = min(limit, failed.max_retries)
                if attempt >= limit:
                    raise failed.error from None
                delay = (
                    failed.retry_after
                    if failed.retry_after is not None
                    else self.settings.backoff(attempt)
                )
                if waited + delay > self.settings.total_wait_max:
                    log.warning(
                        "%s %s: giving up after %d retries (%s; next wait %.1fs over budget)",
                        method,
                        path,
                        attempt,
                        failed.reason,
                        delay,
                    )
                    raise failed.error from None
                attempt += 1
                waited += delay
                self.stats.retries += 1
                self.stats.wait_seconds += delay
                event = RetryEvent(
                    attempt=attempt,
                    delay=delay,
                    reason=failed.reason,
                    path=path,
                    status=failed.error.status,
                    request_id=failed.error.request_id,
                )
                log.info(
                    "%s %s: %s, retry %d in %.2fs", method, path, failed.reason, attempt, delay
                )
                self._announce_retry(event)
                await self._sleep(delay)

    def _announce_retry(self, event: RetryEvent) -> None:
        hooks = [self.settings.on_retry, *self.retry_listeners]
        for hook in hooks:
            if hook is None:
                continue
            try:
                hook(event)
            except Exception:  # a status-bar callback must not break a request
                log.exception("on_retry callback failed")

    async def _attempt(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None,
        json_body: Any,
        parse: Callable[[Any], Any] | None = None,
    ) -> Any:
        self.stats.requests += 1
        try:
            stream = (
                self._client.stream(method, path, params=params)
                if method == "GET"
                else self._client.stream(method, path, json=json_body)
            )
            async with asyncio.timeout(self.settings.deadline):
                async with stream as response:
                    body = await self._read_capped(response, path)
        except TimeoutError:  # the deadline (asyncio's, not httpx's: those are not builtins)
            seconds = f"{self.settings.deadline:g}"
            raise _Retry(
                NetworkError(
                    f"no complete response from {self._where(path)} within {seconds} s",
                    url=path,
                ),
                "deadline",
            ) from None
        except httpx.TimeoutException as exc:
            kind = "connect timeout" if isinstance(exc, httpx.ConnectTimeout) else "timeout"
            if isinstance(exc, httpx.ReadTimeout):
                kind = "read timeout"
            unsent = isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout)
            raise _Retry(
                NetworkError(f"{kind} talking to {self._where(path)}", url=path),
                kind,
                sent=not unsent,
            ) from None
        except httpx.TransportError as exc:
            kind = {
                httpx.ConnectError: "connection refused or unreachable",
                httpx.RemoteProtocolError: "connection dropped",
                httpx.ReadError: "connection dropped",
                httpx.WriteError: "connection dropped",
            }.get(type(exc), "transport error")
            # Refused is immediate and a server that is down stays down for a while: a couple
            # of quick retries, not the full backoff (~23 s before the user saw anything).
            refused = isinstance(exc, httpx.ConnectError)
            raise _Retry(
                NetworkError(f"{kind} talking to {self._where(path)}", url=path),
                kind,
                sent=not isinstance(exc, httpx.ConnectError),
                max_retries=CONNECT_RETRIES if refused else None,
            ) from None
        except httpx.HTTPError as exc:  # InvalidURL and friends: a config problem
            raise NetworkError(
                f"cannot reach {self._where(path)} ({type(exc).__name__})", url=path
            ) from None
        data = self._decode(response, body, path)
        if parse is None:
            return data
        try:
            return parse(data)
        except BadResponse as exc:
            raise BadResponse(
                exc.detail,
                status=response.status_code,
                request_id=_request_id(response),
                url=path,
            ) from None

    def _where(self, path: str) -> str:
        url = httpx.URL(self.base_url)
        if not url.host:
            return f"{self.base_url}{path}"
        port = f":{url.port}" if url.port else ""  # None when it is the scheme's default
        return f"{url.host}{port}{path}"

    async def _read_capped(self, response: httpx.Response, path: str) -> bytes:
        """The decoded body, read chunk by chunk and never buffered past
        ``max_response_bytes``: a bigger one raises :class:`BadResponse` (not retried)."""
        cap = self.settings.max_response_bytes
        declared = response.headers.get("content-length", "")
        encoded = response.headers.get("content-encoding", "identity").lower() != "identity"
        if declared.isdigit() and int(declared) > cap and not encoded:
            self._too_big(response, path, cap)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > cap:
                self._too_big(response, path, cap)
            chunks.append(chunk)
        return b"".join(chunks)

    @staticmethod
    def _too_big(response: httpx.Response, path: str, cap: int) -> NoReturn:
        limit = f"{cap / (1024 * 1024):g} MiB" if cap >= 1024 * 1024 else f"{cap} bytes"
        raise BadResponse(
            f"{path} sent a response larger than {limit}; refused to protect memory",
            status=response.status_code,
            request_id=_request_id(response),
            url=path,
        )

    def _decode(self, response: httpx.Response, body: bytes, path: str) -> Any:
        status = response.status_code
        request_id = _request_id(response)
        kw: dict[str, Any] = {"status": status, "request_id": request_id, "url": path}
        hint = _detail_from_body(body) if status >= 400 else ""
        suffix = f" ({hint})" if hint else ""
        if status == 401:
            raise AuthError(f"the server refused the credentials{suffix}", **kw)
        if status == 403:
            raise AuthError(f"these credentials may not access {path}{suffix}", **kw)
        if status == 404:
            raise NotFound(f"{path} does not exist{suffix}", **kw)
        if status == 429:
            after = parse_retry_after(response.headers.get("retry-after"))
            error = RateLimited(f"too many requests to {path}{suffix}", retry_after=after, **kw)
            raise _Retry(error, "HTTP 429", retry_after=after, sent=False)
        if status >= 500:
            error = ServerError(f"{path} failed on the server{suffix}", **kw)
            if status in RETRY_STATUSES:
                after = parse_retry_after(response.headers.get("retry-after"))
                raise _Retry(error, f"HTTP {status}", retry_after=after)
            raise error
        if status >= 400:
            raise ApiError(f"request to {path} was rejected{suffix}", **kw)
        if status >= 300:
            raise BadResponse(f"unexpected redirect from {path} (is the base URL right?)", **kw)
        content_type = response.headers.get("content-type", "").lower()
        if content_type and "json" not in content_type:
            raise BadResponse(
                f"{path} answered with {content_type.split(';')[0]} instead of JSON "
                "(a proxy or login page?)",
                **kw,
            )
        try:
            return json.loads(body)
        except (ValueError, UnicodeDecodeError):
            error = BadResponse(f"{path} returned invalid or truncated JSON", **kw)
            raise _Retry(error, "invalid JSON") from None
        except RecursionError:  # [[[[... nested deeper than the parser's stack: not retried
            raise BadResponse(f"{path} returned JSON nested too deeply to read", **kw) from None


def make_client(
    base_url: str,
    auth: httpx.Auth,
    settings: HttpSettings,
    transport: httpx.AsyncBaseTransport | None = None,
) -> ApiClient:
    """The one client factory every backend uses (tests pass an ``httpx.MockTransport``)."""
    return ApiClient(base_url, auth, settings, transport)
