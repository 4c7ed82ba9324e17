"""Regenerate the SVG screenshots in this folder: ``python screenshots/generate.py``.

Each shot drives the real app (``App.run_test``) against the embedded demo server (the
heymarket API style, as ``inbox-tui --demo`` uses) over loopback HTTP, with the dataset,
the clock and the time zone pinned, so the pictures change only when the UI does.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from textual.pilot import Pilot

from inbox_tui.api.auth import BearerToken
from inbox_tui.api.heymarket import HeymarketBackend
from inbox_tui.api.http import HttpSettings
from inbox_tui.cli.connect import DEMO_MEMBER_ID
from inbox_tui.config import Profile
from inbox_tui.demo.dataset import build_dataset
from inbox_tui.demo.faults import FaultConfig
from inbox_tui.demo.server import DemoServer
from inbox_tui.store import Store
from inbox_tui.ui.app import InboxApp
from inbox_tui.ui.widgets.compose import Compose

HERE = Path(__file__).resolve().parent
NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
Step = Callable[[Pilot[None], InboxApp], Awaitable[None]]


async def until(pilot: Pilot[None], condition: Callable[[], bool], timeout: float = 15) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError(f"screenshot step timed out: {condition}")
        await pilot.pause(0.02)


async def settled(pilot: Pilot[None], app: InboxApp) -> None:
    await until(pilot, lambda: bool(app.conversation_list.conversations))
    await until(pilot, lambda: not app.conversation_list.is_loading and app.focused is not None)
    await until(pilot, lambda: not app.status.counting)
    # Rows of the conversations API get their text a moment later (one request per row seen).
    listed = app.conversation_list
    await until(pilot, lambda: all(c.last_message for c in listed.visible_conversations()))
    await pilot.pause(0.4)  # the reply-queue labels follow the filled rows


async def open_conversation(pilot: Pilot[None], app: InboxApp, index: int) -> None:
    await settled(pilot, app)
    app.conversation_list.select(index)
    await pilot.press("enter")
    await until(pilot, lambda: app.thread.selected_message is not None)
    await pilot.pause(0.1)


async def main_view(pilot: Pilot[None], app: InboxApp) -> None:
    await open_conversation(pilot, app, 1)


async def scroll_back(pilot: Pilot[None], app: InboxApp) -> None:
    """Open the 5,000-message thread (the demo's newest conversation) and page up through
    several older pages, fetched ahead of the cursor."""
    await open_conversation(pilot, app, 0)
    for _ in range(25):
        await pilot.press("ctrl+u")
        await pilot.pause(0.02)
    await pilot.pause(0.5)


async def filter_pane(pilot: Pilot[None], app: InboxApp) -> None:
    await open_conversation(pilot, app, 1)
    await pilot.press("f", "down", "down", "enter", "tab", *["down"] * 5, "space")
    await until(pilot, lambda: bool(app.filters.statuses))
    await settled(pilot, app)


async def help_screen(pilot: Pilot[None], app: InboxApp) -> None:
    await settled(pilot, app)
    await pilot.press("question_mark")
    await pilot.pause(0.2)


async def error_banner(pilot: Pilot[None], app: InboxApp) -> None:
    await until(pilot, lambda: app.banner.showing)
    await until(pilot, lambda: not app.conversation_list.is_loading)
    await pilot.pause(0.2)


async def narrow(pilot: Pilot[None], app: InboxApp) -> None:
    await open_conversation(pilot, app, 1)


async def search_screen(pilot: Pilot[None], app: InboxApp) -> None:
    """``/`` over the local cache (filled by the list and two opened threads)."""
    from inbox_tui.ui.screens.search import SearchScreen

    await open_conversation(pilot, app, 1)
    app.conversation_list.focus()
    await open_conversation(pilot, app, 2)
    await until(pilot, lambda: not app.thread.fetching)
    app.conversation_list.focus()  # in an open thread, `/` searches that thread
    word = next(  # a word the cache surely holds: from the thread just opened
        (w for m in reversed(app.thread.messages) for w in m.body.split() if w.isalpha()),
        "order",
    )
    await pilot.press("slash")
    await until(pilot, lambda: isinstance(app.screen, SearchScreen))
    await pilot.press(*word.lower())
    screen = app.screen
    await until(pilot, lambda: isinstance(screen, SearchScreen) and bool(screen.hits))
    await pilot.pause(0.3)


async def reply_queue(pilot: Pilot[None], app: InboxApp) -> None:
    """``w``: who waits on a reply, oldest first (from what the list stored in the cache)."""
    from inbox_tui.ui.screens.reply_queue import ReplyQueueScreen

    await settled(pilot, app)
    await until(pilot, lambda: app.status.queue is not None)
    await pilot.press("w")
    screen = app.screen
    await until(pilot, lambda: isinstance(screen, ReplyQueueScreen) and screen.loaded)
    await pilot.pause(0.3)


async def thread_search(pilot: Pilot[None], app: InboxApp) -> None:
    """``/refund`` then ``n`` in the 5,000-message thread: older pages load as needed."""
    await open_conversation(pilot, app, 0)
    await pilot.press("slash")
    await pilot.pause(0.2)
    await pilot.press(*"refund", "enter")
    await until(pilot, lambda: app.thread.search_term == "refund" and not app.thread.fetching)
    await pilot.press("n")
    await pilot.pause(0.2)
    await until(pilot, lambda: not app.thread.fetching)
    await pilot.pause(0.3)


async def compose(pilot: Pilot[None], app: InboxApp) -> None:
    """``r`` in an open conversation, with a text that needs UCS-2 (the emoji)."""
    await open_conversation(pilot, app, 1)
    await pilot.press("r")
    await until(pilot, lambda: bool(app.query("#compose-text")))
    await pilot.press(*"Hi Riley! Yes, the sale runs until Sunday")
    app.query_one(Compose).insert(" 🎉")
    await pilot.pause(0.3)


async def template_picker(pilot: Pilot[None], app: InboxApp) -> None:
    from inbox_tui.ui.screens.triage_pickers import TemplatePicker

    await open_conversation(pilot, app, 1)
    await pilot.press("r")
    await until(pilot, lambda: bool(app.query("#compose-text")))
    await pilot.press("ctrl+t")
    await until(pilot, lambda: isinstance(app.screen, TemplatePicker))
    await pilot.pause(0.2)


async def assign_picker(pilot: Pilot[None], app: InboxApp) -> None:
    from inbox_tui.ui.screens.triage_pickers import MemberPicker

    await settled(pilot, app)
    await pilot.press("a")
    await until(pilot, lambda: isinstance(app.screen, MemberPicker))
    await pilot.pause(0.2)


SHOTS: list[tuple[str, tuple[int, int], Step, tuple[str | None, ...]]] = [
    ("main-view", (140, 36), main_view, ()),
    ("thread-scroll-back", (140, 36), scroll_back, ()),
    ("filter-pane", (160, 40), filter_pane, ()),
    ("help", (120, 40), help_screen, ()),
    ("error-banner", (120, 24), error_banner, ("500", "500", "500", "500")),
    ("narrow-80x24", (80, 24), narrow, ()),
    ("search", (120, 36), search_screen, ()),
    ("light-theme", (120, 30), main_view, ()),
    ("help-80x24", (80, 24), help_screen, ()),
    ("reply-queue", (120, 36), reply_queue, ()),
    ("reply-queue-80x24", (80, 24), reply_queue, ()),
    ("thread-search", (140, 36), thread_search, ()),
    ("compose", (120, 36), compose, ()),
    ("template-picker", (120, 36), template_picker, ()),
    ("assign-picker", (120, 36), assign_picker, ()),
]

CACHED = {"search"}  # shots taken with the SQLite cache wired in (a temporary file)
THEMES = {"light-theme": "textual-light"}  # as the profile's ``theme`` sets it


async def shoot(server: DemoServer, name: str, size: tuple[int, int], step: Step) -> Path:
    backend = HeymarketBackend(
        server.base_url,
        BearerToken(server.heymarket_token),
        settings=HttpSettings(max_retries=0),
        member_id=DEMO_MEMBER_ID,  # as `inbox-tui --demo`: replies, closes and assigns
    )
    with tempfile.TemporaryDirectory(prefix="inbox-tui-shot-") as tmp:
        os.environ["INBOX_TUI_STATE_DIR"] = tmp  # not the theme last picked on this machine
        store = None
        if name in CACHED:

            async def store() -> Store:
                return await Store.open(Path(tmp) / "shot.sqlite3")

        settings = Profile(theme=THEMES.get(name), member_id=DEMO_MEMBER_ID)
        app = InboxApp(
            backend,
            profile_name="demo",
            clock=lambda: NOW,
            tz=UTC,
            store=store,
            settings=settings,
        )
        async with app.run_test(size=size) as pilot:
            await step(pilot, app)
            path = Path(app.save_screenshot(filename=f"{name}.svg", path=str(HERE)))
    return path


async def generate(only: set[str]) -> None:
    with DemoServer(dataset=build_dataset(7, now=NOW)) as server:
        for name, size, step, faults in SHOTS:
            if only and name not in only:
                continue
            server.set_faults(FaultConfig(schedule=faults))
            path = await shoot(server, name, size, step)
            print(f"wrote {path.relative_to(HERE.parent)}")


if __name__ == "__main__":
    logging.getLogger().addHandler(logging.NullHandler())  # the error shot logs on purpose
    asyncio.run(generate(set(sys.argv[1:])))
