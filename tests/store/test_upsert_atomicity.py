"""An upsert batch is all or nothing: a batch that fails midway leaves the cache file exactly
as it was (the kill -9 test covers a dying process; this covers an error inside the batch)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support.messages import contact_of, msg

from inbox_tui.models import conversation_key
from inbox_tui.store import Store
from inbox_tui.store import messages as store_messages


class Boom(RuntimeError):
    pass


def fail_on_call(real: Callable[..., Any], n: int) -> Callable[..., Any]:
    """``real``, except that its ``n``-th call raises :class:`Boom`."""
    calls = 0

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == n:
            raise Boom(f"call {n}")
        return real(*args, **kwargs)

    return wrapper


def dump(path: Path) -> list[str]:
    """Everything committed to the file, read by a connection of its own."""
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


# Where the batch fails: encoding its 3rd message row (two rows already written), or
# after every message row, while updating the conversations they touch.
FAILURES = {
    "third message row": ("message_row", 3),
    "conversation rows": ("dump_json", 1),
}


@pytest.mark.parametrize("where", list(FAILURES))
async def test_failed_batch_leaves_the_store_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    path = tmp_path / "cache.sqlite3"
    async with await Store.open(path) as store:
        await store.upsert_messages([msg(1, 0), msg(1, 1)])
        before = dump(path)
        conversation_before = await store.get_conversation(conversation_key(contact_of(1), None))

        name, n = FAILURES[where]
        monkeypatch.setattr(store_messages, name, fail_on_call(getattr(store_messages, name), n))
        batch = [msg(1, 0, body="edited"), msg(1, 2), msg(2, 0), msg(2, 1), msg(3, 0)]
        with pytest.raises(Boom):
            await store.upsert_messages(batch)
        monkeypatch.undo()

        assert dump(path) == before
        assert await store.count_messages() == 2
        assert (await store.get_message("c1-m0", "workspace")).body == msg(1, 0).body
        assert await store.get_conversation(conversation_key(contact_of(2), None)) is None
        assert (
            await store.get_conversation(conversation_key(contact_of(1), None))
            == conversation_before
        )
        # The transaction was rolled back, not left open: the next batch commits.
        await store.upsert_messages(batch)
        assert await store.count_messages() == 6

    async with await Store.open(path) as reopened:
        assert await reopened.count_messages() == 6
