"""Errors from workers become a banner with the request id and a retry; the app lives on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.fake_backend import FakeBackend, make_app
from support.wait import wait_for

from inbox_tui.errors import NetworkError, ServerError
from inbox_tui.ui.app import InboxApp
from inbox_tui.ui.widgets.status_bar import Connection


def listed(app: InboxApp):  # type: ignore[no-untyped-def]
    return lambda: (
        bool(app.conversation_list.conversations) and not app.conversation_list.is_loading
    )


def screen_text(app: InboxApp) -> str:
    """What the terminal shows now, as plain text."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_list_error_shows_request_id_and_retry_recovers() -> None:
    backend = FakeBackend(20)
    backend.errors["next_page"] = [ServerError("upstream broke", status=500, request_id="req-42")]
    app = make_app(backend)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.banner.showing)
        assert app.banner.message == "Server error (HTTP 500): upstream broke [request id req-42]"
        assert app.header.state is Connection.ERROR
        await pilot.pause()  # the banner paints on the next refresh
        assert "request id req-42" in screen_text(app)
        assert "Traceback" not in screen_text(app)
        await pilot.press("ctrl+r")
        await wait_for(pilot, listed(app))
        assert not app.banner.showing
        assert app.header.state is Connection.CONNECTED
        assert app.is_running


async def test_unexpected_exception_is_contained_and_secret_free() -> None:
    backend = FakeBackend(20)
    backend.errors["next_page"] = [RuntimeError("Authorization: Bearer sekrit-token-123")]
    app = make_app(backend)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.banner.showing)
        assert "Unexpected error (RuntimeError)" in app.banner.message
        assert "sekrit" not in screen_text(app)
        await pilot.press("x")
        assert not app.banner.showing
        await pilot.press("ctrl+r")
        await wait_for(pilot, listed(app))


async def test_thread_error_banner_and_retry() -> None:
    backend = FakeBackend(20)
    # Opening revalidates the cached top of the thread and loads the page above it: both fail.
    backend.errors["older"] = [NetworkError("read timeout", request_id="req-7")] * 2
    app = make_app(backend)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, listed(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.banner.showing)
        assert "Network error: read timeout [request id req-7]" in app.banner.message
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: not app.banner.showing)
        await wait_for(pilot, lambda: app.thread.selected_message is not None)
        assert app.is_running


# -- real loopback HTTP against the demo server with injected faults ----------------------


@pytest.fixture(scope="module")
def faulty_server() -> Iterator[object]:
    from inbox_tui.demo.server import DemoServer

    with DemoServer() as server:
        yield server


def workspace_backend(server, token=None, **http):  # type: ignore[no-untyped-def]
    from inbox_tui.api.auth import BearerToken
    from inbox_tui.api.http import HttpSettings
    from inbox_tui.api.workspace import WorkspaceBackend

    settings = HttpSettings(max_retries=0, **http)
    auth = BearerToken(token or server.workspace_token)
    return WorkspaceBackend(server.base_url, auth, server.workspace_id, settings=settings)


@pytest.mark.parametrize(
    ("fault", "title", "http"),
    [
        ("500", "Server error (HTTP 500)", {}),
        ("stall", "Network error", {"read_timeout": 0.3}),
    ],
)
async def test_server_faults_over_http(faulty_server, fault, title, http) -> None:  # type: ignore[no-untyped-def]
    from inbox_tui.demo.faults import FaultConfig

    faulty_server.set_faults(FaultConfig(schedule=(fault,) * 3, stall_seconds=1.0))
    app = make_app(workspace_backend(faulty_server, **http))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.banner.showing)
        assert app.banner.message.startswith(title), app.banner.message
        if fault == "500":
            assert "[request id req_" in app.banner.message
        # The list fails first; the count and inbox requests follow it and fail too (the
        # list may recover by itself: with nothing cached it asks the server once more).
        await wait_for(pilot, lambda: "inboxes" in app.banner.sources)
        await pilot.press("ctrl+r")
        await wait_for(pilot, listed(app))
        await wait_for(pilot, lambda: not app.banner.showing)
        assert app.is_running
    faulty_server.set_faults(FaultConfig())


async def test_refused_token_then_fixed_token(faulty_server) -> None:  # type: ignore[no-untyped-def]
    from inbox_tui.demo.faults import FaultConfig

    faulty_server.set_faults(FaultConfig())
    token = ["wrong-token-value"]
    app = make_app(workspace_backend(faulty_server, token=lambda: token[0]))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.banner.showing)
        assert app.banner.message.startswith("Authentication refused (HTTP 401)")
        assert "request id" in app.banner.message
        assert "wrong-token-value" not in screen_text(app)
        await wait_for(pilot, lambda: app.banner.sources == {"list", "inboxes"})
        token[0] = faulty_server.workspace_token
        await pilot.press("ctrl+r")
        await wait_for(pilot, listed(app))
        await wait_for(pilot, lambda: not app.banner.showing)
