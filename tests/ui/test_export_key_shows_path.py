"""``e`` in the app says the full path it writes, and refuses a symlink planted at that
(predictable) name (issue 10, item 10)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.fake_backend import FIXED_NOW, FakeBackend, loaded, make_app
from support.wait import wait_for

from inbox_tui.ui.export_path import default_path


async def _export(tmp_path: Path) -> tuple[list[str], str, Path]:
    app = make_app(FakeBackend(5))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, loaded(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.thread.conversation is not None)
        conversation = app.thread.conversation
        assert conversation is not None
        path = default_path(conversation, FIXED_NOW)
        await pilot.press("e")
        await wait_for(
            pilot,
            lambda: (
                app.banner.showing or any("Exported" in str(n.message) for n in app._notifications)
            ),
        )
        notes = [str(n.message) for n in app._notifications]
        return notes, app.banner.message, path


async def test_e_announces_the_full_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    notes, banner, path = await _export(tmp_path)
    assert path.parent == tmp_path and not banner
    assert f"Exporting to {path}…" in notes
    assert path.is_file() and not path.is_symlink()


async def test_e_refuses_a_planted_symlink(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    app = make_app(FakeBackend(5))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, loaded(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.thread.conversation is not None)
        conversation = app.thread.conversation
        assert conversation is not None
        default_path(conversation, FIXED_NOW).symlink_to(victim)
        await pilot.press("e")
        await wait_for(pilot, lambda: app.banner.showing)
        assert "symbolic link" in app.banner.message
    assert victim.read_text() == "precious\n"
