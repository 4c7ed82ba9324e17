"""Optional endpoints a server lacks, remembered in the cache's meta table (so per profile
and account): a server that answered 404/400/405 is not asked again on every start. Each
entry is re-asked after :data:`REASK_AFTER`, in case the server gained it.

A backend takes part by implementing :class:`OptionalEndpoints`; others are left alone. What
a run finds missing is said once (:func:`announce`, for the status line); an endpoint
remembered from an earlier run is not asked and not announced again."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from inbox_tui.store import Store

log = logging.getLogger(__name__)
META_KEY = "missing_endpoints"
REASK_AFTER = timedelta(days=7)


@runtime_checkable
class OptionalEndpoints(Protocol):
    """A backend with endpoints a server may lack (e.g. heymarket's conversations API)."""

    def missing_endpoints(self) -> frozenset[str]:
        """The endpoints this run found missing (404/400/405)."""

    def assume_missing(self, names: frozenset[str]) -> None:
        """Do not try ``names`` this run (remembered from an earlier one)."""


def announce(backend: object, announced: set[str]) -> str | None:
    """One line about the endpoints ``backend`` found missing this run that are not in
    ``announced`` (which then records them), or None. Backends may word it
    (``describe_missing(name)``); else the name is given."""
    if not isinstance(backend, OptionalEndpoints):
        return None
    new = sorted(backend.missing_endpoints() - announced)
    if not new:
        return None
    announced.update(new)
    describe = getattr(backend, "describe_missing", None)
    return "; ".join(describe(n) if callable(describe) else f"The server lacks {n}" for n in new)


def _parse(value: str | None) -> dict[str, float]:
    entries: dict[str, float] = {}
    for item in (value or "").split(";"):
        name, _, stamp = item.partition("@")
        try:
            entries[name] = float(stamp)
        except ValueError:
            continue  # a damaged entry: ask the server again
    return entries


async def recall(store: Store, backend: object, now: datetime) -> frozenset[str]:
    """Tell ``backend`` which endpoints it need not try (remembered, not yet stale)."""
    if not isinstance(backend, OptionalEndpoints):
        return frozenset()
    cutoff = (now - REASK_AFTER).timestamp()
    names = frozenset(n for n, t in _parse(await store.get_meta(META_KEY)).items() if t > cutoff)
    if names:
        backend.assume_missing(names)
    return names


async def remember(store: Store, backend: object, now: datetime) -> None:
    """Record what ``backend`` found missing this run (a meta write only on change)."""
    if not isinstance(backend, OptionalEndpoints):
        return
    found = backend.missing_endpoints()
    known = _parse(await store.get_meta(META_KEY))
    new = found - known.keys()
    if new:
        known.update(dict.fromkeys(new, now.timestamp()))
        log.info("remembering missing endpoints: %s", ", ".join(sorted(new)))
        await store.set_meta(META_KEY, ";".join(f"{n}@{t:.0f}" for n, t in sorted(known.items())))
