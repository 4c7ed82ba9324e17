"""Small UI fixes around the cache work: the direction choice without colour, HTTP
retries in the header, filters re-highlighting the open thread."""

from __future__ import annotations

from pathlib import Path

from support.cached_app import backend_for, store_factory
from support.wait import settle

from inbox_tui.core.offline import CacheOnlyBackend
from inbox_tui.demo.faults import FaultConfig
from inbox_tui.demo.server import DemoServer
from inbox_tui.filters import Filters
from inbox_tui.models import Direction
from inbox_tui.ui.app import InboxApp
from inbox_tui.ui.widgets.status_bar import Connection


async def test_direction_choice_is_visible_without_colour() -> None:
    from inbox_tui.ui.widgets.filter_pane import ChoiceButton

    app = InboxApp(CacheOnlyBackend(), offline=True)
    async with app.run_test(size=(150, 40)) as pilot:
        await pilot.press("f")
        await settle(pilot, lambda: app.filter_pane is not None)
        await pilot.pause()

        def marks() -> list[str]:
            assert app.filter_pane is not None
            return [b._button.plain for b in app.filter_pane.query(ChoiceButton)]

        assert marks() == ["▐●▌", "▐ ▌", "▐ ▌"]
        await pilot.press("down")  # the radio set has focus: move to "inbound"
        await pilot.press("enter")
        await settle(pilot, lambda: marks() == ["▐ ▌", "▐●▌", "▐ ▌"])


async def test_http_retry_shows_in_the_header_then_connected() -> None:
    states: list[tuple[Connection, str]] = []
    faults = FaultConfig(schedule=("429",), retry_after=0.2)
    with DemoServer(faults=faults) as srv:
        app = InboxApp(backend_for(srv), profile_name="t")
        async with app.run_test(size=(120, 36)) as pilot:
            original = app.header.set_state

            def record(state: Connection, detail: str = "") -> None:
                states.append((state, detail))
                original(state, detail)

            app.header.set_state = record  # type: ignore[method-assign]
            await settle(pilot, lambda: len(app.conversation_list.conversations) > 0)
            await settle(pilot, lambda: app.header.state is Connection.CONNECTED)
    retrying = [d for s, d in states if s is Connection.RETRYING]
    assert retrying and "429" in retrying[0], states
    assert states[-1][0] is Connection.CONNECTED


async def test_changing_filters_rehighlights_the_open_thread() -> None:
    with DemoServer() as srv:
        app = InboxApp(backend_for(srv), profile_name="t", store=store_factory("hl"))
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot, lambda: len(app.conversation_list.conversations) > 0)
            await pilot.press("enter")
            await settle(pilot, lambda: len(app.thread.messages) > 0)
            assert app.thread._highlight is None
            filters = Filters(direction=Direction.INBOUND)
            app.apply_filters(filters)
            await settle(pilot, lambda: app.thread._highlight == filters)
            app.apply_filters(Filters())
            await settle(pilot, lambda: app.thread._highlight is None)


async def test_cache_limit_evicts_at_start_but_never_the_open_thread(tmp_path: Path) -> None:
    from support.messages import contact_of, msg

    from inbox_tui.config import Profile
    from inbox_tui.store import Store

    path = tmp_path / "limit.sqlite3"
    store = await Store.open(path)
    filler = "lorem ipsum dolor sit amet " * 12
    for conv in range(40):
        await store.upsert_messages(
            [msg(conv, n, seconds=conv * 10_000 + n, body=f"{filler} {n}") for n in range(150)]
        )
    total = await store.count_messages()
    oldest = contact_of(0)  # the least recently active thread: evicted first
    app = InboxApp(CacheOnlyBackend(), offline=True, store=store, settings=Profile(cache_max_mb=1))
    app.enforce_delay = 60  # the test triggers it with the thread open
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, lambda: len(app.conversation_list.conversations) >= 20)
        opened = next(c for c in await store.conversation_page(limit=100) if c.key == oldest)
        app.open_conversation(opened)
        await settle(pilot, lambda: len(app.thread.messages) > 0)
        worker = app.background.start_upkeep()  # what the start-up timer calls
        assert worker is not None
        await worker.wait()
        assert await store.count_messages() < total
        assert await store.count_messages(oldest) == 150
