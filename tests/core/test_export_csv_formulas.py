"""CSV export neutralises spreadsheet formulas in the columns customers and agents write
(``body``, ``author``): a cell starting with ``= + - @`` (or a tab/CR a spreadsheet skips
before one) is prefixed with ``'``."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from inbox_tui.core import export as exporter
from inbox_tui.models import Conversation, Direction, Message

PREFIXES = ["=", "+", "-", "@", "\t", "\r"]
ESCAPED_COLUMNS = ["body", "author"]
PAYLOAD = 'HYPERLINK("http://evil.example","x")'
# What a spreadsheet would treat as the start of a formula.
FORMULA_START = tuple(PREFIXES)

CONV = Conversation(
    key="413:+14155550100", contact="+14155550100", inbox_id="413", last_at=datetime.now(UTC)
)


def message(body: str = "hi", author: str | None = None) -> Message:
    return Message(
        id="m1",
        source="heymarket",
        conversation_key=CONV.key,
        contact=CONV.contact,
        direction=Direction.OUTBOUND,
        body=body,
        author=author,
        created_at=datetime(2024, 1, 15, 10, 0, tzinfo=UTC),
    )


def exported_row(msg: Message) -> dict[str, str]:
    out = io.StringIO()
    exporter.write_csv([msg], out, CONV)
    [row] = list(csv.DictReader(io.StringIO(out.getvalue())))
    return row


@pytest.mark.parametrize("column", ESCAPED_COLUMNS)
@pytest.mark.parametrize("prefix", PREFIXES, ids=repr)
def test_cell_starting_with_a_formula_prefix_is_quoted(column: str, prefix: str) -> None:
    assert exporter._csv_cell(column, prefix + PAYLOAD) == "'" + prefix + PAYLOAD


@pytest.mark.parametrize("column", ESCAPED_COLUMNS)
@pytest.mark.parametrize("value", ["ok", "a=b", "1+1", "mail@x", "'quoted", ""])
def test_cell_without_a_formula_prefix_is_unchanged(column: str, value: str) -> None:
    assert exporter._csv_cell(column, value) == value


@pytest.mark.parametrize("column", ESCAPED_COLUMNS)
@pytest.mark.parametrize("value", [" =x", '"=HYPERLINK(1)', "  @sum(1)"], ids=repr)
def test_a_formula_behind_blanks_or_quotes_is_quoted_too(column: str, value: str) -> None:
    assert exporter._csv_cell(column, value) == "'" + value


@pytest.mark.parametrize("prefix", PREFIXES, ids=repr)
def test_no_exported_body_or_author_cell_starts_a_formula(prefix: str) -> None:
    """End to end through ``write_csv``: whatever sanitising does to tabs and CRs first,
    the cell a spreadsheet reads never starts a formula and still carries the text."""
    row = exported_row(message(body=prefix + PAYLOAD, author=prefix + "Ada"))
    for column, text in (("body", PAYLOAD), ("author", "Ada")):
        cell = row[column]
        assert not cell.startswith(FORMULA_START), (column, cell)
        assert cell.endswith(text)


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@"])
def test_author_formula_is_quoted_in_the_file(prefix: str) -> None:
    row = exported_row(message(body="hello", author=prefix + "SUM(A1:A9)"))
    assert row["author"] == "'" + prefix + "SUM(A1:A9)"
    assert row["body"] == "hello"
