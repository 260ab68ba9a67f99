"""The house rule that keeps the package readable: no function over 120 lines (issue 11).

A function that grows past it is split by concern (a builder per role, a validator per area, a
table turned into resources by one loop) rather than let through.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "superset_stack"
LIMIT_LINES = 120


def functions_over(limit: int, root: Path) -> list[str]:
    """`path:line name (n lines)` of every function or method longer than `limit` lines."""
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > limit:
                    found.append(f"{path.relative_to(root)}:{node.lineno} {node.name} ({length} lines)")
    return found


def test_no_function_in_the_package_is_over_120_lines() -> None:
    assert functions_over(LIMIT_LINES, PACKAGE) == []


def test_the_check_finds_a_long_function(tmp_path: Path) -> None:
    body = "\n".join(f"    x{n} = {n}" for n in range(LIMIT_LINES))
    (tmp_path / "long.py").write_text(f"def long() -> None:\n{body}\n\n\ndef short() -> None:\n    pass\n")
    assert functions_over(LIMIT_LINES, tmp_path) == [f"long.py:1 long ({LIMIT_LINES + 1} lines)"]
