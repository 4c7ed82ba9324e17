"""An InboxApp over a DemoServer (heymarket style) and a real profile cache, and the first
online run that fills that cache (shared by the cache, poll and search app tests)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from inbox_tui.api.auth import BearerToken
from inbox_tui.api.heymarket import HeymarketBackend
from inbox_tui.core.offline import CacheOnlyBackend
from inbox_tui.demo.server import DemoServer
from inbox_tui.store import Store
from inbox_tui.ui.app import InboxApp
from support.wait import settle

PROFILE = "cachetest"


def store_factory(profile: str = PROFILE) -> Callable[[], Any]:
    async def open_store() -> Store:
        return await Store.open_profile(profile)

    return open_store


def backend_for(srv: DemoServer) -> HeymarketBackend:
    return HeymarketBackend(srv.base_url, BearerToken(srv.heymarket_token))


def online_app(srv: DemoServer, **kw: Any) -> InboxApp:
    return InboxApp(backend_for(srv), profile_name=PROFILE, store=store_factory(), **kw)


def offline_app() -> InboxApp:
    return InboxApp(CacheOnlyBackend(), profile_name=PROFILE, offline=True, store=store_factory())


def a_word(text: str) -> str:
    words = sorted(set(re.findall(r"[A-Za-z]{5,}", text)), key=lambda w: (-len(w), w))
    assert words, text
    return words[0]


async def populate(srv: DemoServer) -> tuple[list[str], str, str, str]:
    """First run online: browse the list, open the second conversation. Returns the listed
    keys, the opened key, and the id and a word of one of its messages."""
    app = online_app(srv)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, lambda: len(app.conversation_list.conversations) >= 10)
        await settle(pilot, lambda: app.header.cache_note == "")
        keys = [c.key for c in app.conversation_list.conversations[:10]]
        await pilot.press("j", "enter")
        await settle(pilot, lambda: len(app.thread.messages) >= 5 and not app.thread.fetching)
        opened = app.thread.conversation
        assert opened is not None
        message = next(m for m in reversed(app.thread.messages) if re.search("[A-Za-z]{5}", m.body))
        await pilot.press("q")
    return keys, opened.key, message.id, a_word(message.body)
