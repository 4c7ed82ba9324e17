"""The filter pane: server/local labelling, validation, reloads, real query parameters."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from support.fake_backend import FakeBackend, make_app
from support.wait import wait_for

from inbox_tui.filters import FILTER_FIELDS, Filters
from inbox_tui.models import Direction
from inbox_tui.ui.app import InboxApp
from inbox_tui.ui.widgets.filter_pane import FilterPane


def ready(app: InboxApp):  # type: ignore[no-untyped-def]
    return lambda: not app.conversation_list.is_loading and app.focused is not None


class RecordingTransport(httpx.AsyncBaseTransport):
    """Passes requests to the real loopback transport and remembers their URLs."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.urls: list[httpx.URL] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(request.url)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture
def workspace(demo_server) -> Iterator[tuple[object, RecordingTransport]]:  # type: ignore[no-untyped-def]
    from inbox_tui.api.auth import BearerToken
    from inbox_tui.api.workspace import WorkspaceBackend

    transport = RecordingTransport()
    backend = WorkspaceBackend(
        demo_server.base_url,
        BearerToken(demo_server.workspace_token),
        demo_server.workspace_id,
        transport=transport,
    )
    yield backend, transport


async def test_outbound_failed_filter_goes_to_the_server(workspace) -> None:  # type: ignore[no-untyped-def]
    backend, transport = workspace
    app = make_app(backend)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(pilot, ready(app))
        assert app.filter_pane is None  # built on first use
        await pilot.press("f")
        await wait_for(
            pilot, lambda: app.filter_pane is not None and app.filter_pane.has_focus_within
        )
        pane = app.filter_pane
        assert app.conversation_list.display  # wide terminal: docked beside the list
        # Keyboard only: outbound in the direction set, "failed" in the status list.
        await pilot.press("down", "down", "enter", "tab")
        await pilot.press(*["down"] * 5, "space")
        transport.urls.clear()
        await wait_for(pilot, lambda: app.filters.statuses == {"failed"})
        assert app.filters.direction == Direction.OUTBOUND
        await wait_for(pilot, ready(app))
        listing = [u for u in transport.urls if u.path.endswith("/messages")]
        assert any(
            u.params.get("direction") == "outbound" and u.params.get("status") == "failed"
            for u in listing
        ), listing
        rows = app.conversation_list.conversations
        assert rows, "the demo data has failed outbound messages"
        for row in rows:
            assert row.last_message is not None
            assert row.last_message.direction == Direction.OUTBOUND
            assert row.last_message.status == "failed"
        status = str(app.status.render())
        assert "direction" in status and "status" in status and "(local)" not in status
        assert "(server)" in str(pane.query_one("#tag-direction").render())


async def test_local_fields_are_labelled_and_counted_as_local(workspace) -> None:  # type: ignore[no-untyped-def]
    backend, _ = workspace
    app = make_app(backend)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(pilot, ready(app))
        await pilot.press("f")
        await wait_for(pilot, lambda: app.filter_pane is not None)
        pane = app.filter_pane
        await wait_for(pilot, lambda: "(local)" in str(pane.query_one("#tag-text").render()))
        assert "(local)" in str(pane.query_one("#tag-flagged_only").render())
        assert "(server)" in str(pane.query_one("#tag-direction").render())
        pane.query_one("#text").focus()
        await pilot.press(*"order", "enter")
        await wait_for(pilot, lambda: app.filters.text == "order")
        await wait_for(pilot, ready(app))
        assert "text (local)" in str(app.status.render())
        for row in app.conversation_list.conversations:
            assert "order" in row.last_message.body.lower()


async def test_invalid_date_shows_inline_error_and_applies_nothing() -> None:
    backend = FakeBackend(20)
    app = make_app(backend)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, ready(app))
        await pilot.press("f")
        await wait_for(pilot, lambda: app.filter_pane is not None)
        pane = app.filter_pane
        await pilot.pause()
        pane.query_one("#after").focus()
        await pilot.press(*"2024-13-45", "enter")
        error = pane.query_one("#error-after")
        await wait_for(pilot, lambda: error.display and "not a date" in str(error.render()))
        assert app.filters == Filters()
        # Fixing it applies; after >= before is refused inline too.
        await pilot.press(*["backspace"] * 10, *"2026-03-01", "enter")
        await wait_for(pilot, lambda: app.filters.after is not None)
        assert not error.display
        pane.query_one("#before").focus()
        await pilot.press(*"2026-02-01", "enter")
        await wait_for(pilot, lambda: "later than" in str(pane.query_one("#error-before").render()))
        assert app.filters.before is None
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: app.filters == Filters())
        await pilot.press("escape")
        await wait_for(pilot, lambda: not app.filters_open)
        assert app.focused is app.conversation_list


async def test_changing_filters_cancels_the_load_in_flight() -> None:
    backend = FakeBackend(60, page_size=10)
    app = make_app(backend)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, ready(app))
        backend.gate = asyncio.Event()  # the next page hangs
        app.apply_filters(Filters(direction=Direction.INBOUND, flagged_only=True))
        await wait_for(pilot, lambda: app.conversation_list.is_loading)
        app.apply_filters(Filters(statuses=frozenset({"failed"})))
        await pilot.pause()
        backend.gate.set()
        await wait_for(pilot, ready(app))
        rows = app.conversation_list.conversations
        assert rows and all(r.has_failed for r in rows)
        keys = [r.key for r in rows]
        assert len(keys) == len(set(keys))


async def test_narrow_filter_pane_replaces_the_list() -> None:
    app = make_app(FakeBackend(10))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, ready(app))
        await pilot.press("f")
        await wait_for(pilot, lambda: app.filter_pane.region.width >= 70)
        assert app.conversation_list.region.width == 0
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.conversation_list.region.width >= 70)
        assert isinstance(app.filter_pane, FilterPane) and app.filter_pane.region.width == 0
        await pilot.press("f")  # reopening reuses the pane and keeps its fields
        await wait_for(
            pilot, lambda: len(app.query(FilterPane)) == 1 and app.filter_pane.region.width >= 70
        )


async def test_enter_in_the_status_list_applies_without_toggling() -> None:
    """``f``, ``tab``, down to "failed", ``space`` marks it; ``enter`` applies the pane as
    its hint says (it used to toggle the status back off first)."""
    app = make_app(FakeBackend(20))
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(pilot, ready(app))
        await pilot.press("f")
        await wait_for(
            pilot, lambda: app.filter_pane is not None and app.filter_pane.has_focus_within
        )
        await pilot.press("tab", *["down"] * 5, "space", "enter")
        await wait_for(pilot, lambda: app.filters.statuses == {"failed"})
        statuses = app.filter_pane.query_one("#statuses")
        assert list(statuses.selected) == ["failed"]  # type: ignore[attr-defined]
        await pilot.pause(0.6)  # past the debounce: nothing toggles it back
        assert app.filters.statuses == {"failed"}


async def test_flagged_checkbox_enter_applies_and_space_toggles() -> None:
    app = make_app(FakeBackend(20))
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(pilot, ready(app))
        await pilot.press("f")
        await wait_for(pilot, lambda: app.filter_pane is not None)
        box = app.filter_pane.query_one("#flagged_only")
        box.focus()
        await pilot.press("space", "enter")
        await wait_for(pilot, lambda: app.filters.flagged_only)
        assert box.value  # type: ignore[attr-defined]


async def test_a_contact_name_matches_locally() -> None:
    """The contact field's placeholder says "number or name": a name matches the
    conversations whose contact has it (issue 14, item 2)."""
    server_fields = set(FILTER_FIELDS) - {"contact"}  # as heymarket: contact is local
    app = make_app(FakeBackend(21, server_fields=server_fields))
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(pilot, ready(app))
        app.apply_filters(Filters(contact="zoë"))
        await wait_for(pilot, lambda: bool(app.conversation_list.conversations))
        await wait_for(pilot, ready(app))
        rows = app.conversation_list.conversations
        assert rows and {r.name for r in rows} == {"Zoë Ångström"}
        assert "(local)" in str(app.status.render())


async def test_a_name_never_reaches_the_workspace_server(workspace) -> None:  # type: ignore[no-untyped-def]
    """Workspace's ``from``/``to`` take only numbers: a name is matched locally (workspace
    rows carry no names, so nothing matches), with no HTTP 400 and no banner; a whole
    number still goes to the server."""
    backend, transport = workspace
    app = make_app(backend)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(pilot, lambda: bool(app.conversation_list.conversations))
        number = app.conversation_list.conversations[0].contact
        transport.urls.clear()
        app.apply_filters(Filters(contact="Morgan"))
        await wait_for(pilot, lambda: bool(transport.urls))
        await wait_for(pilot, lambda: not app.conversation_list.is_loading)
        await pilot.pause(0.2)
        assert not app.banner.showing, app.banner.message
        assert all("from" not in u.params and "to" not in u.params for u in transport.urls)
        assert "(local)" in str(app.status.render())
        transport.urls.clear()
        app.apply_filters(Filters(contact=number))
        await wait_for(pilot, lambda: any("from" in u.params for u in transport.urls))


async def test_a_date_error_is_whole_and_in_view_in_the_docked_pane() -> None:
    app = make_app(FakeBackend(10))
    async with app.run_test(size=(160, 30)) as pilot:
        await wait_for(pilot, ready(app))
        await pilot.press("f")
        await wait_for(pilot, lambda: app.filter_pane is not None)
        app.filter_pane.query_one("#after").value = "last tuesday"  # type: ignore[attr-defined]
        app.filter_pane.action_apply()
        label = app.filter_pane.query_one("#error-after")
        await wait_for(pilot, lambda: label.display and label.region.height > 0)
        await pilot.pause(0.2)
        text = str(label.render())
        assert "ISO 8601" in text and "last tuesday" in text
        assert label.region.height * label.region.width >= len(text)  # wrapped, not cut
        assert app.filter_pane.region.contains_region(label.region)  # in view
