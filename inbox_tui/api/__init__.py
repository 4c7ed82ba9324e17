"""Vendor APIs to domain models.

Importing this package first defers httpx's command-line client (see
:func:`_defer_httpx_cli`), which every module here reaches through ``import httpx``.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

_HTTPX_CLI = "httpx._main"


def _load_httpx_cli() -> types.ModuleType:
    """Replace the stand-in with the real ``httpx._main`` (imported now) and return it."""
    module = sys.modules.get(_HTTPX_CLI)
    if module is not None and getattr(module, "__inbox_tui_stand_in__", False):
        del sys.modules[_HTTPX_CLI]
    return importlib.import_module(_HTTPX_CLI)


def _defer_httpx_cli() -> None:
    """``import httpx`` runs ``from ._main import main`` only to offer ``httpx.main`` (its
    CLI), which imports click, pygments and rich's progress/syntax: ~25 ms of every start
    for code this app never runs. Before httpx is first imported, register a stand-in for
    ``httpx._main`` whose ``main`` and every other attribute load the real module on first
    use, so ``httpx.main()`` and ``import httpx._main`` still behave exactly as before."""
    if "httpx" in sys.modules or _HTTPX_CLI in sys.modules:
        return
    stand_in = types.ModuleType(_HTTPX_CLI, "Loads httpx's CLI module on first use.")

    def main(*args: Any, **kwargs: Any) -> Any:
        return _load_httpx_cli().main(*args, **kwargs)

    def __getattr__(name: str) -> Any:  # PEP 562: any other attribute
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(_load_httpx_cli(), name)

    stand_in.main = main  # type: ignore[attr-defined]
    stand_in.__getattr__ = __getattr__  # type: ignore[method-assign]
    stand_in.__inbox_tui_stand_in__ = True  # type: ignore[attr-defined]
    sys.modules[_HTTPX_CLI] = stand_in


_defer_httpx_cli()
