"""``o`` opens only http(s) links (issue 10, item 12): a media URL such as
``file:///etc/passwd`` or ``javascript:`` is shown and copied, never handed to the
browser (on Windows ``os.startfile`` could run a program)."""

from __future__ import annotations

import pytest
from support.thread_view_kit import SIZE, FakePager, ThreadApp, make_message, open_thread

import inbox_tui.ui.widgets.thread_view as tv

HOSTILE = [
    "file:///etc/passwd",
    "FILE:///C:/Windows/System32/calc.exe",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vscode://file/etc/passwd",
    "smb://evil.example/share",
    "http:///no-host",
    "\\\\evil.example\\share\\x.exe",
]


@pytest.mark.parametrize("url", HOSTILE)
async def test_o_never_passes_another_scheme_to_the_opener(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr(tv, "can_open_browser", lambda: True)
    monkeypatch.setattr(tv.webbrowser, "open", opened.append)
    app = ThreadApp()
    async with app.run_test(size=SIZE) as pilot:
        await open_thread(pilot, app, FakePager([make_message(0, media_url=url)]))
        await pilot.press("o")
        await pilot.pause()
        await app.workers.wait_for_complete()
        notes = [str(n.message) for n in app._notifications]
        assert not opened
        assert app.clipboard == url
        assert any("not opened" in note for note in notes), notes


@pytest.mark.parametrize("url", ["https://cdn.example.com/a.jpg", "HTTP://example.com/x"])
async def test_o_opens_http_links(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr(tv, "can_open_browser", lambda: True)
    monkeypatch.setattr(tv.webbrowser, "open", opened.append)
    app = ThreadApp()
    async with app.run_test(size=SIZE) as pilot:
        await open_thread(pilot, app, FakePager([make_message(0, media_url=url)]))
        await pilot.press("o")
        await pilot.pause()
        await app.workers.wait_for_complete()
    assert opened == [url]


def test_openable() -> None:
    assert tv.openable("https://example.com/x?y=1")
    assert not any(tv.openable(url) for url in HOSTILE)
    assert not tv.openable("http://[::1")  # unparsable


async def test_o_without_a_browser_copies_the_link(monkeypatch: pytest.MonkeyPatch) -> None:
    """The toast goes after a while; the link stays on the clipboard (issue 14 item 13)."""
    monkeypatch.setattr(tv, "can_open_browser", lambda: False)
    url = "https://cdn.example.com/a.jpg"
    app = ThreadApp()
    async with app.run_test(size=SIZE) as pilot:
        await open_thread(pilot, app, FakePager([make_message(0, media_url=url)]))
        await pilot.press("o")
        await pilot.pause()
        assert app.clipboard == url
        assert any("copied" in str(n.message) for n in app._notifications)
