"""Applying the profile's ``keys`` table to the running app: every binding an override may
name (the app's, its widgets' and its screens'), resolved by :mod:`inbox_tui.ui.keymap`."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from textual.app import App
from textual.binding import Binding, BindingType

from inbox_tui.ui.keymap import resolve

log = logging.getLogger(__name__)


def app_bindings(app_bindings: Iterable[BindingType]) -> list[Binding]:
    """Every binding a key override may name: the app's, its widgets' and its screens'."""
    from inbox_tui.ui.screens.detail import DetailScreen
    from inbox_tui.ui.screens.inbox_picker import InboxPicker
    from inbox_tui.ui.screens.search import SearchScreen
    from inbox_tui.ui.screens.triage_pickers import MemberPicker, TemplatePicker
    from inbox_tui.ui.widgets.compose import Compose
    from inbox_tui.ui.widgets.conversation_list import ConversationList
    from inbox_tui.ui.widgets.filter_pane import FilterPane
    from inbox_tui.ui.widgets.thread_view import ThreadView

    scopes = (
        ConversationList,
        ThreadView,
        FilterPane,
        SearchScreen,
        DetailScreen,
        InboxPicker,
        Compose,
        MemberPicker,
        TemplatePicker,
    )
    bindings = [*Binding.make_bindings(app_bindings)]
    for scope in scopes:
        bindings.extend(Binding.make_bindings(scope.BINDINGS))
    return bindings


def apply_overrides(app: App[object], overrides: Mapping[str, str]) -> dict[str, str]:
    """Rebind keys from the profile's ``keys`` table (ids as the help screen lists them);
    names that match no action are logged and shown. Returns the keymap applied."""
    if not overrides:
        return {}
    keymap, unknown = resolve(overrides, app_bindings(app.BINDINGS))
    app.set_keymap(keymap)
    if unknown:
        names = ", ".join(sorted(unknown))
        log.warning("keys: no action named %s", names)
        app.notify(
            f"keys: no action named {names} (? lists the action ids)",
            severity="warning",
            timeout=8,
            markup=False,
        )
    return keymap
