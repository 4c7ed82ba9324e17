"""Per-keypress cost of scrolling a ThreadView holding N messages (headless, 100x40).

For each N the thread lives in an in-memory fake pager and is also handed to the view as
``initial`` (as the SQLite cache does), so the view really holds N messages. We press
j/k, pageup/pagedown and ctrl+u/ctrl+d many times and time each key including the repaint.
The figure is CPU time per key (``time.process_time``): the pilot's idle detection adds
tens of ms of *sleeping* to every press, which is test-harness latency, not work; that
wall time is reported separately as ``wall_median_ms``.
Flat numbers from 1k to 100k show per-key work is independent of thread length.

    python bench/ui_thread.py
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for extra in (ROOT, ROOT / "tests"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from support.thread_view_kit import FakePager, ThreadApp, conversation, make_thread  # noqa: E402

KEYS: list[tuple[str, int]] = [
    ("k", 60),
    ("pageup", 20),
    ("ctrl+u", 20),
    ("j", 40),
    ("pagedown", 10),
    ("ctrl+d", 10),
    ("k", 40),
]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _measure_one(n: int) -> dict[str, float]:
    messages = make_thread(n)
    app = ThreadApp()
    async with app.run_test(headless=True, size=(100, 40)) as pilot:
        view = app.view
        view.focus()
        started = time.perf_counter()
        view.show(conversation(), FakePager(messages, page_size=100), initial=messages)
        for _ in range(100):
            await pilot.pause()
            if not view.fetching:
                break
        open_ms = (time.perf_counter() - started) * 1000
        assert len(view.messages) == n
        cpu: list[float] = []
        wall: list[float] = []
        for key, count in KEYS:
            for _ in range(count):
                c0, t0 = time.process_time(), time.perf_counter()
                await pilot.press(key)
                await pilot.pause()
                cpu.append((time.process_time() - c0) * 1000)
                wall.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        await pilot.resize_terminal(80, 40)
        await pilot.pause()
        resize_ms = (time.perf_counter() - t0) * 1000
        return {
            "messages": n,
            "resize_ms": round(resize_ms, 1),
            "open_ms": round(open_ms, 1),
            "keys": len(cpu),
            "median_ms": round(statistics.median(cpu), 2),
            "p95_ms": round(_percentile(cpu, 0.95), 2),
            "max_ms": round(max(cpu), 2),
            "wall_median_ms": round(statistics.median(wall), 2),
        }


def measure_thread_scroll(sizes: tuple[int, ...] = (1_000, 10_000, 100_000)) -> dict:
    """``{N: {"median_ms", "p95_ms", "max_ms", "wall_median_ms", "open_ms", "resize_ms",
    "keys", "messages"}}``; the per-key figures are CPU ms per keypress incl. repaint;
    ``open_ms``/``resize_ms`` are wall ms to show the thread / re-layout at 80 columns."""
    return {n: asyncio.run(_measure_one(n)) for n in sizes}


def main() -> None:
    print("thread scroll, headless 100x40: CPU ms per keypress (key + repaint)")
    print(
        f"{'messages':>9} {'median':>8} {'p95':>8} {'max':>8} {'wall med':>9}"
        f" {'open ms':>9} {'resize ms':>10}"
    )
    for n, row in measure_thread_scroll().items():
        print(
            f"{n:>9,} {row['median_ms']:>8.2f} {row['p95_ms']:>8.2f} {row['max_ms']:>8.2f}"
            f" {row['wall_median_ms']:>9.2f} {row['open_ms']:>9.1f} {row['resize_ms']:>10.1f}"
        )


if __name__ == "__main__":
    main()
