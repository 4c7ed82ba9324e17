"""``/`` in an open thread searches that conversation like a pager: matches highlighted,
``n`` walks to older matches loading older pages (with progress), ``N`` comes back, esc
clears. In the list, ``/`` is still the full-text search."""

from __future__ import annotations

from typing import Any

from support.fake_backend import FakeBackend, loaded, make_app
from support.wait import settle

from inbox_tui.ui.screens.search import SearchScreen
from inbox_tui.ui.screens.thread_search import ThreadSearchPrompt
from inbox_tui.ui.widgets.thread_layout import split_matches

MATCHES = (395, 300, 5)  # message numbers (of 400) whose text mentions a refund


def long_thread_backend() -> FakeBackend:
    backend = FakeBackend(3, per_thread=400, thread_page_size=25)
    conv = backend.all_conversations()[0]
    thread = backend.messages_of(conv.key)
    for n in MATCHES:
        thread[n] = thread[n].model_copy(update={"body": f"About my REFUND for order {n}"})
    return backend


async def test_slash_n_and_shift_n_walk_matches_through_a_long_thread() -> None:
    app = make_app(long_thread_backend())
    progress: list[str] = []
    async with app.run_test(size=(120, 36)) as pilot:
        original = app.status.set_search

        def record(text: str) -> None:
            progress.append(text)
            original(text)

        app.status.set_search = record  # type: ignore[method-assign]
        await settle(pilot, loaded(app, 3))
        await pilot.press("enter")
        view = app.thread
        await settle(pilot, lambda: len(view.messages) >= 25 and not view.fetching)
        assert len(view.messages) < 100  # the old matches are not loaded yet

        await pilot.press("slash")
        await settle(pilot, lambda: isinstance(app.screen, ThreadSearchPrompt))
        await pilot.press(*"refund", "enter")
        await settle(pilot, lambda: view.selected_message.id == "m0-395")
        assert view.search_term == "refund"

        await pilot.press("n")
        await settle(pilot, lambda: view.selected_message.id == "m0-300")
        await pilot.press("n")
        await settle(pilot, lambda: view.selected_message.id == "m0-5", timeout=20)
        assert any(p.startswith("searching older… ") and "messages" in p for p in progress)
        assert "/refund" in app.status.render_text().plain
        await pilot.press("n")  # nothing older: stays, says so
        await settle(pilot, lambda: not view.fetching)
        assert view.selected_message.id == "m0-5"

        await pilot.press("N")
        await settle(pilot, lambda: view.selected_message.id == "m0-300")

        await pilot.press("escape")  # clears the search, stays in the thread
        await settle(pilot, lambda: view.search_term is None)
        assert app.focused is view
        assert app.status.search == ""


async def test_slash_in_the_list_is_still_the_full_text_search() -> None:
    app = make_app(long_thread_backend())
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, loaded(app, 3))
        await pilot.press("slash")
        await settle(pilot, lambda: isinstance(app.screen, SearchScreen))


def test_occurrences_are_marked_case_insensitively() -> None:
    parts: list[tuple[str, Any]] = split_matches("A Refund, a REFUND", "refund")
    assert [p for p, hit in parts if hit] == ["Refund", "REFUND"]
    assert split_matches("nothing here", "refund") == [("nothing here", False)]
