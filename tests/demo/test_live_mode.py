"""``inbox-tui --demo`` runs the live mode: customers keep writing in. Two runs replay the
same texts but never the same message ids, so a cache kept from the last run still sees
the new run's messages as new."""

from __future__ import annotations

import time

from inbox_tui.demo.server import DemoServer


def live_ids(seconds_budget: float = 10.0) -> list[int]:
    with DemoServer(live_interval=0.02) as server:
        before = {m.id for m in server.dataset.messages}
        deadline = time.monotonic() + seconds_budget
        while time.monotonic() < deadline:
            new = [m for m in server.dataset.messages if m.id not in before]
            if len(new) >= 3:
                return [m.id for m in sorted(new, key=lambda m: m.created_ms)]
            time.sleep(0.05)
    raise AssertionError("the live mode wrote nothing")


def test_two_runs_write_new_ids() -> None:
    first = live_ids()
    second = live_ids()
    assert not set(first) & set(second)
    assert second == sorted(second)  # newer messages, higher ids


def test_demo_command_uses_live_mode() -> None:
    import inspect

    from inbox_tui.cli import target
    from inbox_tui.demo import process

    assert "live_interval=LIVE_SECONDS" in inspect.getsource(process._child)
    assert "live_interval=LIVE_SECONDS" in inspect.getsource(target._demo_server)
