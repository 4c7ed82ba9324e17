"""What each ``inbox-tui`` command does (the parser and exit statuses are in ``cli.py``)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import re
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from inbox_tui import paths, secrets
from inbox_tui.cli.target import (
    COMMAND_LINE,
    DEMO,
    Target,
    _explicit,
    cache_account,
    demo_account,
    explicit_profile,
    load,
    resolve_target,
    warn,
)
from inbox_tui.config import COMMAND_FIELDS, SECRET_FIELDS, ConfigError, Profile
from inbox_tui.credentials import ENV_SECRET_ID, ENV_SECRET_KEY, ENV_TOKEN, planned_source
from inbox_tui.text import one_line

log = logging.getLogger(__name__)
T = TypeVar("T")


def dispatch(args: argparse.Namespace) -> int:
    handlers: dict[str | None, Callable[[argparse.Namespace], int]] = {
        None: open_app,
        "export": export,
        "demo-server": demo_server,
        "config": config,
        "cache": cache,
    }
    handler = handlers[args.command]
    if handler is not open_app:
        startup_done()
    return handler(args)


def startup_done() -> None:
    """Turn the cyclic garbage collector back on (``cli.main`` turns it off for the
    start-up), after freezing the objects start-up made: they live as long as the process,
    so later collections need not walk them."""
    gc.freeze()
    gc.enable()


def _with_backend(target: Target, job: Callable[[Any], Awaitable[T]]) -> T:
    """Run ``job(backend)`` on a fresh event loop and close the backend afterwards."""

    async def runner() -> T:
        backend = target.backend()
        try:
            return await job(backend)
        finally:
            with contextlib.suppress(Exception):
                await backend.aclose()

    return asyncio.run(runner())


# --- the TUI --------------------------------------------------------------------------------


def open_app(args: argparse.Namespace) -> int:
    with contextlib.ExitStack() as stack:
        app = build_app(args, stack)
        startup_done()
        app.run()
        status = getattr(app, "return_code", None)
    return int(status or 0)


DEMO_POLL_SECONDS = 5.0  # the demo server's live mode writes every few seconds


def build_app(args: argparse.Namespace, stack: contextlib.ExitStack) -> Any:
    """The configured :class:`InboxApp` (not yet running), with the profile's cache.
    ``--offline`` reads the cache only: no credentials, no backend, no request."""
    from inbox_tui.store.last_profile import record_last_profile

    if args.offline:
        return _build_offline_app(args)
    target = resolve_target(args, stack, offline=False)
    backend = target.backend()
    profile = target.profile
    if target.server is not None:  # --demo: live updates show quickly
        profile = profile.model_copy(
            update={"poll_seconds": min(profile.poll_seconds, DEMO_POLL_SECONDS)}
        )
    if getattr(args, "read_only", False):
        profile = profile.model_copy(update={"read_only": True})
    from inbox_tui.ui.app import InboxApp  # Textual costs time: only now

    log.info("opening %s (%s)", target.name, getattr(backend, "label", target.profile.url))
    account = target.cache_account
    record_last_profile(target.name, account)
    return InboxApp(
        backend,
        profile_name=target.name,
        inbox_id=target.profile.inbox,
        insecure=target.insecure_transport,
        offline=False,
        store=_store_opener(target.name, account),
        settings=profile,
    )


def _store_opener(profile_name: str, account: str | None) -> Callable[[], Awaitable[Any]]:
    """The app opens the cache itself, on its own loop (SQLite runs on the store's threads).
    A pre-account cache file of this profile is renamed first when it provably holds only
    this account (see :func:`inbox_tui.store.store.adopt_legacy`)."""

    async def open_store() -> Any:
        from inbox_tui.store import Store

        if account is not None:
            await asyncio.to_thread(_adopt_legacy, profile_name, account)
        return await Store.open_profile(profile_name, account=account)

    return open_store


def _adopt_legacy(profile_name: str, account: str) -> None:
    from inbox_tui.store.store import adopt_legacy

    backend = account.split("|")[1] if account.startswith("demo|") else account.split("|")[0]
    try:
        adopt_legacy(profile_name, account, backend, shared=profile_name == COMMAND_LINE)
    except OSError as exc:
        log.warning("cache rename of %s skipped: %s", profile_name, exc)


def cache_target(
    args: argparse.Namespace, *, what: str = "--offline"
) -> tuple[str, Profile | None, str | None]:
    """Which cache ``--offline`` (and ``inbox-tui cache``) opens: ``--demo`` → the demo of
    ``--backend``; explicit account flags → that command-line account; ``--profile`` or
    the config's default profile; else the profile and account used last (recorded in the
    cache directory). Returns ``(profile name, profile or None, cache account or None)``;
    the account is None only for a last profile recorded by an older version."""
    from inbox_tui.store.last_profile import read_last_account, read_last_profile

    if getattr(args, "demo", False):
        return DEMO, None, demo_account(getattr(args, "backend", None))
    if _explicit(args):
        name, profile = explicit_profile(args)
        return name, profile, cache_account(profile)
    try:
        config = load(missing_ok=True)
        name, profile = config.profile(args.profile)
        return name, profile, cache_account(profile)
    except ConfigError:
        if args.profile:
            raise
    last = read_last_profile()
    if last is None:
        raise ConfigError(
            f"{what}: no profile configured and no cache used yet; run inbox-tui "
            "(or inbox-tui --demo) online once so there is a cache to open"
        )
    return last, None, read_last_account()


def _build_offline_app(args: argparse.Namespace) -> Any:
    from inbox_tui.core.offline import CacheOnlyBackend
    from inbox_tui.ui.app import InboxApp

    name, profile, account = cache_target(args)
    log.info("opening the cache of %s offline", name)
    return InboxApp(
        CacheOnlyBackend("offline cache"),
        profile_name=name,
        inbox_id=(args.inbox or (profile.inbox if profile else None)),
        offline=True,
        store=_store_opener(name, account),
        settings=profile,
    )


# --- export ---------------------------------------------------------------------------------


def export(args: argparse.Namespace) -> int:
    from inbox_tui.core import export as exporter

    fmt = args.format or _format_from_suffix(args.output) or "jsonl"
    filters = exporter.build_filters(
        direction=args.direction, statuses=args.status, since=args.since, until=args.until
    )
    output = Path(args.output) if args.output else None
    progress = _progress_printer(args.contact) if _stderr_is_tty() else None

    if args.offline:
        conversation, messages = asyncio.run(_export_offline(args, filters))
        return _write_export(args, messages, conversation, fmt, output)
    with contextlib.ExitStack() as stack:
        target = resolve_target(args, stack)
        inbox_id = args.inbox or target.profile.inbox

        async def fetch(backend: Any) -> tuple[Any, list[Any]]:
            conversation, pager, first, note = await exporter.locate(
                backend, args.contact, inbox_id, filters
            )
            if note:
                print(f"inbox-tui: {one_line(note)}", file=sys.stderr)
            cached = await _spool_from_cache(
                args, target, backend, conversation, filters, progress, fmt
            )
            if cached is not None:
                return conversation, cached
            # On disk page by page, formatted as it comes: constant memory, no model kept.
            messages = await exporter.spool(pager, first, filters, progress, fmt)
            return conversation, messages

        try:
            conversation, messages = _with_backend(target, fetch)
        finally:
            if progress:
                sys.stderr.write("\n")  # end the progress line, before any error line
    if not messages and filters.is_empty():  # a typo in the number, or the wrong account
        where = f" in inbox {conversation.inbox_id}" if conversation.inbox_id else ""
        raise ConfigError(f"no messages with {conversation.contact}{where}: nothing written")
    return _write_export(args, messages, conversation, fmt, output)


async def _spool_from_cache(
    args: argparse.Namespace,
    target: Target,
    backend: Any,
    conversation: Any,
    filters: Any,
    progress: Any,
    fmt: str,
) -> Any:
    """The thread spooled mostly from the profile's cache (``exporter.spool_from_cache``),
    or None: ``--fresh``, the embedded demo (its data moves with the clock), no cache file
    yet, a cache that cannot be opened, or one without the whole thread."""
    from inbox_tui.core import export as exporter
    from inbox_tui.store import CacheError, Store
    from inbox_tui.store.store import profile_path

    if args.fresh or target.server is not None:
        return None
    account = target.cache_account
    if not profile_path(target.name, account).exists():
        return None
    try:
        store = await Store.open_profile(target.name, account=account, recover=False)
    except CacheError as exc:
        log.info("export: not using the cache (%s)", exc)
        return None
    try:
        return await exporter.spool_from_cache(store, backend, conversation, filters, progress, fmt)
    finally:
        await store.close()


async def _export_offline(args: argparse.Namespace, filters: Any) -> tuple[Any, list[Any]]:
    """``export --offline``: the thread from the cache, when the cache holds all of it."""
    from inbox_tui.core import export as exporter
    from inbox_tui.store import Store

    name, profile, account = cache_target(args)
    store = await Store.open_profile(name, account=account)
    try:
        inbox_id = args.inbox or (profile.inbox if profile else None)
        conversation = await exporter.cached_conversation(store, args.contact, inbox_id)
        messages = await exporter.complete_cached(store, conversation)
    finally:
        await store.close()
    return conversation, [m for m in messages if filters.matches(m)]


def _write_export(
    args: argparse.Namespace, messages: list[Any], conversation: Any, fmt: str, output: Any
) -> int:
    from inbox_tui.core import export as exporter
    from inbox_tui.core.export_spool import Spool

    try:
        exporter.write_export(messages, conversation, fmt, sys.stdout, output)
    except BrokenPipeError:
        # The reader (e.g. `head`) closed the pipe: it got what it wanted. Point stdout at
        # /dev/null so the interpreter's final flush does not complain.
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return 0
    finally:
        if isinstance(messages, Spool):  # pages spooled on disk (an online export)
            messages.close()
    log.info("exported %d messages of %s as %s", len(messages), conversation.key, fmt)
    if output is not None:
        print(f"inbox-tui: wrote {len(messages)} messages to {output}", file=sys.stderr)
    return 0


def _format_from_suffix(output: str | None) -> str | None:
    if not output:
        return None
    suffix = Path(output).suffix.lower().lstrip(".")
    return {"jsonl": "jsonl", "json": "jsonl", "csv": "csv", "md": "md", "markdown": "md"}.get(
        suffix
    )


def _stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (ValueError, OSError):
        return False


def _progress_printer(contact: str) -> Callable[[int], None]:
    def show(count: int) -> None:
        sys.stderr.write(f"\rexporting {contact}: {count} messages fetched")
        sys.stderr.flush()

    return show


# --- demo server ----------------------------------------------------------------------------


def demo_server(args: argparse.Namespace) -> int:
    from inbox_tui.cli.connect import is_loopback

    if not is_loopback(args.host):
        warn(f"demo server listening on {args.host}: reachable from other machines")
    if not 0 <= args.fault_rate <= 1:
        raise ConfigError("--fault-rate must be between 0 and 1")
    if args.latency < 0:
        raise ConfigError("--latency must not be negative")
    if args.port is not None and not 0 <= args.port <= 65535:
        raise ConfigError("--port must be between 0 and 65535")
    from inbox_tui.demo.server import serve

    kwargs: dict[str, Any] = {"latency": args.latency, "fault_rate": args.fault_rate}
    if args.seed is not None:
        kwargs["seed"] = args.seed
    if args.port is not None:
        kwargs["port"] = args.port
    try:
        return int(serve(args.host, out=sys.stdout, **kwargs) or 0)
    except OSError as exc:
        where = f"{args.host}:{args.port}" if args.port is not None else args.host
        raise ConfigError(f"cannot listen on {where}: {exc.strerror or exc}") from None


# --- config ---------------------------------------------------------------------------------


def config(args: argparse.Namespace) -> int:
    if args.action == "path":
        print(paths.config_file())
        return 0
    if args.action == "show":
        return _config_show(args)
    return _config_check(args)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict):
        pairs = (f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + ", ".join(pairs) + " }"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def _toml_key(key: str) -> str:
    """A bare key when TOML allows one, else quoted (``"list.next_failed"`` is one key)."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_value(key)


def _profile_lines(profile: Profile) -> list[str]:
    lines: list[str] = []
    data = profile.model_dump(exclude_none=True, exclude_defaults=False)
    for key, value in data.items():
        if key in SECRET_FIELDS:
            lines.append(f"{key} = {_toml_value(secrets.mask(value))}")
        elif key == "keys" and not value:
            continue
        else:
            shown = _toml_value(value)
            lines.append(f"{key} = {secrets.redact(shown) if key in COMMAND_FIELDS else shown}")
    if profile.base_url is None:
        lines.append(f"# base_url defaults to {profile.url}")
    return lines


def _config_show(args: argparse.Namespace) -> int:
    path = paths.config_file()
    config = load(missing_ok=True)
    out: list[str] = [f"# {path}" + ("" if path.exists() else " (does not exist)")]
    if config.default_profile:
        out.append(f"default_profile = {_toml_value(config.default_profile)}")
    names = [args.profile] if args.profile else list(config.profiles)
    if args.profile:
        config.profile(args.profile)  # a clear error for an unknown name
    for name in names:
        out.append("")
        out.append(f"[profiles.{_toml_key(name)}]")
        out.extend(_profile_lines(config.profiles[name]))
        out.append(f"# secret from: {planned_source(config.profiles[name])}")
    env_lines = []
    for var in (ENV_TOKEN, ENV_SECRET_ID, ENV_SECRET_KEY):
        value = os.environ.get(var)
        if value:
            shown = value if var == ENV_SECRET_ID else secrets.mask(value)
            env_lines.append(f"# {var} is set: {shown} (overrides the profiles' secrets)")
    if env_lines:
        out.append("")
        out.extend(env_lines)
    print("\n".join(out))
    return 0


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _config_check(args: argparse.Namespace) -> int:
    try:
        with contextlib.ExitStack() as stack:
            target = resolve_target(args, stack)
            return _check_target(target)
    except ConfigError as exc:
        problems = getattr(exc, "problems", None)
        if not problems or len(problems) < 2:
            raise
        for problem in problems:  # check lists them all, one line each
            print(f"inbox-tui: {secrets.redact(problem)}", file=sys.stderr)
        log.error("config check: %d problems", len(problems))
        return 2


def _check_target(target: Target) -> int:
    profile = target.profile
    print(f"profile {target.name}: {profile.backend} at {secrets.redact(profile.url)}")
    print(f"credentials: {target.credentials.describe()}")

    async def job(backend: Any) -> list[str]:
        report: list[str] = []
        started = time.perf_counter()
        inboxes = await backend.inboxes()
        took = time.perf_counter() - started
        names = ", ".join(
            f"{one_line(inbox.name)} ({one_line(inbox.id)})" for inbox in inboxes[:10]
        )
        more = f", +{len(inboxes) - 10} more" if len(inboxes) > 10 else ""
        report.append(f"inboxes: {len(inboxes)} visible: {names}{more}  [{_ms(took)}]")
        inbox_id = profile.inbox or (inboxes[0].id if inboxes else None)
        started = time.perf_counter()
        latest = await backend.latest(inbox_id)
        took = time.perf_counter() - started
        newest = max((m.created_at for m in latest), default=None)
        when = f", newest {newest:%Y-%m-%d %H:%M} UTC" if newest else ""
        where = f" (inbox {inbox_id})" if inbox_id and profile.backend == "heymarket" else ""
        report.append(f"latest messages{where}: {len(latest)} on one page{when}  [{_ms(took)}]")
        if profile.backend == "heymarket":
            report.extend(await _member_lines(backend, profile))
        else:
            report.append("writes: none (the workspace API has no documented writes)")
        return report

    for line in _with_backend(target, job):
        print(line)
    print("OK")
    return 0


async def _member_lines(backend: Any, profile: Profile) -> list[str]:
    """Who writes act as: the profile's ``member_id``, or the members to choose from."""
    from inbox_tui.errors import ApiError

    try:
        roster = await backend.roster()
    except ApiError as exc:
        return [f"team members: unavailable ({exc.user_message()})"]

    def describe(member: Any) -> str:
        inboxes = ", ".join(one_line(i) for i in member.inbox_ids) or "no inbox"
        return f"{one_line(member.id)}: {one_line(member.name, 40)} (inboxes {inboxes})"

    if profile.member_id is None:
        lines = [
            "member_id: not set, so replying, closing and assigning are off; add "
            "member_id = N to the profile, N one of these team members:"
        ]
        return lines + [f"  {describe(m)}" for m in roster]
    mine = next((m for m in roster if m.id == str(profile.member_id)), None)
    if mine is None:
        known = ", ".join(m.id for m in roster) or "none"
        return [f"member_id: {profile.member_id} is not a team member (members: {known})"]
    line = f"member_id: {describe(mine)}"
    if profile.inbox and profile.inbox not in mine.inbox_ids:
        line += f"; warning: not a member of inbox {profile.inbox}, writes there are refused"
    if profile.read_only:
        line += "; read_only = true: writes are off"
    return [line]


# --- cache ----------------------------------------------------------------------------------


def cache(args: argparse.Namespace) -> int:
    from inbox_tui.store import maintenance

    name, _, account = cache_target(args, what="cache")
    if account is not None:
        _adopt_legacy(name, account)
    if args.action == "path":
        print(maintenance.cache_path(name, account))
    elif args.action == "stats":
        for key, value in maintenance.cache_stats(name, account).items():
            print(f"{key}: {value}")
    else:
        maintenance.cache_clear(name, account)
        print(f"cleared the cache of profile {name}")
    return 0
