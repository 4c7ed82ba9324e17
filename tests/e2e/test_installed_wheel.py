"""The wheel, installed into a fresh venv, works outside the source tree: the console script
answers ``--help``, and a headless demo start paints the conversation list with the styles
found inside the installed package (``inbox_tui/styles/*.tcss``).

Slow (a build and an install, well under two minutes with the local package cache); the
installed venv is shared with ``test_tmux_terminal.py`` through :func:`installed_venv`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Building and installing a wheel in a fresh venv takes minutes on a loaded machine.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def _run(cmd: list[str], cwd: Path, timeout: float = 300, **env: str) -> str:
    merged = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    merged.update(env)
    result = subprocess.run(
        cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=merged
    )
    assert result.returncode == 0, (
        f"{cmd} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result.stdout + result.stderr


def build_and_install(where: Path) -> Path:
    """Build the wheel from a copy-free checkout, install it in ``where/venv``; returns the
    venv's ``bin`` folder."""
    wheelhouse = where / "wheelhouse"
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheelhouse), str(ROOT)],
        cwd=where,
    )
    wheels = list(wheelhouse.glob("inbox_tui-*.whl"))
    assert len(wheels) == 1, wheels
    _run([sys.executable, "-m", "venv", str(where / "venv")], cwd=where)
    bin_dir = where / "venv" / "bin"
    _run([str(bin_dir / "python"), "-m", "pip", "install", "-q", str(wheels[0])], cwd=where)
    return bin_dir


@pytest.fixture(scope="session")
def installed_venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    where = tmp_path_factory.mktemp("packaging")
    yield build_and_install(where)


def outside(tmp_path: Path) -> Path:
    cwd = tmp_path / "elsewhere"
    cwd.mkdir(exist_ok=True)
    assert ROOT not in cwd.parents
    return cwd


def test_console_script_help(installed_venv: Path, tmp_path: Path) -> None:
    out = _run([str(installed_venv / "inbox-tui"), "--help"], cwd=outside(tmp_path))
    assert "inbox-tui --demo" in out and "export" in out
    out = _run([str(installed_venv / "inbox-tui"), "--version"], cwd=outside(tmp_path))
    assert out.startswith("inbox-tui ")


HEADLESS = textwrap.dedent(
    """
    import asyncio, sys, sysconfig, time
    from pathlib import Path

    import inbox_tui
    from inbox_tui.paths import styles_dir
    from inbox_tui.cli.connect import build_backend, demo_profile
    from inbox_tui.demo.server import DemoServer
    from inbox_tui.ui.app import InboxApp

    site = Path(sysconfig.get_paths()["purelib"]).resolve()
    package = Path(inbox_tui.__file__).resolve().parent
    assert package.parent == site, (package, site)
    styles = styles_dir().resolve()
    assert styles == package / "styles", styles
    sheets = sorted(p.name for p in styles.glob("*.tcss"))
    assert sheets, "no .tcss in the installed package"
    assert all(Path(p).resolve().parent == styles for p in InboxApp.CSS_PATH), InboxApp.CSS_PATH

    async def main() -> None:
        with DemoServer() as server:
            profile, credentials = demo_profile(server, "heymarket")
            app = InboxApp(build_backend(profile, credentials), profile_name="demo")
            async with app.run_test(size=(120, 30)) as pilot:

                def painted() -> tuple[list, str, str]:
                    rows = app.conversation_list.conversations
                    screen = "\\n".join(
                        s.text for s in app.screen._compositor.render_strips()
                    )
                    name = (rows[0].name or rows[0].contact[-4:]) if rows else "?"
                    return rows, screen, name.split()[0]

                # Wait for the rows and for their repaint (a loaded CI machine is slow).
                deadline = time.monotonic() + 60
                rows, screen, first = painted()
                while not (len(rows) >= 10 and first in screen):
                    if time.monotonic() > deadline:
                        break
                    await pilot.pause(0.02)
                    rows, screen, first = painted()
                assert len(rows) >= 10, len(rows)
                assert first in screen, screen
                loaded = [str(path) for path, _ in app.stylesheet.source]
                assert any(str(styles) in path for path in loaded), loaded
                await pilot.press("q")
        print("PAINTED", len(rows), "STYLES", ",".join(sheets))

    asyncio.run(main())
    """
)


def test_headless_demo_start_from_the_installed_package(
    installed_venv: Path, tmp_path: Path
) -> None:
    cwd = outside(tmp_path)
    (cwd / "styles").mkdir()  # a decoy: the app must not pick styles from the cwd
    out = _run(
        [str(installed_venv / "python"), "-c", HEADLESS],
        cwd=cwd,
        timeout=120,
        INBOX_TUI_CONFIG=str(cwd / "config.toml"),
        INBOX_TUI_CACHE_DIR=str(cwd / "cache"),
        INBOX_TUI_LOG_DIR=str(cwd / "logs"),
    )
    assert "PAINTED" in out and "app.tcss" in out, out
