"""``inbox-tui export``: global flags after the subcommand, misspelt statuses refused with
the valid ones, an unknown contact is an error, ``--offline`` exports from the cache
(issue 14 items 9, 10, 11)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from support.fake_backend import make_conversation, make_messages

from inbox_tui.cli.main import build_parser, main
from inbox_tui.cli.target import DEMO, demo_account
from inbox_tui.store import MessagePosition, Store
from inbox_tui.store.messages import ThreadState


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize("command", [["export", "--contact", "+14155550100"], ["config", "show"]])
def test_global_flags_work_after_the_subcommand(command: list[str]) -> None:
    flags = ["--offline", "--demo", "--debug", "--insecure", "--inbox", "7"]
    args = build_parser().parse_args([*command, *flags])
    assert args.offline and args.demo and args.debug and args.insecure and args.inbox == "7"
    before = build_parser().parse_args(["--offline", *command])
    assert before.offline


def test_a_misspelt_status_exits_2_and_lists_the_valid_ones(
    demo_server: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INBOX_TUI_TOKEN", demo_server.heymarket_token)
    argv = ["export", "--backend", "heymarket", "--base-url", demo_server.base_url]
    status, out, err = run([*argv, "--contact", "+14155550100", "--status", "faild"], capsys)
    assert status == 2 and out == ""
    assert "faild" in err and "did you mean failed" in err and "undelivered" in err


@pytest.mark.parametrize("backend", ["heymarket", "workspace"])
def test_an_unknown_contact_is_an_error(
    backend: str,
    demo_server: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    token = demo_server.heymarket_token if backend == "heymarket" else demo_server.workspace_token
    monkeypatch.setenv("INBOX_TUI_TOKEN", token)
    argv = ["export", "--backend", backend, "--base-url", demo_server.base_url]
    if backend == "workspace":
        argv += ["--workspace", demo_server.workspace_id]
    status, out, err = run([*argv, "--contact", "+19995550199"], capsys)
    assert status != 0 and out == ""
    assert "no messages with +19995550199" in err


async def _fill_demo_cache(*, complete: bool) -> list[str]:
    messages = make_messages(4, 12)
    store = await Store.open_profile(DEMO, account=demo_account(None))
    try:
        await store.upsert_conversations([make_conversation(4, messages)])
        await store.upsert_messages(messages)
        first, last = MessagePosition.of(messages[0]), MessagePosition.of(messages[-1])
        state = ThreadState(messages[0].conversation_key, first, last, complete=complete)
        await store.set_thread_state(state)
    finally:
        await store.close()
    return [m.id for m in messages]


@pytest.mark.parametrize("complete", [True, False])
def test_export_offline_writes_a_complete_cached_thread(
    complete: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = asyncio.run(_fill_demo_cache(complete=complete))
    contact = make_messages(4, 1)[0].contact
    target = tmp_path / "thread.jsonl"
    argv = ["export", "--offline", "--demo", "--contact", contact, "-o", str(target)]
    status, _, err = run(argv, capsys)
    if complete:
        assert status == 0, err
        assert target.read_text().count('"id"') == len(ids)
    else:
        assert status == 2 and "not its beginning" in err and not target.exists()
