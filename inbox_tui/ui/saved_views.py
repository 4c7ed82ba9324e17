"""Saved views: ``[profiles.NAME.views.X]`` tables applied from the command palette
("View: X") or the number keys 1-9 (in the order the config file lists them).

Applying one fills the filter state exactly as the filter pane would (the pane shows it
too); the status line names the view until the filters are changed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding

from inbox_tui.config import SavedView
from inbox_tui.filters import FilterError, Filters, view_filters
from inbox_tui.text import one_line

if TYPE_CHECKING:
    from inbox_tui.ui.shell import Shell

KEYS = 9
BINDINGS = [
    Binding(str(n), f"saved_view({n})", "Saved view 1-9", id=f"app.saved_view_{n}", show=False)
    for n in range(1, KEYS + 1)
]
HOW_TO = "add a [profiles.NAME.views.VIEW] table to config.toml (see README 'Saved views')"


class SavedViews:
    def __init__(self, app: Shell) -> None:
        self.app = app
        self.active: tuple[str, Filters] | None = None

    @property
    def views(self) -> list[tuple[str, SavedView]]:
        """The profile's saved views, in the order written."""
        return list(self.app.session.settings.views.items())

    def apply(self, number: int) -> None:
        """Apply the ``number``-th saved view (1-based)."""
        views = self.views
        if not 1 <= number <= len(views):
            have = f"there are {len(views)}" if views else "there are none"
            self.app.notify(f"No saved view {number} ({have}): {HOW_TO}", timeout=5, markup=False)
            return
        name, view = views[number - 1]
        try:
            filters = view_filters(view, self.app.session.settings.region)
        except FilterError as error:  # validated at load; a date range can still be empty
            self.app.notify(f"View {name}: {error}", severity="warning", markup=False)
            return
        app = self.app
        if app.filter_pane is not None:
            app.filter_pane.set_filters(filters)
        self.active = (name, filters)
        app.apply_filters(filters)
        app.status.set_saved_view(name)
        app.notify(f"View: {one_line(name, 40)}", timeout=2, markup=False)

    def filters_changed(self, filters: Filters) -> None:
        """The filters changed: the saved view's name stays only while they are its own."""
        if self.active is not None and self.active[1] != filters:
            self.active = None
            self.app.status.set_saved_view("")
