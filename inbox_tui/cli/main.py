"""The ``inbox-tui`` command line. ``main(argv) -> exit status``.

Exit statuses: 0 ok, 2 usage or config error, 3 authentication refused, 4 network or
server error, 130 interrupted. Failures print one line on stderr (a traceback only with
``--debug``), and never a secret. Textual is imported only by the commands that run the UI.
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys
import traceback
from collections.abc import Sequence

from inbox_tui import __version__, secrets

log = logging.getLogger("inbox_tui.cli.main")

EXIT_OK, EXIT_USAGE, EXIT_AUTH, EXIT_NETWORK, EXIT_INTERRUPTED = 0, 2, 3, 4, 130

MAIN_EPILOG = """\
examples:
  inbox-tui                                  open the default profile of config.toml
  inbox-tui --demo                           built-in demo server and data, no account
  inbox-tui --profile work                   open profile [profiles.work]
  inbox-tui --backend heymarket --base-url https://api.heymarket.com --inbox 413
  inbox-tui --backend workspace --base-url https://app.example.com --workspace ws_1
  inbox-tui export --contact +14155550100 --format csv --output thread.csv
  inbox-tui config check                     test the default profile's credentials

Secrets never go on the command line: set INBOX_TUI_TOKEN (or INBOX_TUI_SECRET_ID and
INBOX_TUI_SECRET_KEY for a heymarket JWT), or put token_command / secret_command in the
profile. Exit status: 0 ok, 2 usage/config, 3 authentication refused, 4 network/server.
"""

EXPORT_EPILOG = """\
examples:
  inbox-tui export --contact +14155550100 > thread.jsonl
  inbox-tui export --contact 4155550100 --inbox 413 --format md --output thread.md
  inbox-tui export --contact +14155550100 --direction inbound --status failed,undelivered
  inbox-tui export --contact +14155550100 --since 2024-01-01 --until 2024-01-31 -f csv
  inbox-tui export --demo --contact +14155550123

Messages are written oldest first. jsonl: one object per line with id, created_at, direction,
status, contact, own_number, author, body, media_url, flagged, kind, inbox_id. --since is
inclusive; --until is exclusive, and a bare date includes that whole day; times without an
offset are UTC. --output writes a temporary file and renames it, so the file is complete or
absent. Without --inbox, heymarket accounts search every visible inbox for the contact.
"""

DEMO_EPILOG = """\
examples:
  inbox-tui demo-server --port 8765
  curl -H "Authorization: Bearer TOKEN" http://127.0.0.1:8765/v1/inboxes
  inbox-tui demo-server --latency 0.2 --fault-rate 0.1     # slow and flaky, for testing

The server prints its URL and demo tokens on start; stop it with Ctrl+C.
"""

CONFIG_EPILOG = """\
examples:
  inbox-tui config path                 where config.toml is (INBOX_TUI_CONFIG overrides)
  inbox-tui config show                 the parsed config; secrets shown as ***
  inbox-tui config check --profile work resolve credentials, fetch one page, time it
"""

CACHE_EPILOG = """\
examples:
  inbox-tui cache path --profile work
  inbox-tui cache stats
  inbox-tui cache clear --profile work
"""


def _connection_options(*, top: bool) -> argparse.ArgumentParser:
    """Options accepted both before and after a subcommand (``inbox-tui export --offline``
    as well as ``inbox-tui --offline export``). Defaults are SUPPRESSed in sub-parsers so a
    value given before the subcommand survives."""
    parent = argparse.ArgumentParser(add_help=False)
    d = {} if top else {"default": argparse.SUPPRESS}
    group = parent.add_argument_group("account")
    group.add_argument("--profile", metavar="NAME", help="profile from config.toml", **d)
    group.add_argument(
        "--demo", action="store_true", help="use the built-in demo server and data", **d
    )
    group.add_argument(
        "--backend", choices=("heymarket", "workspace"), help="API style (explicit account)", **d
    )
    group.add_argument("--base-url", metavar="URL", help="API base URL (explicit account)", **d)
    group.add_argument("--inbox", metavar="ID", help="heymarket inbox id", **d)
    group.add_argument("--workspace", metavar="ID", help="workspace id (workspace API)", **d)
    general = parent.add_argument_group("general")
    general.add_argument(
        "--offline", action="store_true", help="use the local cache only; send no request", **d
    )
    general.add_argument(
        "--insecure", action="store_true", help="allow plain http:// to non-loopback hosts", **d
    )
    general.add_argument(
        "--read-only",
        action="store_true",
        help="send nothing: reply, close, assign and mark read are off",
        **d,
    )
    general.add_argument(
        "--debug", action="store_true", help="debug logging; tracebacks on errors", **d
    )
    return parent


def build_parser() -> argparse.ArgumentParser:
    fmt = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="inbox-tui",
        description="A keyboard-driven terminal inbox for business texting (SMS/MMS).",
        epilog=MAIN_EPILOG,
        formatter_class=fmt,
        parents=[_connection_options(top=True)],
    )
    parser.add_argument("--version", action="version", version=f"inbox-tui {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    common = _connection_options(top=False)

    export = sub.add_parser(
        "export",
        help="write one conversation as jsonl, csv or markdown",
        description="Write one whole conversation, oldest first.",
        epilog=EXPORT_EPILOG,
        formatter_class=fmt,
        parents=[common],
    )
    export.add_argument("--contact", required=True, metavar="NUMBER", help="the customer's number")
    export.add_argument("-f", "--format", choices=("jsonl", "csv", "md"), help="default: jsonl")
    export.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    export.add_argument("--direction", choices=("inbound", "outbound"))
    export.add_argument(
        "--status", action="append", default=[], metavar="STATUS[,STATUS]", help="repeatable"
    )
    export.add_argument("--since", metavar="DATE", help="from this date/time (inclusive)")
    export.add_argument("--until", metavar="DATE", help="before this date/time")

    demo = sub.add_parser(
        "demo-server",
        help="serve the fake APIs on loopback (for curl and scripts)",
        description="Serve both demo APIs over HTTP until interrupted.",
        epilog=DEMO_EPILOG,
        formatter_class=fmt,
    )
    demo.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1")
    demo.add_argument("--port", type=int, default=None, help="default: 8765 (0: any free port)")
    demo.add_argument("--seed", type=int, default=None, help="dataset seed")
    demo.add_argument("--latency", type=float, default=0.0, metavar="SECONDS")
    demo.add_argument("--fault-rate", type=float, default=0.0, metavar="0..1")
    demo.add_argument("--debug", action="store_true", default=argparse.SUPPRESS)

    config = sub.add_parser(
        "config",
        help="path | show | check",
        description="Inspect the config file and test a profile.",
        epilog=CONFIG_EPILOG,
        formatter_class=fmt,
        parents=[common],
    )
    config.add_argument("action", choices=("path", "show", "check"))

    cache = sub.add_parser(
        "cache",
        help="path | stats | clear of a profile's local cache",
        description="The local message cache of a profile.",
        epilog=CACHE_EPILOG,
        formatter_class=fmt,
        parents=[common],
    )
    cache.add_argument("action", choices=("path", "stats", "clear"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Start-up allocates hundreds of thousands of long-lived objects (modules, classes,
    # schemas) and almost no garbage; the cyclic collector would walk them again and again
    # (~30 ms). It stays off until the app is built (``cli_commands.startup_done``
    # freezes what exists by then and turns it back on) and is restored on the way out.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _main(argv)
    finally:
        gc.unfreeze()
        (gc.enable if gc_was_enabled else gc.disable)()


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version, usage errors (argparse printed them)
        return int(exit_.code or 0) if isinstance(exit_.code, int | None) else EXIT_USAGE
    debug = bool(getattr(args, "debug", False))
    from inbox_tui.logging_setup import setup_logging

    log_path = setup_logging(debug=debug)
    log.info("inbox-tui %s: command %s", __version__, args.command or "open")
    try:
        from inbox_tui.cli import commands as cli_commands

        return cli_commands.dispatch(args)
    except KeyboardInterrupt:
        log.info("interrupted")
        return EXIT_INTERRUPTED
    except BaseException as exc:
        if isinstance(exc, SystemExit):
            raise
        return _report(exc, debug=debug, log_path=str(log_path) if log_path else None)


def exit_status(exc: BaseException) -> int:
    from inbox_tui.config import ConfigError  # imported lazily: pydantic costs start-up time
    from inbox_tui.errors import ApiError, AuthError

    if isinstance(exc, ConfigError):
        return EXIT_USAGE
    if isinstance(exc, AuthError):
        return EXIT_AUTH
    if isinstance(exc, ApiError):
        return EXIT_NETWORK
    httpx = sys.modules.get("httpx")
    if httpx is not None and isinstance(exc, httpx.HTTPError):
        return EXIT_NETWORK
    if isinstance(exc, ConnectionError | TimeoutError):
        return EXIT_NETWORK
    return 1


def _report(exc: BaseException, *, debug: bool, log_path: str | None) -> int:
    from inbox_tui.config import ConfigError, printable
    from inbox_tui.errors import ApiError

    status = exit_status(exc)
    if isinstance(exc, ApiError):
        line = exc.user_message()
    elif isinstance(exc, ConfigError):
        line = str(exc)
    elif status == EXIT_NETWORK:
        line = f"Network error: {type(exc).__name__}: {exc}"
    else:
        where = f"; details in {log_path}" if log_path else ""
        line = f"internal error: {type(exc).__name__}: {exc}{where}"
    log.error("exit %d: %s", status, line, exc_info=exc if status == 1 or debug else None)
    if debug:
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        sys.stderr.write(secrets.redact(text))
    # One line, whatever the server or the OS put in the message (no terminal escapes).
    sys.stderr.write(f"inbox-tui: {printable(secrets.redact(line or type(exc).__name__))}\n")
    sys.stderr.flush()
    return status
