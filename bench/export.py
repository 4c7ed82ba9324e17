"""Export bench, measured from outside: ``python bench/export.py --baseline /work/main``.

A demo server (its own process) holds a thread of ``--size`` messages (10,000 by
default); the real ``inbox-tui export`` CLI writes it to a file, as a subprocess, run
alternately from this checkout and from the ``--baseline`` checkout (same server, same
data, same format), ``--runs`` times each. Reported per side: median seconds, MB/s of
output, and the child's peak RSS (``wait4``); then this checkout against the baseline.

Then the same again with the thread in this checkout's cache, walked to its beginning
the way the app's ``g`` does it (``CachedThread``, the app's own code; the baseline ignores
the cache): an export then asks the server only for what is newer than the cache.

Targets (issue 11): at least 3x faster than the baseline, and constant memory: the peak
RSS of a 10k export no higher than an export of a small thread plus 10 MB.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SPEEDUP = 3.0
TARGET_RSS_SLACK_MB = 10.0
TOKEN = "demo-heymarket-key"

# The server of this checkout for both sides; it names the big thread's contact and inbox.
SERVER = """
import sys
from inbox_tui.demo.dataset import build_dataset
from inbox_tui.demo.server import DemoServer
sizes = tuple(int(n) for n in sys.argv[1].split(","))
dataset = build_dataset(7, big_threads=sizes)
threads = dataset.biggest_threads(len(sizes))
with DemoServer(dataset=dataset) as server:
    print(server.base_url, *(f"{c.contact},{c.inbox_id},{c.message_count}" for c in threads),
          flush=True)
    while sys.stdin.read(1):
        pass
"""


@contextlib.contextmanager
def demo_server(sizes: tuple[int, ...]) -> Iterator[tuple[str, list[tuple[str, str, int]]]]:
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER, ",".join(map(str, sizes))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=ROOT,
        text=True,
    )
    try:
        assert process.stdout is not None
        url, *threads = process.stdout.readline().split()
        parsed = [(c, i, int(n)) for c, i, n in (t.split(",") for t in threads)]
        yield url, parsed
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()


# Walks the thread into the cache of the command-line profile, as opening it in the app and
# pressing g does (run with this checkout's Python, in the bench's home).
FILL = """
import asyncio, sys
from inbox_tui.api.auth import BearerToken
from inbox_tui.api.heymarket import HeymarketBackend
from inbox_tui.cli.target import COMMAND_LINE, cache_account
from inbox_tui.config import Profile
from inbox_tui.core.export import conversation_for
from inbox_tui.core.sync import CachedThread
from inbox_tui.store import Store
url, contact, inbox, token = sys.argv[1:]
async def fill():
    account = cache_account(Profile(backend="heymarket", base_url=url))
    store = await Store.open_profile(COMMAND_LINE, account=account)
    backend = HeymarketBackend(url, BearerToken(token))
    thread = CachedThread(store, backend, conversation_for("+" + contact, inbox), page_size=500)
    await thread.revalidate()
    cursor = None
    while not (page := await thread.older(cursor)).complete:
        cursor = page.cursor
    await backend.aclose()
    await store.close()
asyncio.run(fill())
"""


def fill_cache(url: str, contact: str, inbox: str, home: str) -> None:
    env = {
        **os.environ,
        "INBOX_TUI_CACHE_DIR": os.path.join(home, "cache"),
        "INBOX_TUI_LOG_DIR": os.path.join(home, "logs"),
    }
    subprocess.run(
        [sys.executable, "-c", FILL, url, contact, inbox, TOKEN], cwd=ROOT, env=env, check=True
    )


def python_of(checkout: Path) -> str:
    """The checkout's own venv when it has one (its dependencies), else ours."""
    own = checkout / ".venv" / "bin" / "python"
    return str(own) if own.exists() else sys.executable


def export_once(
    checkout: Path, url: str, contact: str, inbox: str, fmt: str, home: str
) -> tuple[float, int, float]:
    """(seconds, bytes written, peak RSS MB) of one ``inbox-tui export`` in ``checkout``
    (``python -m`` puts the working directory first on ``sys.path``)."""
    output = Path(home) / f"out.{fmt}"
    output.unlink(missing_ok=True)
    env = {
        **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        # Both sides' bytecode compiled once (in the warm-up) to the same kind of place:
        # a checkout with __pycache__ beside its sources must not start faster.
        "PYTHONPYCACHEPREFIX": os.path.join(home, "pycache", checkout.name),
        "INBOX_TUI_CONFIG": os.path.join(home, "config.toml"),
        "INBOX_TUI_CACHE_DIR": os.path.join(home, "cache"),
        "INBOX_TUI_LOG_DIR": os.path.join(home, "logs"),
        "INBOX_TUI_TOKEN": TOKEN,
    }
    argv = [
        python_of(checkout), "-m", "inbox_tui", "export",
        "--backend", "heymarket", "--base-url", url,
        "--contact", "+" + contact, "--inbox", inbox,
        "--format", fmt, "--output", str(output),
    ]  # fmt: skip
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, cwd=checkout, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    assert process.stderr is not None
    error = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    if process.returncode != 0:
        raise SystemExit(f"export in {checkout} failed ({process.returncode}): {error}")
    return seconds, output.stat().st_size, usage.ru_maxrss / 1024


def measure(
    sides: dict[str, Path], runs: int, fmt: str, home: str, url: str, threads: list
) -> dict[str, tuple[float, float, float, float]]:
    """Alternating runs of both sides (big and small thread); per side the median seconds,
    peak RSS, the walk beyond a small export, and the small export's peak RSS."""
    (contact, inbox, _), (small_contact, small_inbox, _) = threads
    results: dict[str, list[tuple[float, int, float]]] = {name: [] for name in sides}
    small: dict[str, list[tuple[float, int, float]]] = {name: [] for name in sides}
    for checkout in sides.values():  # warm-up (imports, page cache), not counted
        export_once(checkout, url, contact, inbox, fmt, home)
    for _ in range(runs):
        for name, checkout in sides.items():
            results[name].append(export_once(checkout, url, contact, inbox, fmt, home))
            small[name].append(export_once(checkout, url, small_contact, small_inbox, fmt, home))
    medians = {}
    for name in sides:
        seconds = statistics.median(r[0] for r in results[name])
        fixed = statistics.median(r[0] for r in small[name])
        size_mb = results[name][0][1] / 1e6
        rss = max(r[2] for r in results[name])
        small_rss = max(r[2] for r in small[name])
        medians[name] = (seconds, rss, seconds - fixed, small_rss)
        print(
            f"  {name:>8}: {seconds:6.2f} s  {size_mb / seconds:5.1f} MB/s ({size_mb:.1f} MB)  "
            f"peak RSS {rss:5.1f} MB | 200-message thread: {fixed:.2f} s, {small_rss:.1f} MB "
            f"| the walk beyond that: {seconds - fixed:.2f} s"
        )
    return medians


def verdicts(medians: dict[str, tuple[float, float, float, float]]) -> None:
    speedup = medians["baseline"][0] / medians["this"][0]
    verdict = "PASS" if speedup >= TARGET_SPEEDUP else "FAIL"
    print(f"  speed: {speedup:.2f}x the baseline  target >= {TARGET_SPEEDUP:.0f}x  {verdict}")
    walk = medians["baseline"][2] / max(medians["this"][2], 1e-3)
    print(f"  (the walk alone, start-up excluded: {walk:.2f}x the baseline)")
    growth = medians["this"][1] - medians["this"][3]
    verdict = "PASS" if growth <= TARGET_RSS_SLACK_MB else "FAIL"
    print(
        f"  memory: peak RSS {growth:+.1f} MB over a 200-message export  "
        f"target <= +{TARGET_RSS_SLACK_MB:.0f} MB (constant)  {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, default=Path("/work/wt/before"))
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--format", default="jsonl", choices=("jsonl", "csv", "md"))
    args = parser.parse_args()
    sides = {"this": ROOT, "baseline": args.baseline.resolve()}
    with demo_server((args.size, 200)) as (url, threads), tempfile.TemporaryDirectory() as home:
        count = threads[0][2]
        print(
            f"export of a {count:,}-message thread ({args.format}), real CLI against a demo "
            f"server, alternating, {args.runs} runs each:"
        )
        print(f"  baseline: {sides['baseline']}")
        print(" nothing cached (every page from the server):")
        verdicts(measure(sides, args.runs, args.format, home, url, threads))
        for contact, inbox, _ in threads:
            fill_cache(url, contact, inbox, home)
        print(" the thread cached back to its beginning (opened in the app, walked with g):")
        verdicts(measure(sides, args.runs, args.format, home, url, threads))


if __name__ == "__main__":
    main()
