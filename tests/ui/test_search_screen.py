"""The search screen over a real SQLite cache: live debounced results, literal highlighted
text (never markup), hostile queries, enter opens the message in its thread, esc closes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support.messages import contact_of, msg
from support.wait import settle
from textual.widgets import Input

from inbox_tui.core.offline import CacheOnlyBackend
from inbox_tui.store import Store, ThreadState
from inbox_tui.store.codec import MessagePosition
from inbox_tui.ui.app import InboxApp
from inbox_tui.ui.screens.search import MATCH_STYLE, SearchScreen, hit_text


@pytest.fixture
async def store(store: Store) -> Store:
    """The shared cache with 30 conversations."""
    s = store
    await s.upsert_messages([msg(c, 0, seconds=c * 100, name=f"Person {c}") for c in range(30)])
    # Conversation 4: a long thread with one needle deep inside it.
    thread = [msg(4, n, seconds=400 + n) for n in range(1, 300)]
    thread[40] = msg(4, 41, seconds=441, body="the [bold]zebra[/bold] crossing at 5pm")
    await s.upsert_messages(thread)
    first, last = msg(4, 0, seconds=400), thread[-1]
    await s.set_thread_state(
        ThreadState(contact_of(4), MessagePosition.of(first), MessagePosition.of(last), True)
    )
    return s


def cache_app(store: Store) -> InboxApp:
    return InboxApp(CacheOnlyBackend(), profile_name="t", offline=True, store=store)


async def open_search(app: InboxApp, pilot: Any) -> SearchScreen:
    await settle(pilot, lambda: len(app.conversation_list.conversations) > 0)
    await pilot.press("slash")
    await settle(pilot, lambda: isinstance(app.screen, SearchScreen))
    assert isinstance(app.screen, SearchScreen)
    return app.screen


async def test_enter_opens_the_hit_deep_in_its_thread(store: Store) -> None:
    app = cache_app(store)
    async with app.run_test(size=(110, 32)) as pilot:
        screen = await open_search(app, pilot)
        await pilot.press(*"zebra")
        await settle(pilot, lambda: len(screen.hits) == 1)
        assert screen.searches <= 2  # debounced: not one query per key
        text = hit_text(screen.hits[0], "1m")
        assert "[bold]zebra[/bold]" in text.plain  # the body, literally
        marked = [text.plain[s.start : s.end] for s in text.spans if s.style == MATCH_STYLE]
        assert marked == ["zebra"]
        await pilot.press("enter")
        await settle(pilot, lambda: not isinstance(app.screen, SearchScreen))
        await settle(
            pilot,
            lambda: (
                app.thread.selected_message is not None
                and app.thread.selected_message.id == "c4-m41"
            ),
        )
        # The neighbourhood is shown, and the newer messages load after it without dupes.
        await settle(pilot, lambda: app.thread.messages[-1].id == "c4-m299")
        ids = [m.id for m in app.thread.messages]
        assert len(ids) == len(set(ids))
        assert app.thread.selected_message.id == "c4-m41"


@pytest.mark.parametrize(
    "query", ['"', "AND OR NOT", "zeb*", "((", "NEAR(", "'; DROP TABLE messages; --", "ünï😀"]
)
async def test_hostile_queries_never_crash(store: Store, query: str) -> None:
    searched: list[str] = []
    search = store.search

    async def recording(text: str, **kw: Any) -> Any:
        try:
            return await search(text, **kw)
        finally:
            searched.append(text)

    store.search = recording  # type: ignore[method-assign]
    app = cache_app(store)
    async with app.run_test(size=(110, 32)) as pilot:
        screen = await open_search(app, pilot)
        await pilot.press(*query)
        typed = screen.query_one("#search-query", Input).value
        assert typed.strip()
        # The debounced search of the whole typed text has run (and shown its outcome).
        await settle(pilot, lambda: typed in searched)
        info = str(screen.query_one("#search-info").render())
        assert "failed" not in info
        assert app.is_running


async def test_esc_closes_and_no_results_are_said(store: Store) -> None:
    app = cache_app(store)
    async with app.run_test(size=(110, 32)) as pilot:
        screen = await open_search(app, pilot)
        await pilot.press(*"qqqxyz")
        await settle(
            pilot, lambda: "no cached message" in str(screen.query_one("#search-info").render())
        )
        await pilot.press("escape")
        await settle(pilot, lambda: not isinstance(app.screen, SearchScreen))
        assert app.thread.conversation is None


async def test_results_list_and_arrow_keys(store: Store) -> None:
    app = cache_app(store)
    async with app.run_test(size=(110, 32)) as pilot:
        screen = await open_search(app, pilot)
        await pilot.press(*"person")
        await settle(pilot, lambda: len(screen.hits) >= 10)
        await pilot.press("down", "down", "down")
        chosen = screen.hits[screen.results.highlighted or 0]
        await pilot.press("enter")
        await settle(
            pilot,
            lambda: (
                app.thread.selected_message is not None
                and app.thread.selected_message.id == chosen.message_id
            ),
        )


async def test_ctrl_t_filters_the_list_by_the_text_instead(store: Store) -> None:
    app = cache_app(store)
    async with app.run_test(size=(110, 32)) as pilot:
        await open_search(app, pilot)
        await pilot.press(*"thread 4", "ctrl+t")
        await settle(pilot, lambda: not isinstance(app.screen, SearchScreen))
        assert app.filters.text == "thread 4"
        await settle(
            pilot,
            lambda: [c.key for c in app.conversation_list.conversations] == [contact_of(4)],
        )


def test_search_screen_snapshot(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The offline app over a small cache, "/" with a query whose hits carry markup-like
    text: the picture shows the literal text with the matches highlighted."""
    from datetime import UTC, datetime

    async def open_store() -> Store:
        s = await Store.open(tmp_path / "snap.sqlite3")
        await s.upsert_messages(
            [msg(c, 0, seconds=c * 100, name=f"Person {c}") for c in range(12)]
            + [msg(3, 1, seconds=350, body="your [red]order[/red] #4412 shipped today")]
        )
        return s

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await settle(pilot, lambda: len(app.conversation_list.conversations) > 0)
        await pilot.press("slash")
        await settle(pilot, lambda: isinstance(app.screen, SearchScreen))
        await pilot.press(*"order ship")
        await settle(pilot, lambda: bool(app.screen.hits))
        await pilot.pause()

    app = InboxApp(
        CacheOnlyBackend(),
        profile_name="snap",
        offline=True,
        store=open_store,
        clock=lambda: datetime(2025, 6, 1, 13, 0, tzinfo=UTC),
        tz=UTC,
    )
    assert snap_compare(app, terminal_size=(100, 24), run_before=run_before)
