"""The package's imports point down only (see ../shared/DESIGN.md): walks every import in
``inbox_tui/`` (function-level ones too) and fails on an upward import, an import between
packages of the same layer, or an import cycle between modules.

    base (top-level modules) < api, store, demo < core < ui < cli < __main__

Run it alone to see the graph's problems: ``python -m pytest tests/test_import_layers.py``.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "inbox_tui"
LAYERS = {"api": 1, "store": 1, "demo": 1, "core": 2, "ui": 3, "cli": 4, "__main__": 5}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> tuple[int, str]:
    """``(rank, group)``: a top-level module is the base layer (its own group)."""
    parts = module.split(".")
    if len(parts) == 1:
        return 0, "inbox_tui"
    group = parts[1]
    return LAYERS.get(group, 0), group if group in LAYERS else "inbox_tui"


def imports_of(path: Path, module: str) -> set[str]:
    """Every ``inbox_tui`` module ``path`` imports (``from x import y`` counts y when y is
    a module itself, else x)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("inbox_tui"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if not base.startswith("inbox_tui"):
                continue
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in MODULES else base)
    return {name for name in found if name in MODULES and name != module}


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}
GRAPH = {name: imports_of(path, name) for name, path in MODULES.items()}


def test_no_upward_or_sideways_import_between_packages() -> None:
    problems = []
    for module, targets in GRAPH.items():
        rank, group = layer_of(module)
        for target in targets:
            target_rank, target_group = layer_of(target)
            if target_group == group or target == "inbox_tui":
                continue
            if target_rank >= rank:
                problems.append(f"{module} -> {target}")
    assert not problems, "imports that do not point down:\n" + "\n".join(sorted(problems))


def test_no_import_cycle_between_modules() -> None:
    """Tarjan's strongly connected components over the module graph: none larger than one."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in GRAPH[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in GRAPH:
        if module not in index:
            visit(module)
    assert not cycles, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_the_checker_sees_the_layers() -> None:
    """Guard against a checker that cannot fail: it must find real edges of each kind."""
    assert "inbox_tui.core.backend" in GRAPH["inbox_tui.core.session"]
    assert "inbox_tui.core.session" in GRAPH["inbox_tui.ui.app"]
    assert layer_of("inbox_tui.ui.widgets.banner") == (3, "ui")
    assert layer_of("inbox_tui.errors") == (0, "inbox_tui")


def test_the_app_stays_a_shell() -> None:
    """``ui/app.py`` composes, binds and routes; logic lives in the session and helpers."""
    path = PACKAGE / "ui" / "app.py"
    source = path.read_text(encoding="utf-8")
    assert len(source.splitlines()) <= 450
    long = [
        f"{node.name}: {node.end_lineno - node.lineno + 1} lines"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > 40
    ]
    assert not long, long
