"""The layers the architecture promises, checked on the source: use cases work through ports."""

from __future__ import annotations

import ast
from pathlib import Path

import fairdebt

PACKAGE = Path(fairdebt.__file__).parent
FORBIDDEN_IN_SERVICES = ("sqlalchemy", "fairdebt.adapters.db")


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def _offending(folder: str) -> list[str]:
    return sorted(
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in (PACKAGE / folder).rglob("*.py")
        for name in _imports(path)
        if name.startswith(FORBIDDEN_IN_SERVICES)
    )


def test_no_service_touches_sql_or_the_database_adapters() -> None:
    assert _offending("services") == []


def test_strategy_persistence_goes_through_ports_too() -> None:
    assert _offending("strategy") == []


def test_letters_read_the_case_through_ports_too() -> None:
    assert _offending("letters") == []


def test_the_check_sees_an_import_where_there_is_one(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from sqlalchemy import select\n", encoding="utf-8")

    assert "sqlalchemy" in _imports(module)
