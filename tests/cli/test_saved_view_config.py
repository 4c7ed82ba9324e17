"""Saved views in config.toml (``[profiles.NAME.views.X]``): validated at load with an
error naming the view and the field; a valid one becomes the filter pane's filters."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from inbox_tui.config import ConfigError, load_config
from inbox_tui.filters import Filters, view_filters
from inbox_tui.models import Direction

HEAD = '[profiles.work]\ntoken_command = "pass x"\nregion = "GB"\n\n'


def load(tmp_path: Path, body: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "config.toml"
    path.write_text(HEAD + body, encoding="utf-8")
    path.chmod(0o600)
    return load_config(path)


def error_of(tmp_path: Path, body: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, body)
    return str(caught.value)


def test_a_view_with_every_field_becomes_the_panes_filters(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        """
[profiles.work.views.failed_today]
status = ["failed", "undelivered"]
direction = "outbound"
since = "2025-06-01"
until = "2025-06-01"
contact = "020 8366 1177"
text = " refund "
flagged = true
failed = true
waiting = true
unread = true
mine = true

[profiles.work.views.second]
status = "failed,undelivered"
""",
    )
    _, profile = config.profile("work")
    assert list(profile.views) == ["failed_today", "second"]  # the order written: keys 1, 2
    filters = view_filters(profile.views["failed_today"], profile.region)
    assert filters == Filters(
        direction=Direction.OUTBOUND,
        statuses=frozenset({"failed", "undelivered"}),
        contact="+442083661177",  # read with the profile's region, as the pane does
        after=datetime(2025, 5, 31, 23, 59, 59, 999999, tzinfo=UTC),
        before=datetime(2025, 6, 2, tzinfo=UTC),
        flagged_only=True,
        text="refund",
        failed_only=True,
        waiting_only=True,
        unread_only=True,
        mine_only=True,
    )
    assert view_filters(profile.views["second"]).statuses == {"failed", "undelivered"}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            '[profiles.work.views.failed_today]\nsince = "yesterday-ish"\n',
            "bad value for 'since' in [profiles.work.views.failed_today] at",
        ),
        (
            '[profiles.work.views.failed_today]\nstatus = ["failed", "lost"]\n',
            "bad value for 'status' in [profiles.work.views.failed_today]",
        ),
        (
            '[profiles.work.views.mine]\ndirection = "sideways"\n',
            "bad value for 'direction' in [profiles.work.views.mine]",
        ),
        (
            '[profiles.work.views.mine]\nunread = "maybe"\n',
            "bad value for 'unread' in [profiles.work.views.mine]",
        ),
        (
            '[profiles.work.views.mine]\nstauts = "failed"\n',
            "unknown key 'stauts' in [profiles.work.views.mine]",
        ),
        (
            '[profiles.work.views.week]\nsince = "2025-06-08"\nuntil = "2025-06-01"\n',
            "until (2025-06-01) must be later than since (2025-06-08)",
        ),
    ],
)
def test_a_bad_view_is_refused_naming_the_view_and_field(
    tmp_path: Path, body: str, expected: str
) -> None:
    message = error_of(tmp_path, body)
    assert expected in message
    assert "week" in message or "failed_today" in message or "mine" in message


def test_the_errors_say_the_fix(tmp_path: Path) -> None:
    assert "did you mean 'status'?" in error_of(
        tmp_path, '[profiles.work.views.mine]\nstauts = "failed"\n'
    )
    status = error_of(tmp_path, '[profiles.work.views.x]\nstatus = "lost"\n')
    assert "received, queued, pending, sent, delivered, failed, undelivered" in status
    assert "YYYY-MM-DD" in error_of(tmp_path, '[profiles.work.views.x]\nuntil = "soon"\n')
    assert ":6" in error_of(tmp_path, '[profiles.work.views.x]\nuntil = "soon"\n')  # the line
