"""The README's path end to end: a config profile whose token comes from a command opens the
real app (headless) against the demo server over loopback HTTP."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import pytest

from inbox_tui.cli.main import main


def headless(monkeypatch: pytest.MonkeyPatch, seen: dict[str, Any]) -> None:
    """Make ``InboxApp.run`` run headless and quit once the inboxes are loaded."""
    from inbox_tui.ui.app import InboxApp

    original = InboxApp.run

    def run(self: Any, **kwargs: Any) -> Any:
        async def pilot_job(pilot: Any) -> None:
            deadline = time.monotonic() + 60  # generous: a loaded CI machine is slow
            while not self.session.inboxes and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            seen.update(
                inboxes=[i.name for i in self.session.inboxes],
                settings=self.session.settings,
                offline=self.offline,
                profile=self.profile_name,
                inbox=self.inbox_id,
                backend=type(self.session.backend).__name__,
            )
            self.exit()

        return original(self, headless=True, size=(100, 30), auto_pilot=pilot_job)

    monkeypatch.setattr(InboxApp, "run", run)


def test_profile_with_token_command_opens_the_app(
    demo_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "pass-show"
    script.write_text(f"#!/bin/sh\necho '{demo_server.heymarket_token}'\n")
    script.chmod(0o700)
    config = Path(os.environ["INBOX_TUI_CONFIG"])
    config.write_text(
        'default_profile = "support"\n\n[profiles.support]\nbackend = "heymarket"\n'
        f'base_url = "{demo_server.base_url}"\ninbox = 413\ntoken_command = "{script}"\n'
        "poll_seconds = 30\n"
    )
    config.chmod(0o600)
    seen: dict[str, Any] = {}
    headless(monkeypatch, seen)
    assert main([]) == 0
    assert seen["inboxes"] == ["Support", "Sales", "Billing"]
    assert seen["profile"] == "support" and seen["inbox"] == "413"
    assert seen["backend"] == "HeymarketBackend" and seen["settings"].poll_seconds == 30


def test_demo_workspace_opens_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}
    headless(monkeypatch, seen)
    assert main(["--demo", "--backend", "workspace"]) == 0
    assert seen["backend"] == "WorkspaceBackend" and seen["profile"] == "demo"
    assert seen["inboxes"]


def test_offline_without_credentials_still_opens(monkeypatch: pytest.MonkeyPatch) -> None:
    config = Path(os.environ["INBOX_TUI_CONFIG"])
    config.write_text('[profiles.away]\nbackend = "heymarket"\n')  # no secret anywhere
    seen: dict[str, Any] = {}
    from inbox_tui.ui.app import InboxApp

    def run(self: Any, **kwargs: Any) -> None:
        seen.update(offline=self.offline, profile=self.profile_name)

    monkeypatch.setattr(InboxApp, "run", run)
    assert main(["--offline"]) == 0
    assert seen == {"offline": True, "profile": "away"}
    assert main([]) == 2  # online, the missing secret is an error
