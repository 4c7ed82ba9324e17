"""UI bench: ``python bench/ui.py [--runs N]``.

1. Time to the first painted conversation list in demo mode: a fresh Python process runs
   ``inbox-tui --demo`` (``cli.main``: embedded demo server, backend, app and cache; only
   headless at 120x40), and reports when the list first paints a real
   conversation row fetched over HTTP (fresh config/cache dirs, so no cached rows). Measured
   from process start, next to a bare Textual hello-world (one Static, first frame) measured
   the same way in the same run.
2. Conversation-list key moves over 10,000 conversations (in-process, fake backend).
3. Thread scrolling per keypress at 1k/10k/100k messages (``bench/ui_thread.py``).

Targets (issue 3): first paint <= 0.4 s on the demo; <= 16 ms median per key, flat in N.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARK = "FIRST-PAINT"

HELLO = f"""
import time
from textual.app import App
from textual.widgets import Static

class Hello(App):
    def compose(self):
        yield Static("hello")
    def on_ready(self):
        print("{MARK}", flush=True)
        self.exit()

Hello().run(headless=True, size=(120, 40))
"""

# `inbox-tui --demo` itself: ``cli.main(["--demo"])`` (demo server, heymarket backend over
# loopback, the app and its cache), run headless at 120x40. An import hook patches the app
# module as it loads (so the import order is the CLI's own): ``InboxApp.run`` goes headless
# and the list prints the mark when it first renders a row of a real conversation. The
# parent gives it fresh config/cache/log dirs: no cached rows, they come over HTTP.
DEMO = f"""
import importlib.abc, importlib.util, sys

def patch(module):
    from inbox_tui.ui.widgets.conversation_list import ConversationList

    run, render_line, painted = module.InboxApp.run, ConversationList.render_line, []

    def headless_run(self, *args, **kwargs):
        return run(self, *args, **{{**kwargs, "headless": True, "size": (120, 40)}})

    def marked_render_line(self, y):
        strip = render_line(self, y)
        if not painted and self.conversations:
            painted.append(True)
            print("{MARK}", flush=True)
            self.app.call_later(self.app.exit)
        return strip

    module.InboxApp.run = headless_run
    ConversationList.render_line = marked_render_line

class PatchOnImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != "inbox_tui.ui.app":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        exec_module = spec.loader.exec_module

        def patched_exec(module):
            exec_module(module)
            patch(module)

        spec.loader.exec_module = patched_exec
        return spec

sys.meta_path.insert(0, PatchOnImport())
from inbox_tui.cli.main import main

sys.exit(main(["--demo"]))
"""


def first_paint(code: str) -> float:
    """Seconds from spawning ``python -c code`` to its first-paint mark on stdout."""
    with tempfile.TemporaryDirectory(prefix="inbox-tui-bench-") as home:
        env = dict(os.environ)
        env.update(
            INBOX_TUI_CONFIG=os.path.join(home, "config.toml"),
            INBOX_TUI_CACHE_DIR=os.path.join(home, "cache"),
            INBOX_TUI_LOG_DIR=os.path.join(home, "logs"),
        )
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert process.stdout is not None
        elapsed = float("nan")
        for line in process.stdout:
            if line.strip() == MARK:
                elapsed = time.perf_counter() - started
                break
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return elapsed


async def list_key_moves(n: int = 10_000, keys: int = 200) -> dict[str, float]:
    """CPU ms per cursor move (action + repaint of the list) over ``n`` conversations."""
    sys.path.insert(0, str(ROOT / "tests"))
    from support.fake_backend import FakeBackend, make_app  # type: ignore[import-not-found]

    app = make_app(FakeBackend(n, per_thread=1, page_size=2_000))
    async with app.run_test(size=(100, 40)) as pilot:
        listed = app.conversation_list
        while not listed.conversations or listed.is_loading or not listed.exhausted:
            if listed.conversations and not listed.is_loading:
                listed.action_last()
            await pilot.pause(0.01)
        listed.action_first()
        await pilot.pause()
        samples = []
        height = listed.size.height
        for n_key in range(keys):
            started = time.process_time()
            listed.action_cursor_down() if n_key % 10 else listed.action_half_page(1)
            for y in range(height):  # what the compositor asks for on repaint
                listed.render_line(y)
            samples.append((time.process_time() - started) * 1000)
    samples.sort()
    return {
        "median_ms": statistics.median(samples),
        "p95_ms": samples[int(len(samples) * 0.95) - 1],
        "conversations": float(len(listed.conversations)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="process starts per measurement")
    parser.add_argument("--skip-thread", action="store_true", help="skip the thread scroll part")
    args = parser.parse_args()

    hello = sorted(first_paint(HELLO) for _ in range(args.runs))
    demo = sorted(first_paint(DEMO) for _ in range(args.runs))
    print(f"first paint, whole process, headless 120x40, median of {args.runs} (min..max):")
    print(
        f"  bare Textual hello-world      {statistics.median(hello):6.3f} s"
        f"  ({hello[0]:.3f}..{hello[-1]:.3f})"
    )
    print(
        f"  inbox-tui --demo, list rows   {statistics.median(demo):6.3f} s"
        f"  ({demo[0]:.3f}..{demo[-1]:.3f})   target <= 0.4 s"
    )

    moves = asyncio.run(list_key_moves())
    print(
        f"conversation list, {int(moves['conversations']):,} conversations: "
        f"median {moves['median_ms']:.2f} ms, p95 {moves['p95_ms']:.2f} ms per key (CPU)"
    )

    if args.skip_thread:
        return
    sys.path.insert(0, str(ROOT / "bench"))
    from ui_thread import measure_thread_scroll  # type: ignore[import-not-found]

    print("thread scroll, headless 100x40: CPU ms per keypress (key + repaint), target <= 16")
    print(f"  {'messages':>9} {'median':>8} {'p95':>8} {'max':>8}")
    for n, row in measure_thread_scroll().items():
        print(f"  {n:>9,} {row['median_ms']:>8.2f} {row['p95_ms']:>8.2f} {row['max_ms']:>8.2f}")


if __name__ == "__main__":
    main()
