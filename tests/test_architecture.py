"""The house rules that import-linter cannot state (see .importlinter for the layers).

Each test reads the source with ``ast``; nothing is imported or run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ("accounts", "cms", "courses", "exams", "certificates", "employers", "config", "printing", "spreadsheets")
ROOMS = ("catalogue", "bank", "papers", "practice", "theory", "practical", "admission")
#: The modules of pure rules: dataclasses and functions over them, no database.
PURE_MODULES = {
    "accounts/identity.py",
    "accounts/dates.py",
    "exams/papers/scoring.py",
    "exams/practical/rules.py",
    "exams/admission/eligibility.py",
    "exams/theory/item_statistics.py",
    "certificates/rules.py",
    "exams/catalogue/rules.py",
    "employers/rules.py",
    "cms/next_steps.py",
}
#: What a pure module may import of the project: other pure modules only.
PURE_IMPORTS = {"accounts.identity", "accounts.dates", "exams.papers.scoring", "exams.catalogue.rules"}


def _source_files() -> list[Path]:
    return sorted(path for app in APPS for path in (ROOT / app).rglob("*.py") if "migrations" not in path.parts)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports_that_tie(tree: ast.Module, *, is_tasks_module: bool) -> list[ast.ImportFrom | ast.Import]:
    """Every import of the module, wherever it stands, but those under TYPE_CHECKING and,
    in a ``tasks.py``, those inside a task's body: a task imports its service there (the
    service queues the task, so importing the service at the top would close a loop)."""
    found: list[ast.ImportFrom | ast.Import] = []

    def walk(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and isinstance(child.test, ast.Name) and child.test.id == "TYPE_CHECKING":
                continue
            if is_tasks_module and isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if isinstance(child, ast.Import | ast.ImportFrom):
                found.append(child)
            walk(child)

    walk(tree)
    return found


def test_no_module_imports_another_modules_private_name():
    offenders = []
    for path in _source_files() + sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module != "__future__":
                private = [a.name for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
                if private:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.module} {private}")
    assert offenders == [], "\n".join(offenders)


@pytest.mark.parametrize("relative", sorted(PURE_MODULES))
def test_pure_rule_modules_import_only_pure_modules_and_translation(relative):
    path = ROOT / relative
    module = _module_name(path)
    imported = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            imported.add(_absolute(node, module, path.name == "__init__.py"))
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    project = {name for name in imported if name.split(".")[0] in APPS}
    django = {name for name in imported if name.split(".")[0] in ("django", "wagtail", "celery")}
    assert project <= PURE_IMPORTS
    assert django <= {"django.utils.translation"}


def test_exams_top_level_holds_only_rooms_and_wiring():
    exams = ROOT / "exams"
    modules = {path.name for path in exams.glob("*.py")}
    packages = {path.name for path in exams.iterdir() if path.is_dir() and path.name != "__pycache__"}
    wiring = {"__init__.py", "apps.py", "models.py", "errors.py", "urls.py", "admin.py", "wagtail_hooks.py", "tasks.py"}
    assert modules == wiring
    assert packages == set(ROOMS) | {"migrations", "management", "templatetags"}
    prefixed = [
        str(path.relative_to(ROOT))
        for path in exams.rglob("*.py")
        if any(path.name.startswith(f"{room}_") for room in ROOMS) and "migrations" not in path.parts
    ]
    assert prefixed == []


def test_no_test_module_imports_another_test_module():
    # conftest.py files count as test modules; factories.py is the one shared helper
    # module, and tests/exams/hooks.py is named by a setting, not a test module.
    shared = {"tests.factories", "tests.exams.hooks"}
    offenders = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tests."):
                names = {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
                if not names & shared:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.module}")
    assert offenders == [], "\n".join(offenders)


def test_no_import_cycle_in_exams_or_certificates():
    graph: dict[str, set[str]] = {}
    modules = {_module_name(path): path for path in _source_files()}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets = set()
        for node in _imports_that_tie(tree, is_tasks_module=path.name == "tasks.py"):
            if isinstance(node, ast.ImportFrom):
                base = _absolute(node, module, path.name == "__init__.py")
                for alias in node.names:
                    candidate = f"{base}.{alias.name}"
                    targets.add(candidate if candidate in modules else base)
            else:
                targets.update(alias.name for alias in node.names)
        graph[module] = {target for target in targets if target in modules and target != module}

    cycles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        stack.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                loop = [*stack[stack.index(target) :], target]
                if any(name.split(".")[0] in ("exams", "certificates") for name in loop):
                    cycles.append(" -> ".join(loop))
            elif target not in state:
                visit(target)
        stack.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    assert cycles == [], "\n".join(cycles)
