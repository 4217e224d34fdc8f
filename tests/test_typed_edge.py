"""The database edge is typed: queries hand back Structs (or plain typed values), never asyncpg's Records or
dicts of Any, and every connection parameter is ``engage.db.Connection``. mypy --strict (with asyncpg-stubs)
checks the types; these tests keep the shapes from sliding back to Records that mypy would accept."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UNTYPED = re.compile(r"\bRecord\b|\bAny\b")


def _query_functions() -> list[tuple[Path, ast.AsyncFunctionDef | ast.FunctionDef]]:
    found = []
    for path in sorted((ROOT / "engage").glob("*/queries.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_"):
                found.append((path, node))
    return found


def test_no_query_returns_records_or_any() -> None:
    functions = _query_functions()
    assert len(functions) > 100, "the scan finds the queries"
    untyped = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.name} -> {ast.unparse(node.returns)}"
        for path, node in functions
        if node.returns is None or UNTYPED.search(ast.unparse(node.returns))
    ]
    assert untyped == []


def test_connections_are_typed_once_in_engage_db() -> None:
    elsewhere = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "engage").rglob("*.py"))
        if path != ROOT / "engage" / "db.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "asyncpg.Connection" in line
    ]
    assert elsewhere == []
