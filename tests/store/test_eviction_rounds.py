"""Eviction runs in bounded rounds (one write job each), so a big cache over its limit
never holds the writer for one long transaction: pages arriving meanwhile are written
between rounds."""

from __future__ import annotations

import asyncio

from support.messages import contact_of, msg

from inbox_tui.store import Store
from inbox_tui.store.evict import evict_round, used_bytes

BODY = "lorem ipsum dolor sit amet " * 40


async def fill(store: Store, threads: int = 30, per_thread: int = 20) -> None:
    for conv in range(threads):
        await store.upsert_messages(
            [msg(conv, n, body=BODY, seconds=conv * 10_000 + n) for n in range(per_thread)]
        )


async def test_one_round_removes_at_most_its_budget_and_continues_where_it_stopped(
    store: Store,
) -> None:
    await fill(store)
    limit = await store.read(used_bytes) // 5
    removed, position, done = await store.write(evict_round, limit, frozenset(), None, 30)
    assert 0 < removed <= 30 + 20  # whole threads: the budget plus at most one thread
    assert not done
    again, _, _ = await store.write(evict_round, limit, frozenset(), position, 30)
    assert again > 0
    assert await store.count_messages(contact_of(0)) == 0  # oldest first


async def test_a_write_queued_during_eviction_lands_before_eviction_ends(
    store: Store, monkeypatch
) -> None:
    await fill(store)
    import inbox_tui.store.evict as evict

    monkeypatch.setattr(evict, "ROUND_MESSAGES", 20)  # one thread per round
    rounds: list[int] = []
    real_round = evict.evict_round

    def counted(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        rounds.append(1)
        return real_round(*args, **kwargs)

    monkeypatch.setattr(evict, "evict_round", counted)
    limit = await store.read(used_bytes) * 3 // 5
    eviction = asyncio.create_task(store.enforce_limit(limit))
    while not rounds:
        await asyncio.sleep(0)
    await store.upsert_messages([msg(99, 0, body="arrived meanwhile", seconds=10**7)])
    assert not eviction.done()  # the page did not wait for the whole eviction
    assert await eviction > 0
    assert len(rounds) > 2
    assert await store.count_messages(contact_of(99)) == 1
