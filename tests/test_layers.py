"""Imports point one way (docs/development.md, "Layers"): ``cli`` and ``bot`` on top,
``commands`` and ``activities`` below them, ``orchestration`` at the base; ``slacksim`` (the
local stand-in) beside them, used only by ``cli`` and the tests.

Every ``.py`` file of the packages is parsed with :mod:`ast` (nothing is imported), so an
import anywhere (at the top, inside a function, under ``TYPE_CHECKING``) counts. Tests and
benchmarks drive the whole stack and stand outside the layers.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST_PARTY = ("cli", "bot", "commands", "activities", "orchestration", "slacksim")
OUTSIDE = ("tests", "benchmarks")  # never imported by the packages

# The first-party packages each package may import (itself included); anything else of
# FIRST_PARTY or OUTSIDE is refused. Standard library and third-party imports are free.
MAY_IMPORT = {
    "cli": {"cli", "bot", "commands", "activities", "orchestration", "slacksim"},
    "bot": {"bot", "commands", "activities", "orchestration"},
    "commands": {"commands", "orchestration"},
    "activities": {"activities", "orchestration"},
    "orchestration": {"orchestration"},
    "slacksim": {"slacksim"},
}

# The base's one look upward: workflow code names the activities it calls, and the worker
# registers them. Keys are modules, or packages covering their submodules. True: the import
# must sit under ``workflow.unsafe.imports_passed_through()``, as Temporal's Python SDK advises
# for workflow modules (the sandbox then leaves the activity modules alone):
# https://docs.temporal.io/develop/python/python-sdk-sandbox#passthrough-modules
ACTIVITIES_IN_ORCHESTRATION = {
    "orchestration.worker": False,  # the worker's entry point: registers every activity
    "orchestration.workflows": True,  # one module per workflow
    "orchestration.approval": True,  # the approval gate the workflows inherit
    "orchestration.approval_card": True,  # the gate's card and notes
    "orchestration.approval_copies": True,  # the card's copies in DMs and other channels
    "orchestration.notes": True,  # notes from workflows to Slack
    "orchestration.policy.check": True,  # the workflow side of the policy file
}
PASS_THROUGH = "imports_passed_through"


@dataclass(frozen=True)
class Violation:
    """One import that breaks a rule."""

    path: str
    line: int
    imported: str
    rule: str

    @property
    def package(self) -> str:
        return self.imported.split(".")[0]

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: imports {self.imported}: {self.rule}"


@dataclass(frozen=True)
class Import:
    """A first-party import, and whether it sits under ``imports_passed_through()``."""

    line: int
    module: str
    passed_through: bool


def module_name(path: str) -> str:
    """``orchestration/workflows/order.py`` -> ``orchestration.workflows.order``."""
    parts = list(Path(path).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module a (possibly relative) ``from ... import`` names."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base[: len(base) - node.level + (1 if is_package else 0)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _passes_through(node: ast.With | ast.AsyncWith) -> bool:
    for item in node.items:
        call = item.context_expr
        if isinstance(call, ast.Call):
            func = call.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == PASS_THROUGH:
                return True
    return False


def imports(source: str, path: str) -> Iterator[Import]:
    """The first-party imports in ``source`` (the file at ``path``, relative to the root)."""
    module, is_package = module_name(path), path.endswith("__init__.py")

    def visit(node: ast.AST, passed: bool) -> Iterator[Import]:
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [_absolute(node, module, is_package)]
            )
            for name in names:
                if name.split(".")[0] in (*FIRST_PARTY, *OUTSIDE):
                    yield Import(node.lineno, name, passed)
        if isinstance(node, ast.With | ast.AsyncWith) and _passes_through(node):
            passed = True
        for child in ast.iter_child_nodes(node):
            yield from visit(child, passed)

    yield from visit(ast.parse(source, filename=path), False)


def _activities_rule(module: str) -> bool | None:
    """Whether ``module`` must import activities under ``imports_passed_through()``; None when
    ACTIVITIES_IN_ORCHESTRATION does not list it."""
    for key, must_pass in ACTIVITIES_IN_ORCHESTRATION.items():
        if module == key or module.startswith(f"{key}."):
            return must_pass
    return None


def check(source: str, path: str) -> list[Violation]:
    """Every import in ``source`` that breaks the layering, for the file at ``path``."""
    module = module_name(path)
    package = module.split(".")[0]
    allowed = MAY_IMPORT[package]
    found = []
    for imp in imports(source, path):
        target = imp.module.split(".")[0]
        if target in allowed:
            continue
        rule = (
            f"{package} may import only {', '.join(sorted(allowed))} (docs/development.md, Layers)"
        )
        if package == "orchestration":
            rule += "; activities only where ACTIVITIES_IN_ORCHESTRATION allows"
        if package == "orchestration" and target == "activities":
            must_pass = _activities_rule(module)
            if must_pass is None:
                rule = (
                    "orchestration imports activities only in the modules "
                    "ACTIVITIES_IN_ORCHESTRATION lists"
                )
            elif must_pass and not imp.passed_through:
                rule = f"workflow code imports activities under workflow.unsafe.{PASS_THROUGH}()"
            else:
                continue
        found.append(Violation(path, imp.line, imp.module, rule))
    return found


def package_files() -> list[str]:
    """Every ``.py`` file of the packages, relative to the repository's root."""
    return sorted(
        path.relative_to(ROOT).as_posix()
        for package in FIRST_PARTY
        for path in (ROOT / package).rglob("*.py")
    )


def test_imports_point_one_way() -> None:
    files = package_files()
    violations = [v for path in files for v in check((ROOT / path).read_text(), path)]
    broken = [str(v) for v in violations]
    assert broken == [], "imports against the layering:\n" + "\n".join(broken)
    # Every package was read: a check that found no files would pass for nothing.
    assert {path.split("/")[0] for path in files} == set(FIRST_PARTY)
    assert len(files) > 50


def test_the_check_names_file_line_and_rule() -> None:
    source = "import json\n\nfrom orchestration.models import approval\nfrom bot.app import App\n"
    (found,) = check(source, "commands/example.py")
    assert (found.path, found.line, found.imported) == ("commands/example.py", 4, "bot.app")
    assert str(found) == (
        "commands/example.py:4: imports bot.app: commands may import only commands, "
        "orchestration (docs/development.md, Layers)"
    )
    assert [str(v.line) for v in check("def f():\n    import slacksim.seed\n", "bot/x.py")] == ["2"]
    assert [v.imported for v in check("from tests import helpers\n", "slacksim/x.py")] == ["tests"]
    assert check("from ..cards import Block\n", "bot/listeners/x.py") == []


def test_workflow_code_imports_activities_only_where_listed_and_passed_through() -> None:
    passed = (
        "from temporalio import workflow\n"
        "with workflow.unsafe.imports_passed_through():\n"
        "    from activities.slack import SlackActivities\n"
    )
    plain = "from activities.slack import SlackActivities\n"
    assert check(passed, "orchestration/workflows/example.py") == []
    assert check(plain, "orchestration/worker.py") == []
    (outside,) = check(plain, "orchestration/workflows/example.py")
    assert "under workflow.unsafe.imports_passed_through()" in outside.rule
    (unlisted,) = check(passed, "orchestration/models/example.py")
    assert "ACTIVITIES_IN_ORCHESTRATION" in unlisted.rule
    (upward,) = check(passed.replace("activities.slack", "bot.app"), "orchestration/approval.py")
    assert upward.imported == "bot.app"
