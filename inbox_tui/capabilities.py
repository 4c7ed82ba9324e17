"""What a backend declares it can do (the ``Backend`` protocol lives in ``core/backend.py``;
this sits below ``api/`` so the vendor backends can declare theirs without importing core)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do beyond the reads every backend has, declared (not discovered).

    ``resume``: ``thread()`` accepts ``start_before``/``known_ids`` to continue a walk from
    a cached position. ``count``: ``count()`` can answer (else it always returns None).
    ``writes``: send/close/assign exist (none yet: the product is read-only so far)."""

    resume: bool = False
    count: bool = False
    writes: bool = False


READ_ONLY = Capabilities()

RetryListener = Callable[[str], None]
"""Called with a short reason ("HTTP 429", "timeout") before the HTTP layer retries."""
