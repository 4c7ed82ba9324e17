"""The theme at start: the profile's ``theme`` when it names one, else the last theme picked
in the command palette (kept in ``ui_state.json`` under the user state dir, 0600, never in
the config), else Textual's default.

The profile wins because it is what the user wrote down; a palette pick then lasts for the
run (and is still remembered for when the profile stops naming a theme)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
from pathlib import Path

from textual.app import App

from inbox_tui import paths
from inbox_tui.store.db import private_dir

log = logging.getLogger(__name__)
STATE_FILE = "ui_state.json"


def state_path() -> Path:
    return paths.state_dir() / STATE_FILE


def saved_theme() -> str | None:
    with contextlib.suppress(OSError, ValueError):
        theme = json.loads(state_path().read_text(encoding="utf-8")).get("theme")
        return theme if isinstance(theme, str) and 0 < len(theme) <= 100 else None
    return None


def save_theme(name: str) -> None:
    """Write the state file whole (0600, via a temporary file); failures are logged only."""
    path = state_path()
    tmp = path.with_name(path.name + ".tmp")
    try:
        private_dir(path.parent)
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump({"theme": name}, out)
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("cannot remember the theme: %s", exc)


def apply_start_theme(app: App[object], profile_theme: str | None) -> None:
    """Set the start theme, then remember every later change (the palette's)."""
    for name, source in ((profile_theme, "profile"), (saved_theme(), "last used")):
        if not name:
            continue
        if name in app.available_themes:
            app.theme = name
            break
        log.warning("theme %r (%s) is not a known theme", name, source)
        if source == "profile":
            known = ", ".join(sorted(app.available_themes))
            app.notify(
                f"theme {name!r} is unknown; known: {known}",
                severity="warning",
                timeout=8,
                markup=False,
            )
    app.theme_changed_signal.subscribe(app, lambda theme: save_theme(theme.name))
