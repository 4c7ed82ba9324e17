"""``inbox-tui export`` against a real demo server over loopback HTTP."""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from inbox_tui.cli.main import main
from inbox_tui.config import ConfigError
from inbox_tui.core import export as exporter
from inbox_tui.filters import Filters
from inbox_tui.models import Conversation, Direction, Message


@pytest.fixture
def heymarket_env(demo_server: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("INBOX_TUI_TOKEN", demo_server.heymarket_token)
    return ["--backend", "heymarket", "--base-url", demo_server.base_url]


@pytest.fixture
def workspace_env(demo_server: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("INBOX_TUI_TOKEN", demo_server.workspace_token)
    return [
        "--backend",
        "workspace",
        "--base-url",
        demo_server.base_url,
        "--workspace",
        demo_server.workspace_id,
    ]


def expected_heymarket(server: Any, inbox_id: int, digits: str) -> list[str]:
    return [str(m.id) for m in server.dataset.thread(inbox_id, digits)]


def single_inbox_thread(server: Any, minimum: int = 5) -> Any:
    """A mid-sized conversation whose contact exists in one inbox only."""
    inboxes_of: dict[str, int] = {}
    for conv in server.dataset.conversations:
        inboxes_of[conv.contact] = inboxes_of.get(conv.contact, 0) + 1
    for conv in server.dataset.biggest_threads():
        if inboxes_of[conv.contact] == 1 and minimum <= conv.message_count <= 200:
            return conv
    raise AssertionError("dataset has no suitable conversation")


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def ordered(records: list[dict[str, Any]]) -> bool:
    keys = [(r["created_at"], r["id"]) for r in records]
    return keys == sorted(keys)


def test_jsonl_is_the_servers_thread_oldest_first(
    demo_server: Any, heymarket_env: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    conv = single_inbox_thread(demo_server)
    argv = ["export", *heymarket_env, "--contact", conv.contact_e164, "--inbox", str(conv.inbox_id)]
    status, out, err = run(argv, capsys)
    assert status == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in records] == expected_heymarket(
        demo_server, conv.inbox_id, conv.contact
    )
    assert ordered(records)
    assert set(records[0]) == set(exporter.COLUMNS)
    assert {r["contact"] for r in records} == {conv.contact_e164}
    assert {r["inbox_id"] for r in records} == {str(conv.inbox_id)}
    assert all(r["created_at"].endswith("Z") for r in records)
    assert demo_server.heymarket_token not in out + err


def test_inbox_is_found_when_omitted(
    demo_server: Any, heymarket_env: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    conv = single_inbox_thread(demo_server)
    status, out, err = run(["export", *heymarket_env, "--contact", conv.contact], capsys)
    assert status == 0, err
    assert f"using inbox {demo_server.dataset.inbox(conv.inbox_id).name} ({conv.inbox_id})" in err
    ids = [json.loads(line)["id"] for line in out.splitlines()]
    assert ids == expected_heymarket(demo_server, conv.inbox_id, conv.contact)


def test_ambiguous_contact_asks_for_inbox(
    demo_server: Any, heymarket_env: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    seen: dict[str, list[int]] = {}
    for conv in demo_server.dataset.conversations:
        seen.setdefault(conv.contact, []).append(conv.inbox_id)
    contact = next(c for c, inboxes in seen.items() if len(inboxes) > 1)
    status, out, err = run(["export", *heymarket_env, "--contact", "+" + contact], capsys)
    assert status == 2 and out == ""
    assert "several inboxes" in err and "--inbox" in err and err.count("\n") == 1


def test_unknown_contact_in_inbox_is_exit_2(
    demo_server: Any, heymarket_env: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["export", *heymarket_env, "--contact", "+19995550000", "--inbox", "413"]
    status, out, err = run(argv, capsys)
    assert status == 2 and out == "" and "no conversation with +19995550000 in inbox 413" in err


@pytest.mark.parametrize("fmt", ["csv", "md"])
def test_csv_and_md_to_file(
    fmt: str,
    demo_server: Any,
    heymarket_env: list[str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    conv = single_inbox_thread(demo_server)
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / f"thread.{fmt}"  # the format comes from the suffix
    argv = ["export", *heymarket_env, "--contact", conv.contact_e164, "-o", str(target)]
    status, out, err = run(argv, capsys)
    assert status == 0, err
    assert out == "" and f"wrote {conv.message_count} messages to {target}" in err
    text = target.read_text(encoding="utf-8")
    expected = expected_heymarket(demo_server, conv.inbox_id, conv.contact)
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [row["id"] for row in rows] == expected
        assert list(rows[0]) == list(exporter.COLUMNS)
    else:
        # The title names the contact as well as the number (issue 14 item 13).
        who = f"{conv.name}, +1 (" if conv.name else "+1 ("
        assert text.startswith(f"# Conversation with {who}")
        ids = [
            line.split("<!-- id ")[1].split(" -->")[0]
            for line in text.splitlines()
            if "<!-- id" in line
        ]
        assert ids == expected
    assert [p.name for p in folder.iterdir()] == [target.name]  # no temp file left behind


def test_filters_match_the_dataset(
    demo_server: Any, heymarket_env: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    conv = demo_server.dataset.biggest_threads(2)[1]  # 2,000 messages
    thread = demo_server.dataset.thread(conv.inbox_id, conv.contact)
    middle = thread[len(thread) // 2].created_at
    since = (middle - timedelta(days=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
    until = middle.strftime("%Y-%m-%d")
    argv = [
        "export",
        *heymarket_env,
        "--contact",
        conv.contact,
        "--inbox",
        str(conv.inbox_id),
        "--direction",
        "outbound",
        "--status",
        "failed",
        "--status",
        "undelivered,delivered",
        "--since",
        since,
        "--until",
        until,
    ]
    status, out, err = run(argv, capsys)
    assert status == 0, err
    low = datetime.fromisoformat(since.replace("Z", "+00:00"))
    high = datetime.fromisoformat(until).replace(tzinfo=UTC) + timedelta(days=1)
    expected = [
        str(m.id)
        for m in thread
        if m.direction == "outbound"
        and m.status in {"failed", "undelivered", "delivered"}
        and low <= m.created_at < high
    ]
    assert expected, "the filter should keep something"
    assert [json.loads(line)["id"] for line in out.splitlines()] == expected


def test_workspace_export(
    demo_server: Any, workspace_env: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    conv = single_inbox_thread(demo_server)
    status, out, err = run(["export", *workspace_env, "--contact", conv.contact_e164], capsys)
    assert status == 0, err
    expected = [
        m.workspace_id
        for m in demo_server.dataset.workspace_messages
        if m.contact_e164 == conv.contact_e164
    ]
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in records] == expected
    assert ordered(records)


def test_export_with_embedded_demo(demo_server: Any, capsys: pytest.CaptureFixture[str]) -> None:
    # `--demo` starts its own server with the default seed: the same records as the fixture's.
    conv = single_inbox_thread(demo_server)
    status, out, err = run(["export", "--demo", "--contact", conv.contact_e164], capsys)
    assert status == 0, err
    ids = [json.loads(line)["id"] for line in out.splitlines()]
    assert ids == expected_heymarket(demo_server, conv.inbox_id, conv.contact)


def test_the_5000_message_thread(
    demo_server: Any, heymarket_env: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    conv = demo_server.dataset.biggest_threads(1)[0]
    assert conv.message_count == 5000
    pages_before = demo_server.stats.paths["/v1/messages"]
    argv = ["export", *heymarket_env, "--contact", conv.contact_e164, "--inbox", str(conv.inbox_id)]
    status, out, err = run(argv, capsys)
    assert status == 0, err
    ids = [json.loads(line)["id"] for line in out.splitlines()]
    expected = expected_heymarket(demo_server, conv.inbox_id, conv.contact)
    assert len(expected) == 5000 and ids == expected and len(set(ids)) == 5000
    pages = demo_server.stats.paths["/v1/messages"] - pages_before
    # 50 messages a page: 100 pages, plus a few re-asks at same-second page boundaries
    # (107 today) - not a second walk, nor one request per message.
    assert 100 <= pages <= 110


# --- units: formats, atomic writes, the pager contract ------------------------------------------


def message(mid: str, seconds: int, body: str = "hi", **kw: Any) -> Message:
    base = datetime(2024, 1, 15, 10, 0, tzinfo=UTC)
    fields: dict[str, Any] = {
        "id": mid,
        "source": "heymarket",
        "conversation_key": "413:+14155550100",
        "contact": "+14155550100",
        "direction": Direction.INBOUND,
        "body": body,
        "created_at": base + timedelta(seconds=seconds),
        "raw": {"authorization": "Bearer secret-raw-token"},
    }
    fields.update(kw)
    return Message(**fields)


CONV = Conversation(
    key="413:+14155550100", contact="+14155550100", inbox_id="413", last_at=datetime.now(UTC)
)


class ScriptedPager:
    """Pages as a server might return them: newest first, overlapping at the boundary."""

    def __init__(self, pages: list[list[Message]]) -> None:
        self.pages = pages
        self.requests = 0

    @property
    def exhausted(self) -> bool:
        return self.requests >= len(self.pages)

    async def older(self) -> list[Message]:
        self.requests += 1
        return self.pages[self.requests - 1]

    async def newer(self) -> list[Message]:
        return []


async def test_collect_orders_and_deduplicates() -> None:
    pages = [
        [message("c", 5), message("d", 5)],
        [message("b", 5), message("c", 5)],
        [message("a", 1)],
    ]
    counts: list[int] = []
    result = await exporter.collect(ScriptedPager(pages), [], Filters(), counts.append)
    assert [m.id for m in result] == ["a", "b", "c", "d"]
    assert counts[-1] == 5


async def test_collect_stops_a_pager_that_never_ends() -> None:
    class Stuck(ScriptedPager):
        @property
        def exhausted(self) -> bool:
            return False

        async def older(self) -> list[Message]:
            return []

    from inbox_tui.errors import BadResponse

    with pytest.raises(BadResponse, match="empty pages"):
        await exporter.collect(Stuck([]), [], Filters())


def test_jsonl_sanitizes_and_never_writes_raw() -> None:
    out = io.StringIO()
    evil = "hi\x1b]52;c;ZXZpbA==\x07 there\x1b[31m!\r\nline2\u202e"
    exporter.write_jsonl([message("1", 0, evil)], out, CONV)
    record = json.loads(out.getvalue())
    assert record["body"] == "hi there!\nline2"
    assert "secret-raw-token" not in out.getvalue() and "raw" not in record


def test_csv_neutralises_formulas() -> None:
    out = io.StringIO()
    exporter.write_csv(
        [message("1", 0, '=HYPERLINK("http://x")'), message("2", 1, "ok")], out, CONV
    )
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[0]["body"] == '\'=HYPERLINK("http://x")' and rows[1]["body"] == "ok"
    assert rows[0]["contact"] == "+14155550100"  # numbers are left alone


def test_md_escapes_markup() -> None:
    out = io.StringIO()
    exporter.write_md([message("1", 0, "<script>*bold* [x](y)\n\n# h")], out, CONV)
    text = out.getvalue()
    assert "<script>" not in text and "\\<script\\>" in text and "\\*bold\\*" in text
    assert "> \\# h" in text and "\n>\n" in text


def test_failed_write_leaves_nothing(tmp_path: Path) -> None:
    tmp_path = tmp_path / "exports"
    tmp_path.mkdir()
    target = tmp_path / "out.jsonl"
    target.write_text("previous export\n")
    broken: list[Any] = [message("1", 0), object()]  # the second record cannot be written
    with pytest.raises(AttributeError):
        exporter.write_export(broken, CONV, "jsonl", io.StringIO(), target)
    assert target.read_text() == "previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


def test_output_folder_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        exporter.write_export([], CONV, "jsonl", io.StringIO(), tmp_path / "nope" / "x.jsonl")


def test_bad_filter_values_exit_2(demo_server: Any, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["export", "--demo", "--contact", "+1415", "--since", "next week"], capsys)
    assert status == 2 and "--since: not a date: write YYYY-MM-DD" in err and "next week" in err
    status, _, err = run(
        [
            "export",
            "--demo",
            "--contact",
            "+1415",
            "--since",
            "2024-02-01",
            "--until",
            "2024-01-01",
        ],
        capsys,
    )
    assert status == 2 and "--until: must be later than --since" in err
    status, _, err = run(["export", "--demo", "--contact", "nobody"], capsys)
    assert status == 2 and "not a phone number" in err
    status, _, err = run(
        ["export", "--demo", "--contact", "+14155550100", "--format", "xml"], capsys
    )
    assert status == 2 and "invalid choice" in err


def test_progress_only_on_a_tty(
    demo_server: Any,
    heymarket_env: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    conv = single_inbox_thread(demo_server)
    argv = ["export", *heymarket_env, "--contact", conv.contact_e164, "--inbox", str(conv.inbox_id)]
    _, _, err = run(argv, capsys)
    assert "fetched" not in err
    monkeypatch.setattr("inbox_tui.cli.commands._stderr_is_tty", lambda: True)
    _, out, err = run(argv, capsys)
    assert f"\rexporting {conv.contact_e164}: {conv.message_count} messages fetched" in err
    assert len(out.splitlines()) == conv.message_count


@pytest.mark.skipif(os.name != "posix", reason="uses /dev/full")
def test_stdout_write_failure_is_reported(
    demo_server: Any, heymarket_env: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    conv = single_inbox_thread(demo_server)
    status, _, err = run(
        ["export", *heymarket_env, "--contact", conv.contact_e164, "-o", "/dev/full"], capsys
    )
    assert status == 2 and "cannot write" in err


def test_symlinked_output_is_refused(tmp_path: Path) -> None:
    # Another user may plant the link (issue 10 item 10): never write through one.
    real = tmp_path / "real.jsonl"
    real.write_text("old\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    with pytest.raises(ConfigError, match="symbolic link"):
        exporter.write_export([message("1", 0)], CONV, "jsonl", io.StringIO(), link)
    assert link.is_symlink() and real.read_text() == "old\n"


@pytest.mark.skipif(os.name != "posix", reason="FIFOs")
def test_fifo_output_is_written_into(tmp_path: Path) -> None:
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    exporter.write_export([message("1", 0)], CONV, "jsonl", io.StringIO(), fifo)
    reader.join(5)
    assert json.loads(received[0])["id"] == "1"
    assert fifo.exists() and not fifo.is_file()  # still the FIFO


@pytest.mark.slow
def test_reader_closing_the_pipe_is_quiet(demo_server: Any) -> None:
    import subprocess
    import sys

    conv = demo_server.dataset.biggest_threads(2)[1]
    env = dict(os.environ, INBOX_TUI_TOKEN=demo_server.heymarket_token)
    argv = [
        "--backend",
        "heymarket",
        "--base-url",
        demo_server.base_url,
        "--inbox",
        str(conv.inbox_id),
    ]
    proc = subprocess.Popen(
        [sys.executable, "-m", "inbox_tui", "export", *argv, "--contact", conv.contact_e164],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        bufsize=0,
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()  # like `| head -n 1`
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0
    assert json.loads(first)["id"] and err == ""
