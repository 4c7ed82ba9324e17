"""User key overrides (``[profiles.NAME.keys]`` in config.toml).

Every binding gets a stable id ``scope.action`` (``app.quit``, ``list.next_failed``,
``thread.copy_number``); Textual's keymap then rebinds by id. A config key may name the id
exactly or just the action (``quit``), which rebinds it in every scope that has it.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterable, Mapping

from textual.app import App
from textual.binding import Binding, BindingType

log = logging.getLogger(__name__)
_ARGS = re.compile(r"\((.*)\)$")


def action_name(action: str) -> str:
    """``half_page(1)`` → ``half_page``; ``half_page(-1)`` → ``half_page_back``."""
    match = _ARGS.search(action)
    base = _ARGS.sub("", action)
    if match and match.group(1).strip().startswith("-"):
        return f"{base}_back"
    return base


def identify(scope: str, bindings: Iterable[BindingType]) -> list[Binding]:
    """``bindings`` with ids ``scope.action`` (an id already given is kept)."""
    return [
        binding
        if binding.id
        else dataclasses.replace(binding, id=f"{scope}.{action_name(binding.action)}")
        for binding in Binding.make_bindings(bindings)
    ]


def resolve(
    overrides: Mapping[str, str], bindings: Iterable[Binding]
) -> tuple[dict[str, str], list[str]]:
    """Expand config overrides into a Textual keymap ``{id: keys}``; also return the names
    that match no binding (to warn about, not to fail on)."""
    ids = {binding.id for binding in bindings if binding.id}
    keymap: dict[str, str] = {}
    unknown: list[str] = []
    for name, keys in overrides.items():
        targets = [name] if name in ids else sorted(i for i in ids if i.split(".", 1)[1] == name)
        if not targets:
            unknown.append(name)
        for target in targets:
            keymap[target] = keys.replace(" ", "")
    return keymap, unknown


def display_keys(binding: Binding, keymap: Mapping[str, str]) -> list[str]:
    """The keys a binding really answers to: the override when there is one."""
    keys = keymap.get(binding.id or "", binding.key)
    return [key for key in keys.split(",") if key]


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
