"""``inbox-tui cache`` names the same cache the app uses for the same account flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from inbox_tui.cli.main import main


@pytest.mark.parametrize(
    "flags",
    [
        ["--backend", "heymarket", "--base-url", "http://127.0.0.1:9"],
        ["--base-url", "http://127.0.0.1:9"],
        ["--workspace", "ws_x", "--base-url", "http://127.0.0.1:9"],
    ],
)
def test_cache_path_for_explicit_account_flags_is_the_command_line_cache(
    flags: list[str], isolated_dirs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cache", "path", *flags]) == 0
    name = Path(capsys.readouterr().out.strip()).name  # command-line-<account digest>
    assert name.startswith("command-line-") and name.endswith(".sqlite3")
