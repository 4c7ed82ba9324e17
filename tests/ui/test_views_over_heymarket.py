"""The list views over heymarket's conversation list (loopback demo server, member id set):
Open / Closed reach the server as ``filters.closed`` and the status line says so; Mine stays
local. The filter pane reads a number typed in the profile region's format."""

from __future__ import annotations

from typing import Any

from support.recording import Recording
from support.wait import wait_for
from textual.widgets import Input

from inbox_tui.api.auth import BearerToken
from inbox_tui.api.heymarket import HeymarketBackend
from inbox_tui.config import Profile
from inbox_tui.demo.server import DemoServer
from inbox_tui.ui.app import InboxApp

ME = 7


def app_over(server: DemoServer, wire: Recording, **settings: Any) -> InboxApp:
    backend = HeymarketBackend(
        server.base_url, BearerToken(server.heymarket_token), member_id=ME, transport=wire
    )
    return InboxApp(backend, settings=Profile(member_id=ME, **settings))


def status(app: InboxApp) -> str:
    return str(app.status.render())


async def test_open_and_closed_views_ask_the_server(demo_server: DemoServer) -> None:
    wire = Recording("/v1/conversations")
    app = app_over(demo_server, wire)
    async with app.run_test(size=(140, 36)) as pilot:
        await wait_for(pilot, lambda: len(app.conversation_list.conversations) > 5)
        await wait_for(pilot, lambda: not app.conversation_list.is_loading)
        await pilot.press("v")  # Mine: local, the API has no assignee filter
        await wait_for(pilot, lambda: "view: Mine (local)" in status(app))
        sent = len(wire.bodies)
        await pilot.press("v", "v")  # Unassigned, then Open
        await wait_for(pilot, lambda: "view: Open (server)" in status(app))
        await wait_for(pilot, lambda: any(b["filters"].get("closed") is False for b in wire.bodies))
        assert all("closed" not in b["filters"] for b in wire.bodies[:sent])
        await wait_for(pilot, lambda: not app.conversation_list.is_loading)
        assert all(not c.is_closed for c in app.conversation_list.conversations)
        app.triage_keys.run("view:closed")
        await wait_for(pilot, lambda: any(b["filters"].get("closed") is True for b in wire.bodies))
        await wait_for(pilot, lambda: "view: Closed (server)" in status(app))
        await wait_for(
            pilot,
            lambda: (
                bool(app.conversation_list.conversations)
                and all(c.is_closed for c in app.conversation_list.conversations)
            ),
        )
        closed_rows = len(app.conversation_list.conversations)
        assert closed_rows < 60  # the server's closed rows, not one filtered page


async def test_the_pane_reads_a_national_number_with_the_region(demo_server: DemoServer) -> None:
    app = app_over(demo_server, Recording("/v1/conversations"), region="GB")
    async with app.run_test(size=(150, 36)) as pilot:
        await wait_for(pilot, lambda: len(app.conversation_list.conversations) > 0)
        await pilot.press("f")
        await wait_for(pilot, lambda: app.filter_pane is not None and app.filters_open)
        pane = app.filter_pane
        assert pane is not None
        await wait_for(pilot, lambda: bool(pane.query("#contact")))
        field = pane.query_one("#contact", Input)
        assert "GB" in str(field.placeholder)
        field.focus()
        await pilot.press(*"020 8366 1177", "enter")
        await wait_for(pilot, lambda: app.filters.contact == "+442083661177")
