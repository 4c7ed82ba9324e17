"""Which account a command talks to: ``--demo``, explicit ``--backend/--base-url/...``
flags, ``--profile NAME`` or the config's default profile."""

from __future__ import annotations

import argparse
import contextlib
import logging
import re
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import ValidationError

from inbox_tui import secrets
from inbox_tui.cli.connect import build_backend, check_transport, demo_profile
from inbox_tui.config import Config, ConfigError, Profile, load_config
from inbox_tui.credentials import CredentialError, Credentials, resolve

if TYPE_CHECKING:
    from inbox_tui.core.backend import Backend

log = logging.getLogger(__name__)
COMMAND_LINE = "command-line"
DEMO = "demo"
DEMO_SEED = 7  # the embedded demo server's dataset
_warned: set[str] = set()


def cache_account(profile: Profile, *, demo_seed: int | None = None) -> str:
    """What names the account a cache belongs to: backend + base URL + workspace id (a
    heymarket base URL serves the team of the credentials). The demo: backend + dataset
    seed, since its URL has a new random port every run."""
    if demo_seed is not None:
        return demo_account(profile.backend, demo_seed)
    parts = urlsplit(profile.url)
    url = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), "", ""))
    account = (profile.workspace or "") if profile.backend == "workspace" else ""
    return f"{profile.backend}|{url}|{account}"


def demo_account(backend: str | None, seed: int = DEMO_SEED) -> str:
    """The cache account of ``--demo [--backend X]`` (no server needed: for --offline)."""
    return f"demo|{backend or 'heymarket'}|seed={seed}"


@dataclass
class Target:
    name: str
    profile: Profile
    credentials: Credentials
    insecure_transport: bool = False  # plain http to a non-loopback host, allowed by flag
    server: Any = field(default=None, repr=False)

    def backend(self) -> Backend:
        return build_backend(self.profile, self.credentials, insecure=self.insecure_transport)

    @property
    def cache_account(self) -> str:
        if self.server is not None:
            return cache_account(self.profile, demo_seed=getattr(self.server, "seed", DEMO_SEED))
        return cache_account(self.profile)


def warn(message: str) -> None:
    """Print a warning on stderr once per process."""
    if message not in _warned:
        _warned.add(message)
        print(f"inbox-tui: warning: {secrets.redact(message)}", file=sys.stderr)
        log.warning("%s", message)


def load(*, missing_ok: bool = False) -> Config:
    """The config file, its warnings printed once."""
    config = load_config(missing_ok=missing_ok)
    for message in config.warnings:
        warn(message)
    return config


def _explicit(args: argparse.Namespace) -> bool:
    return any(getattr(args, name, None) for name in ("backend", "base_url", "workspace"))


def _demo_server() -> Any:
    """The embedded demo server: in a child process where possible, so its imports, data
    and request handling don't compete with the app for this interpreter's lock."""
    from inbox_tui.demo import process

    if process.supported():
        return process.DemoServerProcess()
    from inbox_tui.demo.server import LIVE_SECONDS, DemoServer

    return DemoServer(live_interval=LIVE_SECONDS)


def resolve_target(
    args: argparse.Namespace, stack: contextlib.ExitStack, *, offline: bool = False
) -> Target:
    """Resolve the account; with ``--demo`` a demo server is started on ``stack``."""
    insecure = bool(getattr(args, "insecure", False))
    if getattr(args, "demo", False):
        if getattr(args, "profile", None) or getattr(args, "base_url", None):
            raise ConfigError("--demo cannot be combined with --profile or --base-url")
        server = stack.enter_context(_demo_server())
        profile, credentials = demo_profile(server, args.backend or "heymarket")
        for value in (credentials.token, credentials.secret_key):
            secrets.register(value)
        if args.inbox:
            profile = profile.model_copy(update={"inbox": args.inbox})
        return Target(DEMO, profile, credentials, server=server)

    if _explicit(args):
        name, profile = explicit_profile(args)
    else:
        config = load()
        name, profile = config.profile(args.profile)
        updates = {k: v for k, v in (("inbox", args.inbox), ("workspace", args.workspace)) if v}
        if updates:
            profile = profile.model_copy(update=updates)

    insecure_transport = check_transport(profile.url, insecure=insecure)
    if insecure_transport:
        warn(f"--insecure: talking plain http to {profile.url}; credentials are not encrypted")
    try:
        credentials = resolve(name, profile)
    except CredentialError:
        if not offline:
            raise
        # --offline reads the cache only: no request is sent, so no secret is needed.
        log.info("offline without credentials for profile %s", name)
        credentials = Credentials("token", "offline placeholder", token="offline")
    return Target(name, profile, credentials, insecure_transport)


def explicit_profile(args: argparse.Namespace) -> tuple[str, Profile]:
    """The account named by ``--backend/--base-url/--workspace`` (over ``--profile``)."""
    base: dict[str, Any] = {}
    name = COMMAND_LINE
    if args.profile:
        config = load()
        name, chosen = config.profile(args.profile)
        base = chosen.model_dump(exclude_none=True)
    if args.backend and args.backend != base.get("backend", args.backend):
        base = {k: v for k, v in base.items() if k not in ("inbox", "workspace")}
    overrides = {
        "backend": args.backend,
        "base_url": args.base_url,
        "inbox": args.inbox,
        "workspace": args.workspace,
    }
    base.update({k: v for k, v in overrides.items() if v})
    try:
        return name, Profile.model_validate(base)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        # The model speaks config.toml ("add workspace = \"ID\""); here, flags do.
        message = re.sub(
            r'(\w+) = "([^"]*)"',
            lambda m: f"--{m.group(1).replace('_', '-')} {m.group(2).strip('.') or 'VALUE'}",
            message,
        )
        flag = "--" + str(first["loc"][-1]).replace("_", "-") if first["loc"] else ""
        raise ConfigError(f"command line: {flag + ': ' if flag else ''}{message}") from None
