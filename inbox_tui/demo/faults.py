"""Fault injection and request statistics for the demo server.

A :class:`FaultConfig` says which faults to inject; a :class:`FaultInjector` decides per
request (the ``schedule`` first, one entry per eligible request, then ``rate``).
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

FAULT_KINDS: tuple[str, ...] = ("429", "500", "502", "503", "stall", "drop", "truncate")
# Faults only ever injected on request (``schedule`` or an explicit ``kinds``), never by the
# default random mix: ``drip`` sends the body one byte every ``drip_seconds``.
SLOW_KINDS: tuple[str, ...] = ("drip",)
# ``lost``: the request is carried out (a send is committed), then the answer is lost: the
# client gets a 502 instead. Only on request too (the tests of "never a second message").
LOST_KINDS: tuple[str, ...] = ("lost",)
KNOWN_KINDS: tuple[str, ...] = FAULT_KINDS + SLOW_KINDS + LOST_KINDS
CONTROL_PREFIX = "/_demo/"
# How a server says it lacks an endpoint (``FaultConfig.missing``).
MISSING_STATUSES: dict[int, tuple[str, str]] = {
    404: ("not_found", "no such endpoint {path}"),
    405: ("method_not_allowed", "{method} not allowed on {path}"),
    400: ("bad_request", "unknown endpoint {path}"),
    501: ("not_implemented", "{path} is not implemented on this server"),
}


@dataclass(frozen=True, slots=True)
class FaultConfig:
    """What to inject.

    ``schedule``: a deterministic sequence consumed one entry per eligible request (``None``
    = no fault) before ``rate`` applies. ``paths``: path prefixes eligible for faults (empty
    = every API path; ``/_demo/`` control paths are never faulted). ``ignore_cursor``: every
    eligible request is answered as if it had no paging cursor (heymarket ``timestamp`` and
    ``created_at``, workspace ``endDate`` and ``page``), like a server that ignores it.
    ``missing``: exact API paths this server lacks (e.g. ``/v1/conversations``, an optional
    endpoint), answered with ``missing_status``: 404 / 405 / 501, or 400 "unknown endpoint".
    """

    rate: float = 0.0
    kinds: tuple[str, ...] = FAULT_KINDS
    retry_after: float = 1.0
    retry_after_http_date: bool = False
    stall_seconds: float = 3.0
    seed: int = 0
    schedule: tuple[str | None, ...] = ()
    paths: tuple[str, ...] = ()
    ignore_cursor: bool = False
    drip_seconds: float = 1.0
    missing: tuple[str, ...] = ()
    missing_status: int = 404

    def __post_init__(self) -> None:
        if self.missing_status not in MISSING_STATUSES:
            raise ValueError(f"missing_status must be one of {sorted(MISSING_STATUSES)}")
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"fault rate must be within 0..1, got {self.rate}")
        unknown = {k for k in (*self.kinds, *self.schedule) if k is not None} - set(KNOWN_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kind(s) {sorted(unknown)}; known: {KNOWN_KINDS}")
        if self.rate and not self.kinds:
            raise ValueError("a fault rate needs at least one fault kind")
        if self.retry_after < 0 or self.stall_seconds < 0 or self.drip_seconds < 0:
            raise ValueError("retry_after, stall_seconds and drip_seconds must not be negative")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultConfig:
        """Build from a JSON object (the ``/_demo/faults`` control endpoint)."""
        known = set(cls.__dataclass_fields__)
        extra = set(data) - known
        if extra:
            raise ValueError(f"unknown fault option(s): {sorted(extra)}")
        values = dict(data)
        for key in ("kinds", "schedule", "paths", "missing"):
            if key in values:
                if not isinstance(values[key], list):
                    raise ValueError(f"{key} must be a list")
                values[key] = tuple(values[key])
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        return {
            "rate": self.rate,
            "kinds": list(self.kinds),
            "retry_after": self.retry_after,
            "retry_after_http_date": self.retry_after_http_date,
            "stall_seconds": self.stall_seconds,
            "seed": self.seed,
            "schedule": list(self.schedule),
            "paths": list(self.paths),
            "ignore_cursor": self.ignore_cursor,
            "drip_seconds": self.drip_seconds,
            "missing": list(self.missing),
            "missing_status": self.missing_status,
        }

    def lacks(self, path: str) -> bool:
        """This server has no ``path`` (``missing``); control paths always exist."""
        return path in self.missing and not path.startswith(CONTROL_PREFIX)


class FaultInjector:
    """Thread-safe per-request decision; replaced wholesale when the config changes."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self.config = config or FaultConfig()
        self._rng = random.Random(self.config.seed)
        self._position = 0
        self._lock = threading.Lock()

    def eligible(self, path: str) -> bool:
        if path.startswith(CONTROL_PREFIX):
            return False
        prefixes = self.config.paths
        return not prefixes or any(path.startswith(p) for p in prefixes)

    def decide(self, path: str) -> str | None:
        """The fault for this request, or None."""
        if not self.eligible(path):
            return None
        config = self.config
        with self._lock:
            if self._position < len(config.schedule):
                self._position += 1
                return config.schedule[self._position - 1]
            if config.rate and self._rng.random() < config.rate:
                return self._rng.choice(config.kinds)
        return None


@dataclass
class Stats:
    """Live counters (thread-safe). ``requests`` counts API requests, not ``/_demo/``."""

    requests: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    paths: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def record_request(self, path: str) -> None:
        with self._lock:
            self.requests += 1
            self.paths[path] += 1

    def record_fault(self, kind: str) -> None:
        with self._lock:
            self.faults[kind] += 1

    def record_status(self, status: int) -> None:
        with self._lock:
            self.statuses[status] += 1

    def reset(self) -> None:
        with self._lock:
            self.requests = 0
            self.faults.clear()
            self.paths.clear()
            self.statuses.clear()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self.requests,
                "faults": dict(self.faults),
                "faults_total": sum(self.faults.values()),
                "paths": dict(self.paths),
                "statuses": {str(k): v for k, v in self.statuses.items()},
            }
