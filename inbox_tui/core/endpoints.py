"""Optional endpoints a server lacks, remembered in the cache's meta table (so per profile
and account): a server that answered 404/400/405 is not asked again on every start. Each
entry is re-asked after :data:`REASK_AFTER`, in case the server gained it.

A backend takes part with ``missing_endpoints() -> frozenset[str]`` and
``assume_missing(names)``; backends without them are left alone."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from inbox_tui.store import Store

log = logging.getLogger(__name__)
META_KEY = "missing_endpoints"
REASK_AFTER = timedelta(days=7)


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
    assume = getattr(backend, "assume_missing", None)
    if assume is None:
        return frozenset()
    cutoff = (now - REASK_AFTER).timestamp()
    names = frozenset(n for n, t in _parse(await store.get_meta(META_KEY)).items() if t > cutoff)
    if names:
        assume(names)
    return names


async def remember(store: Store, backend: object, now: datetime) -> None:
    """Record what ``backend`` found missing this run (a meta write only on change)."""
    missing = getattr(backend, "missing_endpoints", None)
    if missing is None:
        return
    found = missing()
    known = _parse(await store.get_meta(META_KEY))
    new = found - known.keys()
    if new:
        known.update(dict.fromkeys(new, now.timestamp()))
        log.info("remembering missing endpoints: %s", ", ".join(sorted(new)))
        await store.set_meta(META_KEY, ";".join(f"{n}@{t:.0f}" for n, t in sorted(known.items())))
