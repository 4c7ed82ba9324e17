"""The test suite's own rule: test modules share helpers through ``tests/support/`` and
never import from one another (a test module is not a library)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
while TESTS.name != "tests":  # this module may live in a layer folder under tests/
    TESTS = TESTS.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_test_module_imports_another() -> None:
    offenders = {
        str(path.relative_to(TESTS)): sorted(
            name for name in imported_modules(path) if name.split(".")[-1].startswith("test_")
        )
        for path in TESTS.rglob("*.py")
        if "__snapshots__" not in path.parts
    }
    assert {k: v for k, v in offenders.items() if v} == {}
