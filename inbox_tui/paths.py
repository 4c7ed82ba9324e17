"""Where inbox-tui keeps its files. Each location can be overridden by an environment
variable, which the tests use to keep every run inside a temporary directory."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "inbox-tui"


def config_file() -> Path:
    override = os.environ.get("INBOX_TUI_CONFIG")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def cache_dir() -> Path:
    override = os.environ.get("INBOX_TUI_CACHE_DIR")
    return Path(override).expanduser() if override else Path(platformdirs.user_cache_dir(APP_NAME))


def log_dir() -> Path:
    override = os.environ.get("INBOX_TUI_LOG_DIR")
    return Path(override).expanduser() if override else Path(platformdirs.user_log_dir(APP_NAME))


def state_dir() -> Path:
    """Small UI state kept between runs (the last theme): not config, not cache."""
    override = os.environ.get("INBOX_TUI_STATE_DIR")
    return Path(override).expanduser() if override else Path(platformdirs.user_state_dir(APP_NAME))


def styles_dir() -> Path:
    """``inbox_tui/styles`` inside an installed wheel, else ``styles/`` of the checkout."""
    packaged = Path(__file__).parent / "styles"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "styles"
