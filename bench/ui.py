"""UI bench, measured from outside: ``python bench/ui.py [--runs 7] [--thread 100000]``.

Every figure comes from the real ``inbox-tui`` process (``inbox_tui.cli.main``, the entry
point) in a 120x40 pseudo-terminal (``bench/ptyrun.py``), not from a stripped-down widget:

1. First paint (the checkouts byte-compiled first, as an installed copy is): seconds from
   spawning the process to the first conversation row in its output, alternating in one
   loop with a bare Textual app showing one Static (same pty, same loop, so a busy machine
   slows both), median of ``--runs``:
   * cold ``--demo`` (fresh config/cache dirs via ``INBOX_TUI_CACHE_DIR``);
   * warm ``--demo`` (a cache filled by an earlier run);
   * cold and warm against a demo server answering each request after 150 ms;
   * server down with a warm cache (the same account, its server stopped);
   and, for reference, the stack floor (``ptyrun.FLOOR``): the bare app plus pydantic,
   httpx with one loopback request and SQLite, none of our code. It shows how much of
   the gap to the bare app the mandated stack alone costs.
2. Key -> frame in a thread of ``--thread`` messages (the app walked to its start with
   ``g``): ms from writing a key to the first byte of the frame it causes; and the
   longest GC pause in that process (``gc.callbacks``) over the whole run.

Targets (issue 11) are printed beside each figure with PASS/FAIL.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ptyrun import (
    ROOT,
    ROW,
    PtyApp,
    cli,
    compile_checkout,
    demo_server,
    floor,
    fresh_env,
    hello,
    home,
    server_args,
    server_env,
)

Start = Callable[[], PtyApp]


def paint(start: Start, timeout: float = 60.0) -> float:
    """Seconds to the first row; ``inf`` when none came within ``timeout`` (the first
    landing with its server down never paints one). A process that exits without a row
    stops the bench: that is a broken start, not a measurement."""
    app = start()
    try:
        seconds = app.wait_for(ROW, timeout)
        if math.isnan(seconds):
            if app.process.poll() is not None:
                raise SystemExit(f"the app exited without a row; its screen:\n{app.seen[-3000:]}")
            return math.inf
        return seconds
    finally:
        app.stop()


def prepare(start: Start) -> None:
    """One full start: first paint, then let the background sync finish, then quit."""
    app = start()
    app.wait_for(ROW)
    app.wait_idle(quiet=1.0, timeout=60)
    app.stop()


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def line(name: str, values: list[float], bare: float, target: str, ok: bool) -> None:
    med = statistics.median(values)
    if math.isinf(med):
        print(
            f"  {name:<45} timed out without a row in "
            f"{sum(map(math.isinf, values))} of {len(values)} starts{'':<3} "
            f"target {target:<16} {verdict(ok)}",
            flush=True,
        )
        return
    spread = f"({min(values):.3f}..{max(values):.3f})"
    print(
        f"  {name:<45} {med:6.3f} s {spread:<15} = {med / bare:4.2f}x bare, "
        f"+{med - bare:5.3f} s   target {target:<16} {verdict(ok)}",
        flush=True,
    )


DOWN_TIMEOUT = 10.0  # seconds a server-down start is given to paint a row

SCENARIOS = (
    "cold --demo (loopback)",
    "warm --demo (second start)",
    "cold, 150 ms per request",
    "warm, 150 ms per request",
    "server down, warm cache",
)


def first_paint(runs: int, baseline: Path | None = None) -> None:
    """Each scenario for this checkout (and ``baseline``, another checkout, if given),
    alternating with the bare app in one loop. Caches are per checkout (schemas differ)."""
    roots = {"": ROOT} | ({" [baseline]": baseline} if baseline else {})
    for root in roots.values():
        compile_checkout(root)
    bare: list[float] = []
    stack_floor: list[float] = []
    results: dict[str, list[float]] = {}

    def measure(name: str, start: Start, timeout: float = 60.0) -> None:
        bare.append(paint(hello))
        results.setdefault(name, []).append(paint(start, timeout))

    with (
        contextlib.ExitStack() as stack,
        demo_server(latency=0.15) as slow_url,
        demo_server() as fast_url,
    ):
        homes = {tag: (stack.enter_context(home()), stack.enter_context(home())) for tag in roots}
        for tag, root in roots.items():
            demo_home, slow_home = homes[tag]
            prepare(partial(cli, ["--demo"], fresh_env(demo_home), root))
            prepare(partial(cli, server_args(slow_url), server_env(slow_home), root))
        for _ in range(runs):
            stack_floor.append(paint(partial(floor, fast_url)))
            for tag, root in roots.items():
                demo_home, slow_home = homes[tag]
                with home() as cold:
                    measure(SCENARIOS[0] + tag, partial(cli, ["--demo"], fresh_env(cold), root))
                measure(SCENARIOS[1] + tag, partial(cli, ["--demo"], fresh_env(demo_home), root))
                with home() as cold:
                    measure(
                        SCENARIOS[2] + tag,
                        partial(cli, server_args(slow_url), server_env(cold), root),
                    )
                measure(
                    SCENARIOS[3] + tag,
                    partial(cli, server_args(slow_url), server_env(slow_home), root),
                )
    with contextlib.ExitStack() as stack:
        down = {tag: stack.enter_context(home()) for tag in roots}
        with demo_server() as url:
            for tag, root in roots.items():
                prepare(partial(cli, server_args(url), server_env(down[tag]), root))
        for _ in range(runs):  # the server is gone now: connection refused
            for tag, root in roots.items():
                measure(
                    SCENARIOS[4] + tag,
                    partial(cli, server_args(url), server_env(down[tag]), root),
                    DOWN_TIMEOUT,  # the target is 1 s; the first landing never paints
                )

    b = statistics.median(bare)
    print(f"first paint through a 120x40 pty, median of {runs} (min..max), alternating:")
    print(f"  {'bare Textual app, one Static':<34} {b:6.3f} s ({min(bare):.3f}..{max(bare):.3f})")
    f = statistics.median(stack_floor)
    print(
        f"  {'stack floor (see ptyrun.FLOOR)':<34} {f:6.3f} s "
        f"({min(stack_floor):.3f}..{max(stack_floor):.3f}) = {f / b:4.2f}x bare: "
        "pydantic + httpx + one loopback request + SQLite, none of our code"
    )
    targets: dict[str, tuple[str, Callable[[float], bool]]] = {
        SCENARIOS[0]: ("<= 1.5x bare", lambda m: m <= 1.5 * b),
        SCENARIOS[1]: ("<= 1.5x bare", lambda m: m <= 1.5 * b),
        SCENARIOS[2]: ("<= bare + 0.5 s", lambda m: m <= b + 0.5),
        SCENARIOS[3]: ("<= 1.5x bare", lambda m: m <= 1.5 * b),
        SCENARIOS[4]: ("<= 1 s", lambda m: m <= 1.0),
    }
    for name in sorted(results, key=lambda n: (SCENARIOS.index(n.split(" [")[0]), n)):
        target, check = targets[name.split(" [")[0]]
        line(name, results[name], b, target, check(statistics.median(results[name])))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def key_to_frame(size: int, keys: int = 200) -> None:
    """Open the big thread (the top conversation), walk it to the start with ``g``, then
    time key -> frame for moves through it."""
    compile_checkout()
    with home() as path, demo_server(big=(size,)) as url:
        gc_file = Path(path) / "gc.txt"
        env = {**server_env(path), "BENCH_GC_FILE": str(gc_file)}
        app = cli(server_args(url), env)
        try:
            app.wait_for(ROW)
            app.wait_idle(quiet=1.0, timeout=60)
            app.key("\r")  # open the top conversation: the big thread
            app.wait_idle(quiet=1.0, timeout=60)
            started = time.perf_counter()
            app.key("g")
            done = app.wait_idle(quiet=2.0, timeout=900)
            walk = done - started
            samples = []
            for n in range(keys):
                key = "j" if n % 4 else "\x1b[6~"  # j, and pagedown every 4th
                samples.append(app.frame_after_key(key if n < keys // 2 else key.replace("j", "k")))
                time.sleep(0.03)
            pause = gc_file.read_text().split() if gc_file.exists() else ["nan", "?"]
        finally:
            app.stop()
    samples = [s for s in samples if s == s]
    med, p99 = statistics.median(samples), percentile(samples, 0.99)
    print(f"key -> frame, real app, {size:,}-message thread walked with g in {walk:.1f} s:")
    print(
        f"  median {med:6.1f} ms   target <= 16 ms   {verdict(med <= 16)}\n"
        f"  p99    {p99:6.1f} ms   target <= 33 ms   {verdict(p99 <= 33)}\n"
        f"  max    {max(samples):6.1f} ms"
    )
    longest = float(pause[0])
    print(
        f"GC pause max over the run: {longest:.1f} ms (generation {pause[1]})   "
        f"target <= 50 ms   {verdict(longest <= 50)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="starts per measurement (>= 7)")
    parser.add_argument("--thread", type=int, default=100_000, help="big thread size (0: skip)")
    parser.add_argument("--skip-paint", action="store_true")
    parser.add_argument(
        "--baseline", type=Path, help="another checkout measured in the same loop (before/after)"
    )
    args = parser.parse_args()
    if not args.skip_paint:
        first_paint(args.runs, args.baseline)
    if args.thread:
        key_to_frame(args.thread)


if __name__ == "__main__":
    main()
