"""Notifications: the command gets the message in its environment (never its command
line), deliveries are rate-limited and coalesced, OSC text cannot break out of the escape."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from inbox_tui.core.notify import (
    Notice,
    Notifier,
    command_env,
    osc_sequences,
    run_command,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


HOSTILE = "refund $(touch pwned) `id`; \x1b]0;title\x07 \x9c end\x1b\\ \x00nul"


def test_environment_carries_the_notice() -> None:
    env = command_env(Notice("+44 20 8366 1177", "Support", HOSTILE, 2), base={"PATH": "/bin"})
    assert env["PATH"] == "/bin"
    assert env["INBOX_TUI_CONTACT"] == "+44 20 8366 1177"
    assert env["INBOX_TUI_INBOX"] == "Support"
    assert env["INBOX_TUI_COUNT"] == "2"
    text = env["INBOX_TUI_TEXT"]
    assert text.startswith("refund $(touch pwned)")  # data, kept as typed
    assert not re.search(r"[\x00-\x1f\x7f-\x9f]", text)


async def test_command_reads_env_and_text_is_never_run(tmp_path: Path) -> None:
    out = tmp_path / "seen"
    fields = '"$INBOX_TUI_CONTACT" "$INBOX_TUI_INBOX" "$INBOX_TUI_TEXT"'
    command = f'cd "{tmp_path}" && printf "%s|%s|%s" {fields} > seen'
    status = await run_command(command, command_env(Notice("Ana", "Sales", HOSTILE)))
    assert status == 0
    contact, inbox, text = out.read_text().split("|", 2)
    assert (contact, inbox) == ("Ana", "Sales")
    assert "$(touch pwned)" in text
    assert not (tmp_path / "pwned").exists()


async def test_slow_or_broken_commands_do_not_hang_or_raise(tmp_path: Path) -> None:
    assert await run_command("sleep 30", {"PATH": "/bin:/usr/bin"}, timeout=0.2) is None
    assert await run_command("exit 3", {"PATH": "/bin:/usr/bin"}) == 3


async def test_rate_limit_coalesces_into_the_next_delivery(tmp_path: Path) -> None:
    clock, rings, written = FakeClock(), [], []
    notifier = Notifier(
        bell=True,
        osc=True,
        ring=lambda: rings.append(1),
        write=written.append,
        clock=clock,
        min_interval=10.0,
        tmux=False,
    )
    assert notifier.submit(Notice("Ana", "Sales", "one"))
    clock.now += 3
    assert not notifier.submit(Notice("Bo", "Sales", "two"))
    assert not notifier.submit(Notice("Cy", "Support", "three"))
    assert len(rings) == 1 and len(written) == 1
    assert [n.text for n in notifier.pending] == ["two", "three"]
    clock.now += 3
    assert not notifier.flush()  # still inside the window
    clock.now += 5
    assert notifier.flush()
    assert len(rings) == 2
    last = notifier.delivered[-1]
    assert (last.contact, last.inbox, last.count) == ("Cy", "Support", 2)
    assert "2 new messages" in written[-1]
    await notifier.aclose()


async def test_held_notice_goes_out_on_its_own_when_the_window_ends() -> None:
    rings: list[int] = []
    notifier = Notifier(bell=True, ring=lambda: rings.append(1), min_interval=0.05)
    notifier.submit(Notice("Ana", "Sales", "one"))
    notifier.submit(Notice("Bo", "Sales", "two"))
    assert len(rings) == 1
    for _ in range(100):
        if len(rings) == 2:
            break
        await asyncio.sleep(0.02)
    assert len(rings) == 2
    await notifier.aclose()


async def test_command_runs_in_the_background_with_the_env(tmp_path: Path) -> None:
    out = tmp_path / "env"
    notifier = Notifier(command=f'printf "%s" "$INBOX_TUI_TEXT" > "{out}"', min_interval=0)
    notifier.submit(Notice("Ana", "Sales", "hello there"))
    await notifier.aclose()
    assert out.read_text() == "hello there"


def test_failing_channels_never_raise() -> None:
    def boom(*_: object) -> None:
        raise OSError("terminal gone")

    notifier = Notifier(bell=True, osc=True, ring=boom, write=boom)
    assert notifier.submit(Notice("Ana", "Sales", "x"))


def test_disabled_notifier_does_nothing() -> None:
    assert not Notifier().submit(Notice("Ana", "Sales", "x"))


def test_osc_text_cannot_break_out() -> None:
    seq = osc_sequences("New message from Ana;x", HOSTILE)
    osc9, osc777 = seq.split("\x07")[:2]
    for part in (osc9, osc777):
        body = part[2:]  # after ESC ]
        assert not re.search(r"[\x00-\x1f\x7f-\x9f]", body)
    assert osc9.startswith("\x1b]9;inbox-tui: ")
    assert osc777.startswith("\x1b]777;notify;New message from Ana,x;")
    assert osc777.count(";") == 3  # the body's ';' cannot add fields
    assert seq.count("\x1b") == 2 and seq.count("\x07") == 2


def test_tmux_passthrough_wraps_each_sequence() -> None:
    seq = osc_sequences("t", "b", tmux=True)
    parts = seq.split("\x1b\\")
    assert parts[-1] == ""
    assert all(p.startswith("\x1bPtmux;\x1b\x1b]") for p in parts[:-1])
    assert len(parts) == 3
