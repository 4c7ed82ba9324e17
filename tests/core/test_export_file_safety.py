"""Export output a hostile server or a shared machine cannot abuse (issue 10, items 10,
11 and the export part of 14): no formula in any CSV cell, no write through a symlink,
and an export whose every record was unreadable fails instead of writing nothing."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from inbox_tui.cli.main import main
from inbox_tui.config import ConfigError
from inbox_tui.core import export as exporter
from inbox_tui.models import Conversation, Direction, Message

CONV = Conversation(key="c", contact="+14155550100", inbox_id="413", last_at=datetime.now(UTC))
DANGEROUS = [
    "=1+1",
    "+sum(a1)",
    "-2+3+cmd|' /C calc'!A0",
    "@sum(1)",
    "\t=1+1",
    "\r=1+1",
    '"=HYPERLINK(""http://evil"")"',
    '  "=HYPERLINK("http://x")',
    "'=1+1",
    " @sum(1)",
]
SERVER_COLUMNS = ["id", "status", "kind", "media_url", "author", "body", "inbox_id"]


def message(**over: Any) -> Message:
    fields: dict[str, Any] = {
        "id": "m1",
        "source": "heymarket",
        "conversation_key": "c",
        "contact": "+14155550100",
        "direction": Direction.INBOUND,
        "created_at": datetime(2026, 1, 1, tzinfo=UTC),
        "body": "hello",
        "status": "received",
    }
    fields.update(over)
    return Message(**fields)


def csv_rows(messages: list[Message]) -> list[dict[str, str]]:
    out = io.StringIO()
    exporter.write_csv(messages, out, CONV)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


@pytest.mark.parametrize("column", SERVER_COLUMNS)
@pytest.mark.parametrize("payload", DANGEROUS)
def test_every_server_cell_is_neutralised(column: str, payload: str) -> None:
    sent = message(**{column: payload})
    cell = csv_rows([sent])[0][column]
    assert cell.startswith("'"), (column, cell)
    assert cell[1:] == exporter.normalise(sent)[column]  # the text itself is kept


def test_plain_values_and_numbers_are_left_alone() -> None:
    row = csv_rows([message(id="-42", status="delivered", kind="sms", media_url=None)])[0]
    assert row["id"] == "-42" and row["status"] == "delivered" and row["media_url"] == ""
    assert row["contact"] == "+14155550100"  # a phone number is a number, not a formula


# --- symlinks ----------------------------------------------------------------------------


def test_a_symlink_at_the_output_path_is_refused(tmp_path: Path) -> None:
    tmp_path = tmp_path / "exports"
    tmp_path.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    link = tmp_path / "out.jsonl"
    link.symlink_to(victim)
    with pytest.raises(ConfigError, match="symbolic link"):
        exporter.write_export([message()], CONV, "jsonl", io.StringIO(), link)
    assert victim.read_text() == "precious\n" and link.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl", "victim.txt"]


def test_a_dangling_symlink_is_refused_too(tmp_path: Path) -> None:
    link = tmp_path / "out.csv"
    link.symlink_to(tmp_path / "created-by-attacker")
    with pytest.raises(ConfigError, match="symbolic link"):
        exporter.write_export([message()], CONV, "csv", io.StringIO(), link)
    assert not (tmp_path / "created-by-attacker").exists()


def test_the_file_is_private_and_replaced_atomically(tmp_path: Path) -> None:
    tmp_path = tmp_path / "exports"
    tmp_path.mkdir()
    target = tmp_path / "out.jsonl"
    target.write_text("old\n")
    exporter.write_export([message()], CONV, "jsonl", io.StringIO(), target)
    assert json.loads(target.read_text())["id"] == "m1"
    if os.name == "posix":
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


def test_cli_refuses_a_symlinked_output(
    tmp_path: Path, demo_server: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setenv("INBOX_TUI_TOKEN", demo_server.heymarket_token)
    conv = demo_server.dataset.biggest_threads(1)[0]
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    link = tmp_path / "out.md"
    link.symlink_to(victim)
    argv = ["export", "--backend", "heymarket", "--base-url", demo_server.base_url]
    argv += ["--contact", "+" + conv.contact, "--inbox", str(conv.inbox_id), "-o", str(link)]
    status = main(argv)
    err = capsys.readouterr().err
    assert status == 2 and "symbolic link" in err and str(link) in err
    assert victim.read_text() == "precious\n"


# --- every record rejected ---------------------------------------------------------------

BROKEN = [{"id": None, "date": "2026-01-01T00:00:00Z"}, {"id": 5, "date": "yesterday-ish"}, "x"]


class _Broken(BaseHTTPRequestHandler):
    """heymarket-shaped answers whose message records are all unreadable."""

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        if self.path.startswith("/v1/inboxes"):
            data: Any = [{"id": 413, "name": "Main"}]
        elif self.path.startswith("/v1/team"):
            data = []
        else:
            data = BROKEN
        body = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def broken_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Broken)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("inbox", [["--inbox", "413"], []])
def test_export_of_only_unreadable_records_fails_with_exit_4(
    broken_server: str,
    inbox: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
) -> None:
    monkeypatch.setenv("INBOX_TUI_TOKEN", "tok_broken_records")
    out = tmp_path / "out.jsonl"
    argv = ["export", "--backend", "heymarket", "--base-url", broken_server]
    status = main([*argv, "--contact", "+14155550100", *inbox, "-o", str(out)])
    err = capsys.readouterr().err
    assert status == 4, err
    assert "none could be read" in err and "wrote 0" not in err
    assert not out.exists()
