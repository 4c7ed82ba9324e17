"""Relative date bounds (``today``, ``yesterday``, ``7d``) in the pane, saved views and the
CLI: read when applied, ``today``/``yesterday`` at local midnight."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from inbox_tui.config import load_config
from inbox_tui.dates import parse_user_date
from inbox_tui.filters import FilterError, date_range, view_filters

NOW = datetime(2026, 12, 2, 20, 30, tzinfo=UTC)  # 15:30 in New York


@pytest.fixture
def new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_today_and_yesterday_start_at_local_midnight(new_york: None) -> None:
    assert parse_user_date("today", now=NOW) == datetime(2026, 12, 2, 5, tzinfo=UTC)
    assert parse_user_date("Yesterday", now=NOW) == datetime(2026, 12, 1, 5, tzinfo=UTC)


def test_an_upper_bound_of_today_includes_the_whole_day(new_york: None) -> None:
    assert parse_user_date("today", end_of_day=True, now=NOW) == datetime(
        2026, 12, 3, 5, tzinfo=UTC
    )
    assert parse_user_date("yesterday", end_of_day=True, now=NOW) == datetime(
        2026, 12, 2, 5, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("text", "back"),
    [
        ("30m", timedelta(minutes=30)),
        ("24h", timedelta(hours=24)),
        ("7d", timedelta(days=7)),
        ("2W", timedelta(weeks=2)),
        (" 3 d ", timedelta(days=3)),
    ],
)
def test_a_span_counts_back_from_now(text: str, back: timedelta) -> None:
    assert parse_user_date(text, now=NOW) == NOW - back
    assert parse_user_date(text, end_of_day=True, now=NOW) == NOW - back


@pytest.mark.parametrize("text", ["tomorrow", "7", "d7", "7 days", "-3d", "99999999d"])
def test_anything_else_is_refused_with_the_forms_named(text: str) -> None:
    with pytest.raises(ValueError, match="today, yesterday or 7d/24h"):
        parse_user_date(text, now=NOW)


def test_a_huge_span_is_clamped_not_a_crash() -> None:
    early = datetime(100, 1, 1, tzinfo=UTC)
    assert parse_user_date("99999w", now=early) == datetime.min.replace(tzinfo=UTC)


def test_the_range_rule_takes_relative_bounds() -> None:
    after, before = date_range("7d", "today")
    assert after is not None and before is not None
    now = datetime.now(UTC)
    assert now - timedelta(days=7, minutes=5) < after < now - timedelta(days=6, hours=23)
    assert before > now
    with pytest.raises(FilterError, match="must be later"):
        date_range("today", "7d")


def test_a_saved_view_reads_today_when_it_is_applied(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[profiles.work]\ntoken_command = "pass x"\n\n'
        '[profiles.work.views.failed_today]\nsince = "today"\nfailed = true\n',
        encoding="utf-8",
    )
    path.chmod(0o600)
    view = load_config(path).profiles["work"].views["failed_today"]
    assert view.since == "today"  # kept as written, not frozen at load
    filters = view_filters(view)
    midnight = datetime.now().astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
    assert filters.after == midnight.astimezone(UTC) - timedelta(microseconds=1)
