"""What a new user sees: layout follows a resize at once, muted text stays readable on
every theme, help fits 80 columns and shows rebound keys (issue 14 items 3, 4, 6, 8)."""

from __future__ import annotations

import io

from rich.color import Color
from rich.console import Console
from support.fake_backend import FakeBackend, loaded, make_app
from support.wait import wait_for

from inbox_tui.config import Profile
from inbox_tui.ui.screens.help import HelpScreen


async def test_resize_applies_the_new_size_layout_at_once() -> None:
    app = make_app(FakeBackend(20))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, loaded(app))
        assert not app.body.has_class("-narrow")
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: app.size.width == 80)
        assert app.body.has_class("-narrow")
        await pilot.resize_terminal(130, 30)
        await wait_for(pilot, lambda: app.size.width == 130)
        assert not app.body.has_class("-narrow")


def _luminance(color: Color) -> float:
    """WCAG relative luminance."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = color.get_truecolor()
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(a: Color, b: Color) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


async def test_muted_list_text_is_readable_on_light_and_dark_themes() -> None:
    app = make_app(FakeBackend(5))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, loaded(app))
        for theme in ("textual-dark", "textual-light", "solarized-light", "catppuccin-latte"):
            app.theme = theme
            await pilot.pause()
            styles = app.conversation_list._get_styles()
            background, name = styles.base.bgcolor, styles.name.color or styles.base.color
            assert background is not None and name is not None and styles.preview.color
            assert _contrast(styles.preview.color, background) >= 3, theme
            if theme.startswith("textual-"):  # "muted" is quieter than names, never louder
                assert _contrast(styles.preview.color, background) < _contrast(name, background)


async def test_help_at_80_columns_keeps_descriptions_readable() -> None:
    app = make_app(FakeBackend(5))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, loaded(app))
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.pause()
        help_text = app.screen.query_one("#help-text")
        assert help_text.size.width <= 72
        console = Console(width=help_text.size.width, record=True, file=io.StringIO())
        console.print(app.screen._render_help())
        rendered = console.export_text()
        # Every description is whole on its key's line (it used to shrink to "B…").
        for line in ("h/esc", "Back"), ("^r/f5", "Refresh/retry"), ("]", "Next failed"):
            assert any(
                row.split()[:1] == [line[0]] and line[1] in row for row in rendered.splitlines()
            ), (line, rendered)


async def test_help_shows_a_rebound_list_key() -> None:
    app = make_app(FakeBackend(5), settings=Profile(keys={"list.next_failed": "n"}))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, loaded(app))
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        table = app.screen._render_help()
        rows = list(zip(*(list(col._cells) for col in table.columns), strict=True))
        row = next(r for r in rows if str(r[2]) == "list.next_failed")
        assert str(row[0]) == "n"


async def test_the_detail_screen_footer_shows_its_own_keys() -> None:
    from textual.widgets._footer import FooterKey

    from inbox_tui.ui.screens.detail import DetailScreen

    app = make_app(FakeBackend(5))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, loaded(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.thread.selected_message is not None)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
        await wait_for(pilot, lambda: bool(app.screen.query(FooterKey)))
        shown = {key.description for key in app.screen.query(FooterKey)}
        assert "close" in shown and "detail" not in shown


async def test_the_search_hint_is_whole_at_80_columns() -> None:
    from inbox_tui.ui.screens.search import IDLE_TEXT, SearchScreen

    app = make_app(FakeBackend(5))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, loaded(app))
        await pilot.press("slash")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        await pilot.pause()
        info = app.screen.query_one("#search-info")
        lines = [info.render_line(y).text.strip() for y in range(info.size.height)]
        assert " ".join(" ".join(lines).split()) == " ".join(IDLE_TEXT.split())
