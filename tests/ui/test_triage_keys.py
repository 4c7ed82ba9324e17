"""Triage from the keyboard (issue 12, UI half): compose, undo, drafts, conversation
actions with rollback, read-only, views and the refresh key, over an in-memory
TriageActions (tests/support/fake_triage.py)."""

from __future__ import annotations

import asyncio

from support.fake_backend import FakeBackend, loaded, make_app
from support.fake_triage import FakeTriage
from support.wait import settle, wait_for

from inbox_tui.core.triage import Draft
from inbox_tui.errors import ServerError, WriteRefused
from inbox_tui.ui.app import InboxApp
from inbox_tui.ui.screens.triage_pickers import MemberPicker, TemplatePicker
from inbox_tui.ui.widgets.compose import Compose

SIZE = (120, 36)


def triage_app(triage: FakeTriage, conversations: int = 10) -> InboxApp:
    app = make_app(FakeBackend(conversations))
    app.session.triage = triage
    return app


def notes(app: InboxApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


def info(app: InboxApp) -> str:
    return str(app.query_one("#compose-info").render())


async def open_thread(pilot, index: int = 0) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    await wait_for(pilot, loaded(app, index + 1))
    app.conversation_list.select(index)
    await pilot.press("enter")
    await wait_for(pilot, lambda: app.thread.conversation is not None)
    await wait_for(pilot, lambda: app.focused is app.thread)


async def open_compose(pilot, key: str = "r") -> Compose:  # type: ignore[no-untyped-def]
    app = pilot.app
    await pilot.press(key)
    await wait_for(pilot, lambda: bool(app.query(Compose)))
    compose = app.query_one(Compose)
    await wait_for(pilot, lambda: app.focused is app.query_one("#compose-text"))
    return compose


async def test_r_opens_compose_and_typing_updates_the_counter() -> None:
    app = triage_app(FakeTriage())
    async with app.run_test(size=SIZE) as pilot:
        await open_thread(pilot)
        compose = await open_compose(pilot)
        assert not compose.private
        assert "0 segments · 0/160" in info(app)
        await pilot.press(*"hello")
        await settle(pilot, lambda: "1 segment · 5/160" in info(app))
        compose.insert("x" * 200)
        await settle(pilot, lambda: "2 segments · 205/306" in info(app))
        compose.insert("😀")
        await settle(pilot, lambda: "UCS-2" in info(app))


async def test_ctrl_s_shows_the_message_as_sending_and_u_undoes_it() -> None:
    triage = FakeTriage(send_delay=60)
    app = triage_app(triage)
    async with app.run_test(size=SIZE) as pilot:
        await open_thread(pilot)
        await open_compose(pilot)
        await pilot.press(*"on my way")
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: not app.query(Compose))
        shown = app.thread.messages[-1]
        assert (shown.body, shown.status) == ("on my way", "waiting")
        assert any("u undoes" in note for note in notes(app))
        assert app.focused is app.thread
        await pilot.press("u")
        await settle(pilot, lambda: all(m.body != "on my way" for m in app.thread.messages))
        assert triage.sent == []
        assert ("undo", "local-1") in triage.calls
        # The text comes back: compose reopens with it, and it is the draft.
        await wait_for(pilot, lambda: bool(app.query(Compose)))
        await wait_for(pilot, lambda: app.query_one(Compose).text == "on my way")
        assert triage.sent == []


async def test_a_send_left_after_the_window_shows_the_servers_copy_once() -> None:
    triage = FakeTriage(send_delay=0.05)
    app = triage_app(triage)
    async with app.run_test(size=SIZE) as pilot:
        await open_thread(pilot)
        key = app.thread.conversation.key  # type: ignore[union-attr]
        triage.drafts[key] = Draft(key, "draft text")
        compose = await open_compose(pilot)
        assert compose.text == "draft text"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: len(triage.sent) == 1)
        await settle(pilot, lambda: app.thread.messages[-1].status == "sent")
        assert [m.body for m in app.thread.messages].count("draft text") == 1
        assert key not in triage.drafts  # the text travelled with the send
        await pilot.press("u")
        await settle(pilot, lambda: "Nothing to undo" in notes(app))


async def test_esc_keeps_a_draft_per_conversation_and_reopening_restores_it() -> None:
    triage = FakeTriage()
    app = triage_app(triage)
    async with app.run_test(size=SIZE) as pilot:
        await open_thread(pilot)
        key = app.thread.conversation.key  # type: ignore[union-attr]
        await open_compose(pilot, "p")
        await pilot.press(*"call her")
        await pilot.press("escape")
        await settle(pilot, lambda: not app.query(Compose) and key in triage.drafts)
        assert triage.drafts[key] == Draft(key, "call her", private=True)
        assert triage.writes == []
        assert app.focused is app.thread
        compose = await open_compose(pilot, "p")
        assert compose.text == "call her" and compose.private
        await pilot.press("escape")
        # Another conversation has its own (empty) draft.
        await settle(pilot, lambda: not app.query(Compose))
        app.conversation_list.focus()
        await open_thread(pilot, 1)
        compose = await open_compose(pilot)
        assert compose.text == ""


async def test_opening_another_conversation_closes_compose_keeping_its_draft() -> None:
    triage = FakeTriage()
    app = triage_app(triage)
    async with app.run_test(size=SIZE) as pilot:
        await open_thread(pilot)
        key = app.thread.conversation.key  # type: ignore[union-attr]
        await open_compose(pilot)
        await pilot.press(*"half written")
        app.conversation_list.select(2)
        app.conversation_list.action_open()
        await settle(pilot, lambda: not app.query(Compose) and key in triage.drafts)
        assert triage.drafts[key].text == "half written"
        assert app.thread.conversation.key != key  # type: ignore[union-attr]


async def test_a_failed_send_leaves_the_text_in_the_draft_with_the_reason() -> None:
    triage = FakeTriage(send_delay=0.01)
    triage.failures["send"] = RuntimeError("carrier rejected the message")
    app = triage_app(triage)
    async with app.run_test(size=SIZE) as pilot:
        await open_thread(pilot)
        key = app.thread.conversation.key  # type: ignore[union-attr]
        await open_compose(pilot)
        await pilot.press(*"hello")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: key in triage.drafts)
        assert triage.drafts[key].text == "hello"
        assert all(m.body != "hello" for m in app.thread.messages)
        assert any("carrier rejected" in note for note in notes(app))
        compose = await open_compose(pilot)
        assert compose.text == "hello"
        reason = str(app.query_one("#compose-reason").render())
        assert "carrier rejected" in reason


async def test_an_opted_out_contact_is_marked_and_sending_is_refused() -> None:
    triage = FakeTriage()
    app = triage_app(triage)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(app))
        triage.opted_out_keys.add(app.conversation_list.conversations[0].key)
        await open_thread(pilot)
        await open_compose(pilot)
        assert "opted out" in str(app.query_one("#compose-header").render())
        await pilot.press(*"hi")
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: "opted out" in str(app.query_one("#compose-reason").render()))
        assert triage.sent == [] and app.query(Compose)  # still there, text kept
        assert app.query_one(Compose).text == "hi"


async def test_close_is_optimistic_and_rolls_back_when_the_server_refuses() -> None:
    triage = FakeTriage()
    triage.gate = asyncio.Event()
    app = triage_app(triage)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(app))
        first = app.conversation_list.conversations[0]
        await pilot.press("c")
        await settle(pilot, lambda: app.conversation_list.conversations[0].closed)
        triage.gate.set()
        await wait_for(pilot, lambda: triage.finished == 1)
        assert ("set_closed", (first.key, True, "closed")) in triage.calls
        assert app.conversation_list.conversations[0].status == "closed"
        # Reopen fails: the row goes back to closed, with a notification.
        triage.gate = asyncio.Event()
        triage.failures["set_closed"] = ServerError("upstream broke", status=503)
        await pilot.press("c")
        await settle(pilot, lambda: not app.conversation_list.conversations[0].closed)
        triage.gate.set()
        await settle(pilot, lambda: app.conversation_list.conversations[0].closed)
        assert any("Reopen failed" in note for note in notes(app))


async def test_mark_read_where_the_api_cannot_rolls_back_and_says_so() -> None:
    triage = FakeTriage()
    triage.failures["set_read"] = WriteRefused("this API has no documented mark-read")
    app = triage_app(triage)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(app, 2))
        app.conversation_list.select(1)
        before = app.conversation_list.conversations[1].unread
        await pilot.press("m")
        await settle(pilot, lambda: any("no documented mark-read" in n for n in notes(app)))
        assert app.conversation_list.conversations[1].unread == before
        assert [name for name, _ in triage.calls if name == "set_read"] == ["set_read"]


async def test_a_assigns_from_the_member_picker() -> None:
    triage = FakeTriage()
    app = triage_app(triage)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(app))
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, MemberPicker))
        await pilot.press("j", "enter")
        await settle(pilot, lambda: app.conversation_list.conversations[0].assigned_to == "8")
        key = app.conversation_list.conversations[0].key
        await wait_for(pilot, lambda: ("assign", (key, "8")) in triage.calls)
        # The badge names the member.
        await settle(
            pilot, lambda: "@Sam" in "".join(str(app.conversation_list.render_line(0).text))
        )


async def test_a_failed_assign_rolls_back() -> None:
    triage = FakeTriage()
    triage.failures["assign"] = ServerError("nope", status=500)
    app = triage_app(triage)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(app))
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, MemberPicker))
        await pilot.press("enter")
        await settle(pilot, lambda: any("Assign failed" in n for n in notes(app)))
        assert app.conversation_list.conversations[0].assigned_to is None


async def test_read_only_shows_the_reason_and_attempts_nothing() -> None:
    triage = FakeTriage(read_only_reason="the workspace API has no documented writes")
    app = triage_app(triage)
    async with app.run_test(size=SIZE) as pilot:
        await open_thread(pilot)
        assert "read-only" in str(app.header.render())
        for key in ("r", "p", "c", "m", "a"):
            await pilot.press(key)
            await pilot.pause()
        assert not app.query(Compose)
        assert not isinstance(app.screen, MemberPicker)
        assert sum("no documented writes" in note for note in notes(app)) == 5
        assert triage.writes == []
        assert not [c for c in triage.calls if c[0] in {"load_draft", "save_draft"}]


async def test_ctrl_t_inserts_a_template_with_merge_tokens_filled() -> None:
    triage = FakeTriage()
    app = triage_app(triage)
    async with app.run_test(size=SIZE) as pilot:
        await open_thread(pilot)  # the first fake contact is "Ada Li"
        compose = await open_compose(pilot)
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: isinstance(app.screen, TemplatePicker))
        await pilot.press("enter")
        await settle(pilot, lambda: compose.text.startswith("Hi Ada, your order"))
        assert "{{" not in compose.text


async def test_views_filter_the_listed_conversations() -> None:
    triage = FakeTriage()
    app = triage_app(triage, conversations=12)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(app, 12))
        await pilot.press("c")  # close the first
        await settle(
            pilot,
            lambda: (
                ("set_closed", (app.conversation_list.conversations[0].key, True, "closed"))
                in triage.calls
            ),
        )
        # The fake write path does not reach the fake server; Open / Closed now reload the
        # list from it (the server filters where it can), so close it there too.
        server = app.session.backend
        first = server.all_conversations()[0]
        server.all_conversations()[0] = first.model_copy(update={"closed": True})
        await pilot.press("v", "v")  # All → (Mine: skipped, no member id) Unassigned → Open
        await settle(pilot, lambda: app.triage_keys.view.value == "open")
        await wait_for(pilot, lambda: len(app.conversation_list.conversations) == 11)
        assert "view: Open" in str(app.status.render())
        app.triage_keys.run("view:closed")
        await wait_for(pilot, lambda: len(app.conversation_list.conversations) == 1)
        assert app.conversation_list.conversations[0].closed
        app.triage_keys.run("view:all")
        await wait_for(pilot, lambda: len(app.conversation_list.conversations) == 12)


async def test_ctrl_r_and_f5_refresh_the_list() -> None:
    backend = FakeBackend(10)
    app = make_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, loaded(app))
        await wait_for(pilot, lambda: not app.conversation_list.is_loading)
        pages = sum(1 for call in backend.calls if call[0] == "next_page")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: sum(1 for c in backend.calls if c[0] == "next_page") > pages)
        pages = sum(1 for call in backend.calls if call[0] == "next_page")
        await pilot.press("f5")
        await wait_for(pilot, lambda: sum(1 for c in backend.calls if c[0] == "next_page") > pages)


def test_the_assign_picker_offers_only_members_of_the_conversations_inbox() -> None:
    from inbox_tui.core.triage import Member
    from inbox_tui.ui.triage_keys import members_of_inbox

    team = [
        Member("1", "Ada", frozenset({"413"})),
        Member("2", "Sam", frozenset({"414"})),
        Member("3", "Unknown inboxes"),
    ]
    assert [m.name for m in members_of_inbox(team, "413")] == ["Ada", "Unknown inboxes"]
    assert members_of_inbox(team, None) == team
