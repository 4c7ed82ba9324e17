"""Profile keys and flags of the write path: member_id, read_only, send_delay, --read-only;
`config check` lists the team's members when member_id is missing; the demo can write."""

from __future__ import annotations

import argparse
import contextlib
import os
from pathlib import Path
from typing import Any

import pytest

from inbox_tui.cli.commands import build_app
from inbox_tui.cli.connect import demo_profile
from inbox_tui.cli.main import build_parser, main
from inbox_tui.config import ConfigError, load_config


def write_config(text: str) -> Path:
    path = Path(os.environ["INBOX_TUI_CONFIG"])
    path.write_text(text)
    path.chmod(0o600)
    return path


def test_profile_keys(tmp_path: Path) -> None:
    write_config(
        '[profiles.w]\nbackend = "heymarket"\nmember_id = 12\nread_only = true\nsend_delay = 2.5\n'
    )
    _, profile = load_config().profile("w")
    assert (profile.member_id, profile.read_only, profile.send_delay) == (12, True, 2.5)
    write_config('[profiles.d]\nbackend = "heymarket"\n')
    _, default = load_config().profile("d")
    assert (default.member_id, default.read_only, default.send_delay) == (None, False, 5.0)
    write_config('[profiles.bad]\nmember_id = "ada"\n')
    with pytest.raises(ConfigError, match="member_id"):
        load_config()


def test_config_check_lists_members_without_member_id(
    demo_server: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INBOX_TUI_TOKEN", demo_server.heymarket_token)
    write_config(f'[profiles.t]\nbackend = "heymarket"\nbase_url = "{demo_server.base_url}"\n')
    assert main(["config", "check"]) == 0
    out = capsys.readouterr().out
    assert "member_id: not set" in out
    assert "  1: Ada Li (inboxes 413, 415)" in out
    assert "  7: Demo User (inboxes 413, 414, 415)" in out


def test_config_check_names_the_member(
    demo_server: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INBOX_TUI_TOKEN", demo_server.heymarket_token)
    write_config(
        f'[profiles.t]\nbackend = "heymarket"\nbase_url = "{demo_server.base_url}"\n'
        'member_id = 2\ninbox = "414"\n'
    )
    assert main(["config", "check"]) == 0
    out = capsys.readouterr().out
    assert "member_id: 2: Marcus Webb (inboxes 413)" in out
    assert "not a member of inbox 414" in out


def test_read_only_flag_reaches_the_session(demo_server: Any) -> None:
    args = build_parser().parse_args(["--demo", "--read-only"])
    assert args.read_only is True
    with contextlib.ExitStack() as stack:
        app = build_app(args, stack)
        assert app.session.settings.read_only is True
        assert "read-only" in (app.session.triage.read_only_reason or "")
    plain = build_parser().parse_args(["--demo"])
    with contextlib.ExitStack() as stack:
        app = build_app(plain, stack)
        assert app.session.triage.read_only_reason is None  # the demo can write


def test_read_only_flag_after_a_subcommand_is_accepted() -> None:
    args = build_parser().parse_args(["config", "check", "--read-only"])
    assert isinstance(args, argparse.Namespace) and args.read_only is True


def test_demo_profile_has_the_demo_member(demo_server: Any) -> None:
    profile, _ = demo_profile(demo_server, "heymarket")
    assert profile.member_id == 7
    inboxes = {i.id for i in demo_server.dataset.inboxes}
    assert all(7 in i.members for i in demo_server.dataset.inboxes) and inboxes
    workspace, _ = demo_profile(demo_server, "workspace")
    assert workspace.member_id is None
