"""The conversation-list fields (assignee, closed, last inbound, replied) and drafts in the
cache: stored, read back, kept when a list without them is merged, added to older files."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from inbox_tui.models import Conversation, Direction, Message
from inbox_tui.store import Store
from inbox_tui.store.db import migrate

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def conv(**extra: object) -> Conversation:
    return Conversation(
        key="413:+14155550111",
        contact="+14155550111",
        inbox_id="413",
        last_at=T0,
        **extra,  # type: ignore[arg-type]
    )


async def test_triage_fields_round_trip(store: Store) -> None:
    full = conv(
        status="closed",
        assigned_to="5",
        closed=True,
        last_inbound_at=T0,
        replied_at=T0,
        unread=True,
    )
    await store.upsert_conversations([full])
    assert await store.get_conversation(full.key) == full


async def test_a_list_without_them_keeps_them(store: Store) -> None:
    await store.upsert_conversations([conv(assigned_to="5", closed=False, status="open")])
    await store.upsert_conversations([conv(status="open")])  # e.g. the message walk
    got = await store.get_conversation("413:+14155550111")
    assert got is not None and got.assigned_to == "5" and got.closed is False


async def test_a_row_without_a_message_keeps_the_cached_preview(store: Store) -> None:
    message = Message(
        id="1",
        source="heymarket",
        conversation_key="413:+14155550111",
        contact="+14155550111",
        inbox_id="413",
        direction=Direction.INBOUND,
        body="where is my order?",
        created_at=T0,
    )
    await store.upsert_messages([message])
    await store.upsert_conversations([conv(status="open")])  # the conversations API row
    got = await store.get_conversation("413:+14155550111")
    assert got is not None and got.last_message is not None
    assert got.last_message.body == "where is my order?"


async def test_an_older_file_gets_the_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    raw = sqlite3.connect(path, isolation_level=None)
    migrate(raw)  # the numbered schema only, as an older inbox-tui left it
    raw.execute("INSERT INTO conversations (key, contact, last_us) VALUES ('k', '+14155550111', 1)")
    raw.close()
    store = await Store.open(path)
    try:
        got = await store.get_conversation("k")
        assert got is not None and got.assigned_to is None
    finally:
        await store.close()
    check = sqlite3.connect(path)
    tables = {r[0] for r in check.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    columns = {r[1] for r in check.execute("PRAGMA table_info(conversations)")}
    check.close()
    assert "drafts" in tables and "triage" in columns


async def test_an_inbound_message_the_row_already_covers_does_not_make_it_unread(
    store: Store,
) -> None:
    """The conversations API says "read as of `updated`": a poll that first caches an
    older inbound message must not mark the conversation unread; a newer one does."""
    from datetime import timedelta

    await store.upsert_conversations([conv(status="open", unread=False)])

    def inbound(mid: str, at: datetime) -> Message:
        return Message(
            id=mid,
            source="heymarket",
            conversation_key="413:+14155550111",
            contact="+14155550111",
            inbox_id="413",
            direction=Direction.INBOUND,
            body="hi",
            created_at=at,
        )

    await store.upsert_messages([inbound("old", T0 - timedelta(minutes=5))], mark_unread=True)
    got = await store.get_conversation("413:+14155550111")
    assert got is not None and got.unread is False
    await store.upsert_messages([inbound("new", T0 + timedelta(minutes=5))], mark_unread=True)
    got = await store.get_conversation("413:+14155550111")
    assert got is not None and got.unread is True


async def test_messages_fetched_after_a_list_row_become_its_preview(store: Store) -> None:
    """A conversations-API row's ``updated`` may be later than its newest message (a status
    change): the messages fetched for it still give it a preview, the newest of them."""
    from datetime import timedelta

    def message(n: int, minutes: int) -> Message:
        return Message(
            id=str(n),
            source="heymarket",
            conversation_key="413:+14155550111",
            contact="+14155550111",
            inbox_id="413",
            direction=Direction.INBOUND if n % 2 else Direction.OUTBOUND,
            body=f"message {n}",
            created_at=T0 + timedelta(minutes=minutes),
        )

    await store.upsert_conversations([conv(status="open").model_copy(update={"last_at": T0})])
    await store.upsert_messages([message(1, -30), message(2, -20)])
    got = await store.get_conversation("413:+14155550111")
    assert got is not None and got.last_message is not None
    assert got.last_message.body == "message 2" and got.last_at == T0  # the row keeps its time
    await store.upsert_messages([message(3, -40)])  # older (scroll-back): not the preview
    got = await store.get_conversation("413:+14155550111")
    assert got is not None and got.last_message is not None
    assert got.last_message.body == "message 2"
