"""How the tests share code: fixtures live in conftest files (found by pytest), helpers and datasets
in ``tests/support/`` modules (imported). No module imports from a conftest: pytest loads each
conftest under its own rules, so importing one by name can run it twice or not at all."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def _conftest_imports(path: Path) -> list[str]:
    """``line: statement`` of each import in ``path`` that reaches a ``conftest`` module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            modules = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        if any("conftest" in module.split(".") for module in modules):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_test_module_imports_from_a_conftest():
    offenders = {str(path.relative_to(TESTS)): found for path in sorted(TESTS.rglob("*.py"))
                 if (found := _conftest_imports(path))}
    assert offenders == {}, "move shared helpers into tests/support/ and import them from there"


def test_the_guard_sees_every_import_form(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import tests.summary.conftest\n"
        "from tests.insights.conftest import HOJE\n"
        "from tests.summary import conftest\n"
        "from .conftest import moment\n"
        "from . import conftest as c\n"
        "from tests.support.weeks import moment\n"
        "def f():\n"
        "    from tests.summary.conftest import known_week_items\n",
        encoding="utf-8",
    )
    assert [line.split(":")[0] for line in _conftest_imports(sample)] == ["1", "2", "3", "4", "5", "8"]
