"""Memory bench, measured from outside: ``python bench/memory.py [--sizes 20000 100000]``.

For each size, a demo server (its own process) holds a thread of that many messages at
the top of the list; the real ``inbox-tui`` (in a pty, ``bench/ptyrun.py``) opens it and
walks it to its first message with ``g``. Reported: the process's peak RSS (``VmHWM``)
once the walk is done (the process idle), the walk time, and the longest GC pause.

Targets (issue 11): 20k messages <= 100 MB, 100k <= 150 MB; 20k walked in <= 5 s.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ptyrun import ROW, cli, demo_server, home, server_args, server_env

TARGET_MB = {20_000: 100, 100_000: 150}
TARGET_WALK_S = {20_000: 5.0}


def walk(size: int) -> tuple[float, float, str]:
    with home() as path, demo_server(big=(size,)) as url:
        gc_file = Path(path) / "gc.txt"
        app = cli(server_args(url), {**server_env(path), "BENCH_GC_FILE": str(gc_file)})
        try:
            app.wait_for(ROW)
            app.wait_idle(quiet=1.0, timeout=60)
            app.key("\r")  # the big thread is the top conversation
            app.wait_idle(quiet=1.0, timeout=60)
            started = time.perf_counter()
            app.key("g")
            done = app.wait_idle(quiet=2.0, timeout=900)
            rss = app.peak_rss_mb()
            pause = gc_file.read_text().split()[0] if gc_file.exists() else "nan"
        finally:
            app.stop()
    return rss, done - started, pause


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[20_000, 100_000])
    args = parser.parse_args()
    print("peak RSS of the real app after walking a thread with g (pty, 120x40):")
    for size in args.sizes:
        rss, seconds, pause = walk(size)
        limit = TARGET_MB.get(size, 150)
        print(
            f"  {size:>7,} messages: peak RSS {rss:6.1f} MB  target <= {limit} MB  "
            f"{'PASS' if rss <= limit else 'FAIL'}",
            flush=True,
        )
        wanted = TARGET_WALK_S.get(size)
        verdict = ("PASS" if seconds <= wanted else "FAIL") if wanted else ""
        target = f"target <= {wanted:.0f} s  {verdict}" if wanted else "(no target)"
        print(
            f"  {size:>7,} messages: walk {seconds:6.1f} s ({size / seconds:,.0f} msg/s)  {target}"
        )
        ok = float(pause) <= 50
        verdict = "PASS" if ok else "FAIL"
        print(f"  {size:>7,} messages: GC pause max {pause} ms  target <= 50 ms  {verdict}")


if __name__ == "__main__":
    main()
