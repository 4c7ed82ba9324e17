"""``session.triage`` over loopback HTTP (demo server) and a real SQLite file: the undo
window, one message per send even when the answer is lost, refusals that send nothing,
drafts that survive a restart, optimistic close/assign rolled back on failure."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from inbox_tui.api.auth import BearerToken
from inbox_tui.api.heymarket import HeymarketBackend
from inbox_tui.api.http import HttpSettings
from inbox_tui.api.workspace import WorkspaceBackend
from inbox_tui.config import Profile
from inbox_tui.core.session import Session
from inbox_tui.core.triage import Draft, Member, PendingSend, SendState, TriageActions
from inbox_tui.demo.dataset import build_dataset
from inbox_tui.demo.faults import FaultConfig
from inbox_tui.demo.server import DemoServer
from inbox_tui.errors import ApiError, WriteRefused
from inbox_tui.filters import Filters
from inbox_tui.models import Conversation
from inbox_tui.store import Store

FAST = HttpSettings(
    connect_timeout=2, read_timeout=5, backoff_base=0.01, backoff_max=0.02, max_retries=2
)
SEND, CLOSE, REASSIGN = "/v1/message/send", "/v1/conversations/close", "/v1/conversations/reassign"
DELAY = 0.05


@pytest.fixture
def server() -> Iterator[DemoServer]:
    with DemoServer(dataset=build_dataset(5, conversations=30, big_threads=())) as srv:
        yield srv


async def open_session(
    server: DemoServer, path: Path, *, member_id: int | None = 7, **settings: Any
) -> Session:
    backend = HeymarketBackend(
        server.base_url, BearerToken(server.heymarket_token), member_id=member_id, settings=FAST
    )
    profile = Profile(member_id=member_id, **{"send_delay": DELAY, **settings})
    session = Session(backend, store=await Store.open(path), settings=profile)
    await session.open()
    return session


@pytest.fixture
async def session(server: DemoServer, tmp_path: Path) -> AsyncIterator[Session]:
    s = await open_session(server, tmp_path / "cache.sqlite3")
    yield s
    await s.close()


async def listed(session: Session) -> list[Conversation]:
    """The first page of the conversation list, cached like the app does."""
    page = await session.backend.conversations(Filters()).next_page()
    await session.store.upsert_conversations(page)
    return page


async def a_conversation(session: Session, server: DemoServer, **where: Any) -> Conversation:
    for conv in await listed(session):
        demo = server.dataset.conversation(int(conv.inbox_id or 0), conv.contact)
        if demo is None or demo.contact in server.dataset.opted_out:
            continue
        if all(getattr(demo, k) == v for k, v in where.items()):
            return conv
    raise AssertionError(f"no conversation with {where}")


def thread_len(server: DemoServer, conv: Conversation) -> int:
    return len(server.dataset.thread(int(conv.inbox_id or 0), conv.contact))


async def settle(session: Session, pending: PendingSend) -> None:
    for _ in range(200):
        if pending.state not in (SendState.WAITING, SendState.SENDING):
            break
        await asyncio.sleep(DELAY)
    await session.triage.outbox.drain()


def sends(server: DemoServer) -> list[dict[str, Any]]:
    return [body for path, body in server.writes if path == SEND]


async def test_implements_the_contract(session: Session) -> None:
    actions: TriageActions = session.triage  # the type checker checks the signatures
    names = [n for n in vars(TriageActions) if not n.startswith("_")]
    assert names and all(hasattr(actions, n) for n in names)
    assert session.triage.read_only_reason is None
    assert session.triage.send_delay == DELAY


async def test_send_waits_then_posts_once(session: Session, server: DemoServer) -> None:
    conv = await a_conversation(session, server)
    before = thread_len(server, conv)
    states: list[SendState] = []
    pending = session.triage.send(conv, "On its way!", on_change=lambda p: states.append(p.state))
    assert pending.state is SendState.WAITING and server.writes == []
    assert pending.message is not None and pending.message.status == "sending"
    assert pending.message.body == "On its way!"
    await settle(session, pending)
    assert states == [SendState.WAITING, SendState.SENDING, SendState.SENT]
    assert thread_len(server, conv) == before + 1
    [body] = sends(server)
    assert body["local_id"] == pending.local_id and len(pending.local_id) == 36  # a uuid4
    assert pending.message.id == str(
        server.dataset.thread(int(conv.inbox_id or 0), conv.contact)[-1].id
    )
    cached = await session.store.thread_window(conv.key)
    assert pending.message.id in {m.id for m in cached}  # the server's copy is cached


async def test_lost_answer_is_retried_with_the_same_local_id(
    session: Session, server: DemoServer
) -> None:
    conv = await a_conversation(session, server)
    before = thread_len(server, conv)
    server.set_faults(FaultConfig(schedule=("lost",), paths=(SEND,)))
    pending = session.triage.send(conv, "exactly once")
    await settle(session, pending)
    assert pending.state is SendState.SENT
    assert thread_len(server, conv) == before + 1
    assert {b["local_id"] for b in sends(server)} == {pending.local_id}


async def test_every_answer_lost_is_found_in_the_thread(
    session: Session, server: DemoServer
) -> None:
    """The retries run out without one answer: the thread is read back and the message
    found by its local_id. One message, and the send is reported sent."""
    conv = await a_conversation(session, server)
    before = thread_len(server, conv)
    server.set_faults(FaultConfig(schedule=("lost",) * 10, paths=(SEND,)))
    pending = session.triage.send(conv, "still exactly once")
    await settle(session, pending)
    assert pending.state is SendState.SENT, pending.reason
    assert thread_len(server, conv) == before + 1
    assert len(sends(server)) == 3 and {b["local_id"] for b in sends(server)} == {pending.local_id}
    assert pending.message is not None and pending.message.local_id == pending.local_id


async def test_undo_sends_nothing_and_keeps_the_text(session: Session, server: DemoServer) -> None:
    conv = await a_conversation(session, server)
    pending = session.triage.send(conv, "oops, wrong person")
    assert session.triage.undo(pending) is True
    assert pending.state is SendState.UNDONE
    await asyncio.sleep(DELAY * 4)  # past the undo window: the timer must be gone
    await session.triage.outbox.drain()
    assert server.writes == []
    assert session.triage.undo(pending) is False
    draft = await session.triage.load_draft(conv)
    assert draft is not None and draft.text == "oops, wrong person"


async def test_undo_after_it_left_says_so(session: Session, server: DemoServer) -> None:
    conv = await a_conversation(session, server)
    pending = session.triage.send(conv, "gone")
    await settle(session, pending)
    assert session.triage.undo(pending) is False
    assert len(sends(server)) == 1


async def test_refused_send_goes_back_to_the_draft_with_the_reason(
    session: Session, server: DemoServer
) -> None:
    conv = await a_conversation(session, server)
    server.dataset.opted_out.add(conv.contact.lstrip("+"))  # the server refuses (403)
    pending = session.triage.send(conv, "please come back")
    await settle(session, pending)
    assert pending.state is SendState.FAILED
    assert pending.reason and "opted out" in pending.reason
    assert len(sends(server)) == 1  # a refusal is not retried
    draft = await session.triage.load_draft(conv)
    assert draft == Draft(conv.key, "please come back", False, None, pending.reason)


async def test_opted_out_contact_is_refused_before_anything_is_sent(
    session: Session, server: DemoServer
) -> None:
    conv = await a_conversation(session, server)
    server.dataset.opted_out.add(conv.contact.lstrip("+"))
    assert await session.triage.opted_out(conv) is True
    with pytest.raises(WriteRefused, match="opted out"):
        session.triage.send(conv, "hello?")
    assert server.writes == []


@pytest.mark.parametrize("how", ["profile", "no member id"])
async def test_read_only_sends_nothing(server: DemoServer, tmp_path: Path, how: str) -> None:
    if how == "profile":
        s = await open_session(server, tmp_path / "c.sqlite3", read_only=True)
    else:
        s = await open_session(server, tmp_path / "c.sqlite3", member_id=None)
    try:
        reason = s.triage.read_only_reason
        assert reason and ("read-only" in reason if how == "profile" else "member_id" in reason)
        conv = (await listed(s))[0] if how == "profile" else None
        conv = conv or (await s.backend.conversations(Filters()).next_page())[0]
        with pytest.raises(WriteRefused):
            s.triage.send(conv, "no")
        for action in (
            s.triage.set_closed(conv, True),
            s.triage.set_read(conv, True),
            s.triage.assign(conv, Member("1", "Ada Li")),
        ):
            with pytest.raises(WriteRefused):
                await action
        assert await s.triage.members() == [] and await s.triage.templates() == []
    finally:
        await s.close()
    assert server.writes == []


async def test_workspace_is_read_only(server: DemoServer, tmp_path: Path) -> None:
    backend = WorkspaceBackend(
        server.base_url, BearerToken(server.workspace_token), server.workspace_id, settings=FAST
    )
    s = Session(backend, store=await Store.open(tmp_path / "w.sqlite3"))
    await s.open()
    try:
        assert "workspace API has no documented writes" in (s.triage.read_only_reason or "")
        conv = (await backend.conversations(Filters()).next_page())[0]
        server.reset_stats()
        with pytest.raises(WriteRefused):
            s.triage.send(conv, "no")
        with pytest.raises(WriteRefused):
            await s.triage.set_closed(conv, True)
        assert server.stats.requests == 0
    finally:
        await s.close()


async def test_drafts_survive_a_store_reopen(server: DemoServer, tmp_path: Path) -> None:
    path = tmp_path / "drafts.sqlite3"
    first = await open_session(server, path)
    conv = (await listed(first))[0]
    await first.triage.save_draft(Draft(conv.key, "half a thought", True, "https://m/x.png"))
    await first.close()
    second = await open_session(server, path)
    try:
        draft = await second.triage.load_draft(conv)
        assert draft == Draft(conv.key, "half a thought", True, "https://m/x.png")
        await second.triage.save_draft(Draft(conv.key, "  "))  # empty: deleted
        assert await second.triage.load_draft(conv) is None
    finally:
        await second.close()


async def test_closing_in_the_undo_window_sends_nothing(server: DemoServer, tmp_path: Path) -> None:
    path = tmp_path / "quit.sqlite3"
    s = await open_session(server, path, send_delay=30)
    conv = (await listed(s))[0]
    pending = s.triage.send(conv, "typed, then quit")
    await s.close()
    assert pending.state is SendState.FAILED and server.writes == []
    again = await open_session(server, path)
    try:
        draft = await again.triage.load_draft(conv)
        assert draft is not None and draft.text == "typed, then quit"
    finally:
        await again.close()


async def test_close_is_optimistic_and_stored(session: Session, server: DemoServer) -> None:
    conv = await a_conversation(session, server, status="open")
    updated = await session.triage.set_closed(conv, True)
    assert updated.is_closed and updated.status == "closed"
    stored = await session.store.get_conversation(conv.key)
    assert stored is not None and stored.closed is True and stored.status == "closed"
    assert server.dataset.conversation(int(conv.inbox_id or 0), conv.contact).status == "closed"


async def test_close_failure_rolls_back(session: Session, server: DemoServer) -> None:
    conv = await a_conversation(session, server, status="open")
    server.set_faults(FaultConfig(schedule=("500",), paths=(CLOSE,)))
    with pytest.raises(ApiError):
        await session.triage.set_closed(conv, True)
    stored = await session.store.get_conversation(conv.key)
    assert stored is not None and stored.status == "open" and stored.closed is False
    assert server.stats.paths[CLOSE] == 1  # not repeated: it might have been applied


async def test_assign_and_its_rollback(session: Session, server: DemoServer) -> None:
    conv = await a_conversation(session, server)
    members = await session.triage.members()
    demo = server.dataset.conversation(int(conv.inbox_id or 0), conv.contact)
    target = next(m for m in members if conv.inbox_id in m.inbox_ids and m.id != conv.assigned_to)
    server.set_faults(FaultConfig(schedule=("502",), paths=(REASSIGN,)))
    with pytest.raises(ApiError):
        await session.triage.assign(conv, target)
    stored = await session.store.get_conversation(conv.key)
    assert stored is not None and stored.assigned_to == conv.assigned_to
    updated = await session.triage.assign(conv, target)
    assert updated.assigned_to == target.id and demo.assigned == int(target.id)
    stored = await session.store.get_conversation(conv.key)
    assert stored is not None and stored.assigned_to == target.id


async def test_mark_read_and_no_unread(session: Session, server: DemoServer) -> None:
    conv = await a_conversation(session, server)
    demo = server.dataset.conversation(int(conv.inbox_id or 0), conv.contact)
    demo.read = False
    updated = await session.triage.set_read(conv.model_copy(update={"unread": True}), True)
    assert updated.unread is False and demo.read is True
    with pytest.raises(WriteRefused, match="unread"):
        await session.triage.set_read(conv, False)


async def test_templates_and_members(session: Session) -> None:
    templates = await session.triage.templates()
    assert templates and all(t.id and t.name and t.text for t in templates)
    members = {m.id: m for m in await session.triage.members()}
    assert members["7"].name == "Demo User"
    assert members["7"].inbox_ids == frozenset({"413", "414", "415"})
