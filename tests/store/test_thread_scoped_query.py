"""The thread-scoped search over the cache: newest match older than a position, counts,
case-insensitive substrings (also non-ASCII), LIKE wildcards taken literally."""

from __future__ import annotations

from support.messages import msg

from inbox_tui.store import MessagePosition, Store
from inbox_tui.store.thread_search import count_matches, match_before


async def test_newest_older_match_and_count(store: Store) -> None:
    bodies = ["Refund please", "hello", "the REFUNDS desk", "50% off_now", "ÉCOLE élève"]
    thread = [msg(1, n, body=b) for n, b in enumerate(bodies)]
    await store.upsert_messages([*thread, msg(2, 0, body="refund elsewhere")])
    key = thread[0].conversation_key

    found = await store.read(match_before, key, "refund", None)
    assert found is not None and found.id == "c1-m2"
    older = await store.read(match_before, key, "refund", MessagePosition.of(thread[2]))
    assert older is not None and older.id == "c1-m0"
    assert await store.read(match_before, key, "refund", MessagePosition.of(thread[0])) is None
    assert await store.read(count_matches, key, "refund") == 2  # not conversation 2's

    assert await store.read(count_matches, key, "%") == 1  # a literal percent sign
    assert await store.read(count_matches, key, "o_f") == 0  # "_" is no wildcard ("off")
    assert await store.read(count_matches, key, "f_n") == 1  # but a literal underscore
    assert await store.read(count_matches, key, "élève") == 1
    assert await store.read(count_matches, key, "ÉLÈVE") == 1
    assert await store.read(count_matches, key, "") == 0
