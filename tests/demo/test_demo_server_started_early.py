"""``inbox-tui --demo`` spawns its server's child before the app's imports, and the app
then uses that server (not a second one); a run that fails before using it stops it."""

from __future__ import annotations

import contextlib

import httpx
import pytest

from inbox_tui.cli import main as cli_main
from inbox_tui.cli.target import _demo_server
from inbox_tui.demo import process


def test_the_early_server_is_the_one_the_app_uses() -> None:
    process.start_early()
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(_demo_server())
        assert isinstance(server, process.DemoServerProcess) and server.pid is not None
        assert process.take_early() is None  # handed over once
        answer = httpx.get(
            f"{server.base_url}/v1/inboxes",
            headers={"Authorization": f"Bearer {server.heymarket_token}"},
            timeout=30,
        )
        assert answer.status_code == 200


def test_a_run_that_fails_before_using_it_stops_it(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[process.DemoServerProcess] = []
    real = process.start_early

    def spy() -> None:
        real()
        started.append(process._early)  # type: ignore[arg-type]

    def fail(args: object) -> int:
        raise RuntimeError("boom before the app")

    monkeypatch.setattr(process, "start_early", spy)
    from inbox_tui.cli import commands

    monkeypatch.setattr(commands, "dispatch", fail)
    assert cli_main.main(["--demo"]) == 1
    assert len(started) == 1 and started[0].pid is None  # stopped
    assert process.take_early() is None
