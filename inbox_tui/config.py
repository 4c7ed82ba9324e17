"""The config file: ``config.toml`` with a ``default_profile`` and ``[profiles.NAME]`` tables.

Read with :mod:`tomllib`, validated by pydantic (unknown keys are refused), and every problem
is reported as one line naming the file, the line, the key and the fix.

Secrets may live in the file (``token``, ``secret_id``/``secret_key``) although commands
(``token_command``/``secret_command``, e.g. ``pass show ...``) or the environment are better.
A file holding a secret or a command that fetches one must not be readable by group/others:
:attr:`Config.warnings` then carries a ``chmod 600`` hint.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from inbox_tui import paths
from inbox_tui.dates import parse_user_date
from inbox_tui.models import KNOWN_STATUSES

HEYMARKET_URL = "https://api.heymarket.com"
SECRET_FIELDS = ("token", "secret_key")  # masked by `config show`; secret_id is not secret
COMMAND_FIELDS = ("token_command", "secret_command")


class ConfigError(Exception):
    """A problem the user fixes in the config file or on the command line (exit status 2)."""


_DURATION = re.compile(r"(\d+)\s*([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400}


def parse_duration(text: str) -> timedelta:
    """``"30m"``, ``"2h"``, ``"1d"``, ``"1h30m"``, ``"45s"``: a positive duration."""
    compact = str(text).strip().lower().replace(" ", "")
    parts = _DURATION.findall(compact)
    if not compact or "".join(n + u for n, u in parts) != compact:
        raise ValueError(f'not a duration: write e.g. "30m", "2h" or "1d" (got {text!r})')
    seconds = sum(int(n) * _UNIT_SECONDS[u] for n, u in parts)
    if seconds <= 0:
        raise ValueError('the duration must be more than zero, e.g. "30m"')
    return timedelta(seconds=seconds)


class SavedView(BaseModel):
    """``[profiles.NAME.views.VIEW]``: the filter pane's fields, saved under a name (applied
    from the command palette or a number key, 1-9 in the order written)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    contact: str | None = None  # a number (in the profile's region's format too) or a name
    direction: Literal["inbound", "outbound"] | None = None
    status: tuple[str, ...] = ()  # ["failed", "undelivered"] or "failed,undelivered"
    since: str | None = None  # YYYY-MM-DD or ISO 8601, inclusive (the pane's "From")
    until: str | None = None  # inclusive, like the pane's "Until"
    text: str | None = None
    flagged: bool = False
    failed: bool = False  # has a failed message
    waiting: bool = False  # waiting over the profile's reply_within
    unread: bool = False
    mine: bool = False  # assigned to the profile's member_id

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.split(",")
        if not isinstance(value, list | tuple):
            return value  # pydantic says what it expected
        out = []
        for item in value:
            status = str(item).strip().lower()
            if status and status not in KNOWN_STATUSES:
                raise ValueError(
                    f"unknown status {status!r}; the filter pane's statuses are "
                    + ", ".join(KNOWN_STATUSES)
                )
            if status:
                out.append(status)
        return tuple(out)

    @field_validator("since", "until")
    @classmethod
    def _date(cls, value: str | None) -> str | None:
        try:
            parse_user_date(value or "")
        except ValueError:  # the error line shows the value itself
            raise ValueError(
                "not a date: write YYYY-MM-DD, ISO 8601, today, yesterday or 7d/24h"
            ) from None
        return value

    @model_validator(mode="after")
    def _order(self) -> SavedView:
        start = parse_user_date(self.since or "")
        end = parse_user_date(self.until or "", end_of_day=True)
        if start and end and end <= start:
            raise ValueError(f"until ({self.until}) must be later than since ({self.since})")
        return self


class Profile(BaseModel):
    """One account: which API, where, and how to get its credentials."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    backend: Literal["heymarket", "workspace"] = "heymarket"
    base_url: str | None = None
    inbox: str | None = None
    workspace: str | None = None
    token: str | None = Field(default=None, repr=False)
    token_command: str | None = None
    secret_id: str | None = None
    secret_key: str | None = Field(default=None, repr=False)
    secret_command: str | None = None
    command_timeout: float = Field(default=10.0, gt=0, le=600)
    timeout: float | None = Field(default=None, gt=0, le=600)  # per-request read timeout
    max_retries: int | None = Field(default=None, ge=0, le=20)
    page_size: int | None = Field(default=None, ge=1, le=100)
    poll_seconds: float = Field(default=15.0, ge=1, le=86_400)
    theme: str | None = None
    keys: dict[str, str] = Field(default_factory=dict)
    cache_max_mb: int | None = Field(default=None, ge=1)
    bell: bool = False
    # Writes (issue 12): the heymarket team member every write acts as (GET /v1/inboxes or
    # /v1/team lists them; `inbox-tui config check` too); `read_only` turns writes off;
    # `send_delay` is the undo window before a send leaves, in seconds.
    member_id: int | None = Field(default=None, ge=1)
    read_only: bool = False
    send_delay: float = Field(default=5.0, ge=0, le=60)
    # How a new inbound message reaches you besides the in-app notice: "osc" writes an
    # OSC 9 / OSC 777 desktop notification; notify_command runs with INBOX_TUI_* env vars.
    notify: Literal["none", "osc"] = "none"
    notify_command: str | None = None
    reply_within: str = "30m"  # a customer waiting longer than this stands out
    region: str = "US"  # numbers typed or sent without a country code are read as this
    views: dict[str, SavedView] = Field(default_factory=dict)  # saved filter views

    @field_validator("reply_within")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)  # raises ValueError with the fix
        return value.strip()

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        code = value.strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise ValueError('a two-letter country code, e.g. region = "GB"')
        return code

    @property
    def reply_threshold(self) -> timedelta:
        return parse_duration(self.reply_within)

    @field_validator("inbox", "workspace", mode="before")
    @classmethod
    def _id_as_text(cls, value: object) -> object:
        # `inbox = 413` is as natural as `inbox = "413"`; ids are strings inside the app.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL; write e.g. '{HEYMARKET_URL}'")
        return value.strip().rstrip("/")

    @field_validator("keys")
    @classmethod
    def _keys(cls, value: dict[str, str]) -> dict[str, str]:
        for action, key in value.items():
            if not key.strip():
                raise ValueError(f"key for action '{action}' is empty")
        return value

    @model_validator(mode="after")
    def _complete(self) -> Profile:
        if self.backend == "workspace":
            if not self.workspace:
                raise ValueError("backend 'workspace' needs a workspace id: add workspace = \"ID\"")
            if not self.base_url:
                raise ValueError("backend 'workspace' needs base_url = \"https://...\"")
        if bool(self.secret_key) and not (self.secret_id or self.secret_command):
            raise ValueError('secret_key is set without secret_id: add secret_id = "..."')
        return self

    @property
    def url(self) -> str:
        """The base URL, with heymarket's production URL as the default."""
        return self.base_url or HEYMARKET_URL

    def has_secret_material(self) -> bool:
        return any(getattr(self, name) for name in (*SECRET_FIELDS, *COMMAND_FIELDS))


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    default_profile: str | None = None
    profiles: dict[str, Profile] = Field(default_factory=dict)

    # Not part of the file: where it came from and what the user should hear about it.
    path: Path | None = Field(default=None, exclude=True)
    warnings: tuple[str, ...] = Field(default=(), exclude=True)

    @model_validator(mode="after")
    def _default_exists(self) -> Config:
        if self.default_profile is not None and self.default_profile not in self.profiles:
            known = ", ".join(sorted(self.profiles)) or "none"
            raise ValueError(
                f"default_profile '{self.default_profile}' is not defined "
                f"(profiles: {known}); add [profiles.{self.default_profile}]"
            )
        return self

    def profile(self, name: str | None) -> tuple[str, Profile]:
        """The profile called ``name``, else the default one, else the only one."""
        where = str(self.path) if self.path else "the config file"
        if name is not None:
            if name not in self.profiles:
                known = ", ".join(sorted(self.profiles)) or "none defined"
                hint = difflib.get_close_matches(name, list(self.profiles), n=1)
                suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
                raise ConfigError(f"no profile '{name}' in {where} (profiles: {known}){suggestion}")
            return name, self.profiles[name]
        if self.default_profile:
            return self.default_profile, self.profiles[self.default_profile]
        if len(self.profiles) == 1:
            only = next(iter(self.profiles))
            return only, self.profiles[only]
        if not self.profiles:
            raise ConfigError(
                f"no profiles in {where}: add a [profiles.NAME] table "
                "(see README 'Connect your account'), or try `inbox-tui --demo`"
            )
        raise ConfigError(
            f"several profiles in {where} and no default_profile: add "
            f'default_profile = "{sorted(self.profiles)[0]}" or pass --profile NAME'
        )


def load_config(path: Path | None = None, *, missing_ok: bool = False) -> Config:
    """Read and validate the config file. A missing file is an empty config when
    ``missing_ok``, else a :class:`ConfigError` saying where to create it."""
    path = path or paths.config_file()
    try:
        raw = _read_regular(path)
    except FileNotFoundError:
        if missing_ok:
            return Config(path=path)
        raise ConfigError(
            f"no config file at {path}: create it (see README 'Connect your account'), "
            "or try `inbox-tui --demo`"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")  # editors on Windows add a BOM
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_toml_message(path, exc)) from None
    except RecursionError:
        raise ConfigError(
            f"{path}: invalid TOML: arrays or tables nested too deeply; "
            "a config file needs at most a few levels"
        ) from None
    try:
        config = Config.model_validate(data)
    except RecursionError:
        raise ConfigError(f"{path}: values nested too deeply; check the file") from None
    except ValidationError as exc:
        problems = [printable(_problem(path, text, error)) for error in exc.errors()]
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        error = ConfigError(problems[0] + more)
        error.problems = problems  # type: ignore[attr-defined]
        raise error from None
    return config.model_copy(update={"path": path, "warnings": _permission_warnings(path, config)})


MAX_CONFIG_BYTES = 1024 * 1024


def _read_regular(path: Path) -> bytes:
    """The file's bytes, if it is a regular file. A FIFO would block ``read`` forever and
    a device never ends: both are refused without waiting (opened non-blocking, checked
    with ``fstat`` on what was actually opened)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ConfigError(f"cannot read {path}: it is a folder, not a config.toml file")
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(
                f"cannot read {path}: it is not a regular file (a FIFO or device); "
                "point INBOX_TUI_CONFIG at a config.toml file"
            )
        if info.st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"cannot read {path}: larger than 1 MiB, not a config file")
        with os.fdopen(os.dup(fd), "rb") as handle:
            return handle.read(MAX_CONFIG_BYTES + 1)
    finally:
        os.close(fd)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with control characters shown escaped (``\\n``, ``\\x1b``): one safe line."""
    return _CONTROL.sub(lambda match: repr(match.group())[1:-1], text)


def _toml_message(path: Path, exc: tomllib.TOMLDecodeError) -> str:
    match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
    reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
    reason = re.sub(r"\s*\(at end of document\)", " at end of file", reason)
    where = f"{path}:{match.group(1)}:{match.group(2)}" if match else str(path)
    return f"{where}: invalid TOML: {reason}; fix the syntax on that line"


def _table_name(loc: tuple[str, ...]) -> str:
    return "[" + ".".join(loc) + "]" if loc else "the top level"


def _fields_of(loc: tuple[str, ...]) -> list[str]:
    if len(loc) >= 4 and loc[0] == "profiles" and loc[2] == "views":
        return list(SavedView.model_fields)
    if len(loc) >= 2 and loc[0] == "profiles":
        return [name for name in Profile.model_fields]
    if not loc:
        return [name for name in Config.model_fields if name not in ("path", "warnings")]
    return []


def _problem(path: Path, text: str, error: Any) -> str:
    loc = tuple(str(part) for part in error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        table, key = loc[:-1], loc[-1]
        line = find_line(text, loc)
        where = f"{path}:{line}" if line else str(path)
        hint = difflib.get_close_matches(key, _fields_of(table), n=1, cutoff=0.5)
        fix = f"did you mean '{hint[0]}'?" if hint else "remove it"
        return f"unknown key '{key}' in {_table_name(table)} at {where}; {fix}"
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind == "missing":
        message = "this key is required"
    line = find_line(text, loc or ("default_profile",))
    where = f"{path}:{line}" if line else str(path)
    if loc and loc[0] == "profiles" and len(loc) == 2:
        return f"profile [{'.'.join(loc)}] at {where}: {message}"
    if not loc:
        return f"{where}: {message}"
    table, key = loc[:-1], loc[-1]
    got = error.get("input")
    shown = ""
    if kind != "missing" and key not in SECRET_FIELDS and isinstance(got, str | int | float):
        shown = f" (got {got!r})"
    return f"bad value for '{key}' in {_table_name(table)} at {where}: {message}{shown}"


_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"'. ]+?)\s*=")


def _split_dotted(name: str) -> tuple[str, ...]:
    parts = re.findall(r'"([^"]*)"|\'([^\']*)\'|([^.\s]+)', name)
    return tuple(next(p for p in part if p) if any(part) else "" for part in parts)


def find_line(text: str, loc: tuple[str, ...]) -> int | None:
    """The 1-based line where the key at ``loc`` (e.g. ``("profiles", "work", "tokn")``)
    is written, else the line of its nearest enclosing table header, else None."""
    best: tuple[int, int] | None = None  # (matched depth, line)
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            table = _split_dotted(header.group(1))
            depth = len(table) if loc[: len(table)] == table else -1
            if depth > 0 and (best is None or depth > best[0]):
                best = (depth, number)
            continue
        key = _KEY.match(line)
        if key:
            full = table + _split_dotted(key.group(1))
            if full == loc:
                return number
            if loc[: len(full)] == full and (best is None or len(full) > best[0]):
                best = (len(full), number)
    return best[1] if best else None


def _permission_warnings(path: Path, config: Config) -> tuple[str, ...]:
    if os.name != "posix" or not any(p.has_secret_material() for p in config.profiles.values()):
        return ()
    try:
        mode = path.stat().st_mode
    except OSError:
        return ()
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return (
            f"{path} holds secrets (or commands that fetch them) and is readable by "
            f"group/others; fix: chmod 600 {path}",
        )
    return ()
