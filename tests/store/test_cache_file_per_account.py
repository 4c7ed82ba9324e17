"""One cache per account (issue 10 item 2): the file is keyed by backend + base URL +
workspace (the demo by backend + seed), old per-name files are taken over only when they
provably hold that account, and ``--offline`` / ``inbox-tui cache`` find the same file."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from support.messages import msg

from inbox_tui.cli.commands import cache_target
from inbox_tui.cli.main import main
from inbox_tui.cli.target import cache_account, demo_account
from inbox_tui.config import Profile
from inbox_tui.store import Store
from inbox_tui.store.last_profile import (
    read_last_account,
    read_last_profile,
    record_last_profile,
)
from inbox_tui.store.store import adopt_legacy, profile_path


def _cache_path(capsys: pytest.CaptureFixture[str], *flags: str) -> Path:
    assert main(["cache", "path", *flags]) == 0
    return Path(capsys.readouterr().out.strip())


def test_the_two_demos_have_different_caches(capsys: pytest.CaptureFixture[str]) -> None:
    heymarket = _cache_path(capsys, "--demo")
    workspace = _cache_path(capsys, "--demo", "--backend", "workspace")
    assert heymarket != workspace
    assert heymarket.name.startswith("demo-") and workspace.name.startswith("demo-")
    assert heymarket == profile_path("demo", demo_account("heymarket"))


def test_demo_key_ignores_the_random_port() -> None:
    one = Profile(backend="workspace", base_url="http://127.0.0.1:40001", workspace="ws_demo")
    two = Profile(backend="workspace", base_url="http://127.0.0.1:40002", workspace="ws_demo")
    assert cache_account(one, demo_seed=7) == cache_account(two, demo_seed=7)
    assert cache_account(one, demo_seed=7) == demo_account("workspace")


def test_command_line_accounts_have_different_caches(
    capsys: pytest.CaptureFixture[str],
) -> None:
    a = _cache_path(capsys, "--backend", "workspace", "--base-url", "https://a.example.com",
                    "--workspace", "w1")  # fmt: skip
    b = _cache_path(capsys, "--backend", "workspace", "--base-url", "https://b.example.com",
                    "--workspace", "w1")  # fmt: skip
    c = _cache_path(capsys, "--backend", "workspace", "--base-url", "https://a.example.com/",
                    "--workspace", "w2")  # fmt: skip
    assert len({a, b, c}) == 3
    same = _cache_path(capsys, "--backend", "workspace", "--base-url", "https://A.example.com/",
                       "--workspace", "w1")  # fmt: skip
    assert same == a


def _args(**kw: object) -> argparse.Namespace:
    base = {"demo": False, "backend": None, "base_url": None, "workspace": None,
            "inbox": None, "profile": None}  # fmt: skip
    base.update(kw)
    return argparse.Namespace(**base)


async def test_offline_with_no_config_opens_the_file_the_online_run_wrote(
    capsys: pytest.CaptureFixture[str],
) -> None:
    account = cache_account(
        Profile(backend="workspace", base_url="https://a.example.com", workspace="w1")
    )
    async with await Store.open_profile("command-line", account=account) as s:
        await s.upsert_messages([msg(1, 1)])
    record_last_profile("command-line", account)
    assert (read_last_profile(), read_last_account()) == ("command-line", account)
    name, _, found = cache_target(_args())
    assert profile_path(name, found) == profile_path("command-line", account)
    assert _cache_path(capsys) == profile_path("command-line", account)  # cache agrees
    flags = _args(backend="workspace", base_url="https://a.example.com", workspace="w1")
    name, _, found = cache_target(flags)  # --offline with the same flags
    assert (name, found) == ("command-line", account)


async def _legacy(name: str, *sources: str) -> Path:
    path = profile_path(name)
    async with await Store.open(path) as s:
        await s.upsert_messages([msg(i, 0, source=src) for i, src in enumerate(sources)])
    return path


async def test_a_named_profile_file_with_one_account_is_taken_over() -> None:
    old = await _legacy("work", "heymarket", "heymarket")
    account = cache_account(Profile(backend="heymarket"))
    assert adopt_legacy("work", account, "heymarket")
    assert not old.exists()
    async with await Store.open_profile("work", account=account) as s:
        assert await s.count_messages() == 2


async def test_shared_or_mixed_old_files_are_left_alone() -> None:
    mixed = await _legacy("demo", "heymarket", "workspace")
    assert not adopt_legacy("demo", demo_account("heymarket"), "heymarket")
    assert mixed.exists()
    other = await _legacy("work", "workspace")
    assert not adopt_legacy("work", cache_account(Profile(backend="heymarket")), "heymarket")
    assert other.exists()
    shared = await _legacy("command-line", "heymarket")
    account = cache_account(Profile(backend="heymarket", base_url="https://a.example.com"))
    assert not adopt_legacy("command-line", account, "heymarket", shared=True)
    assert shared.exists() and not profile_path("command-line", account).exists()


async def test_a_file_recording_its_account_is_recognised() -> None:
    account = cache_account(Profile(backend="heymarket", base_url="https://a.example.com"))
    path = profile_path("command-line", account)
    async with await Store.open_profile("command-line", account=account) as s:
        assert await s.get_meta("account") == account
    path.rename(profile_path("command-line"))  # as if it had the old name
    assert adopt_legacy("command-line", account, "heymarket", shared=True)
    assert path.exists()
