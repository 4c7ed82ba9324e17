"""What the CLI tells a new user: ``config show`` is valid TOML, command-line errors name
flags, not config keys (issue 14 item 13)."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from inbox_tui.cli.main import main


def test_config_show_prints_valid_toml(capsys: pytest.CaptureFixture[str]) -> None:
    path = Path(os.environ["INBOX_TUI_CONFIG"])
    path.write_text(
        'default_profile = "w.1"\n[profiles."w.1"]\nbackend = "heymarket"\n'
        'token = "s3cr3t-token"\n[profiles."w.1".keys]\n"list.next_failed" = "n"\nquit = "Q"\n'
    )
    path.chmod(0o600)
    assert main(["config", "show"]) == 0
    out = capsys.readouterr().out
    assert "s3cr3t" not in out
    parsed = tomllib.loads(out)
    profile = parsed["profiles"]["w.1"]
    assert profile["keys"] == {"list.next_failed": "n", "quit": "Q"}
    assert parsed["default_profile"] == "w.1"


def test_a_command_line_error_names_the_flag(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INBOX_TUI_TOKEN", "t")
    argv = ["--backend", "workspace", "--base-url", "http://127.0.0.1:9", "config", "check"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--workspace ID" in err and 'workspace = "' not in err
