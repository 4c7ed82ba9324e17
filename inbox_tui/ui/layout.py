"""Which panes show at the terminal's width, and how focus moves between them.

Below ``NARROW_WIDTH`` columns the app shows the list *or* the thread; from ``WIDE_WIDTH``
the filter pane docks as a column beside the list (narrower, it takes the list's place).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widget import AwaitMount, Widget

from inbox_tui.ui.widgets.filter_pane import FilterPane

if TYPE_CHECKING:
    from inbox_tui.ui.shell import Shell

NARROW_WIDTH = 100  # below: list OR thread, not both
WIDE_WIDTH = 140  # at or above: the filter pane docks as a column beside the list


def apply(app: Shell, width: int | None = None) -> None:
    """Set the body's layout classes for ``width`` (default: the app's current width; a
    resize handler passes the event's, as ``app.size`` is not updated yet)."""
    if width is None:
        width = app.size.width
    body = app.body
    body.set_class(width < NARROW_WIDTH, "-narrow")
    body.set_class(width >= WIDE_WIDTH, "-wide")
    body.set_class(app.thread_pane_open, "-show-thread")


def focus_main(app: Shell) -> None:
    if app.narrow and app.thread_pane_open:
        app.thread.focus()
    else:
        app.conversation_list.focus()


def set_filters_open(app: Shell, open_: bool) -> None:
    """Show or hide the filter pane (built the first time it opens: startup cost)."""
    mounting: AwaitMount | None = None
    if open_ and app.filter_pane is None:
        settings = app.session.settings
        app.filter_pane = FilterPane(
            app.session.backend.server_filter_fields,
            initial=app.filters,
            region=settings.region,
            reply_within=settings.reply_within,
            id="filters",
        )
        mounting = app.body.mount(app.filter_pane, before=app.conversation_list)
    app.body.set_class(open_, "-filters-open")
    if open_ and app.filter_pane is not None:
        # A freshly mounted pane has no children until its mount completes: focusing
        # "after the next refresh" raced with that on a busy machine (NoMatches).
        app.call_later(_focus_when_mounted, mounting, app.filter_pane)
    else:
        focus_main(app)


async def _focus_when_mounted(mounting: AwaitMount | None, pane: FilterPane) -> None:
    if mounting is not None:
        await mounting
    pane.focus_first()


def visible_panes(app: Shell) -> list[Widget]:
    panes: list[Widget] = []
    if app.filters_open and app.filter_pane is not None:
        panes.append(app.filter_pane)
    if not (app.narrow and app.thread_pane_open) and not (
        app.filters_open and not app.body.has_class("-wide")
    ):
        panes.append(app.conversation_list)
    if not app.narrow or app.thread_pane_open:
        panes.append(app.thread)
    return panes


def cycle_focus(app: Shell, step: int) -> None:
    """``tab``: the next field inside the filter pane, then the next visible pane."""
    focused = app.focused
    pane = app.filter_pane
    if focused is not None and pane is not None and pane in focused.ancestors:
        fields = [w for w in pane.query("*") if w.focusable]
        if fields and focused in fields:
            index = fields.index(focused) + step
            if 0 <= index < len(fields):
                fields[index].focus()
                return
    panes = visible_panes(app)
    ancestors = focused.ancestors if focused is not None else []
    current = next(
        (n for n, candidate in enumerate(panes) if candidate is focused or candidate in ancestors),
        -1,
    )
    target = panes[(current + step) % len(panes)]
    if pane is not None and target is pane:
        pane.focus_first()
    else:
        target.focus()
