"""The import graph, drawn from the source with ast: layers hold and there is no circle.

Layers (docs/architecture.md): the base imports only the base; the engines
(symbolic, numeric, property_tests) import the base and each other, never an
application; the applications (cli, report) import anything below them. Every
import counts, at module top or inside a function, because both are real
dependencies. The pytest suites still inside property_tests/ are tests, not
package code, and are left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# folder -> import name (pyproject.toml [tool.setuptools.package-dir])
FOLDERS = {
    "wideminima": "wideminima",
    "symbolic": "wideminima.symbolic",
    "numeric": "wideminima.numeric",
    "property_tests": "wideminima.property_tests",
}
BASE = {
    "wideminima",
    "wideminima.atomic",
    "wideminima.errors",
    "wideminima.io",
    "wideminima.progress",
    "wideminima.random",
    "wideminima.types",
}
ENGINES = ("wideminima.symbolic", "wideminima.numeric", "wideminima.property_tests")
APPLICATIONS = ("wideminima.cli", "wideminima.report", "wideminima.__main__")
# Re-exports for users' convenience, above the engine they re-export.
FACADES = {"wideminima.strategies"}


def _modules() -> dict[str, Path]:
    found = {}
    for folder, name in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.name.startswith("test_"):
                continue
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            module = ".".join([name, *parts])
            if folder == "wideminima" and module.startswith(tuple(f"{n}." for n in FOLDERS.values() if n != "wideminima")):
                continue
            found[module] = path
    return found


MODULES = _modules()


def _imports(module: str, path: Path) -> set[str]:
    """The project modules that ``module`` imports anywhere in its source."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                stem = f"{base}.{node.module}" if node.module else base
            else:
                stem = node.module or ""
            # "from package import submodule" imports the submodule
            targets = [f"{stem}.{a.name}" if f"{stem}.{a.name}" in MODULES else stem for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != module:
                out.add(target)
    return out


GRAPH = {module: _imports(module, path) for module, path in MODULES.items()}


def _layer(module: str) -> str:
    if module in BASE:
        return "base"
    if module in FACADES:
        return "facade"
    if module.startswith(ENGINES):
        return "engine"
    if module.startswith(APPLICATIONS):
        return "application"
    raise AssertionError(f"{module} belongs to no layer: add it to BASE, an engine or an application")


def test_every_module_has_a_layer_and_the_graph_is_drawn() -> None:
    layers = {m: _layer(m) for m in MODULES}
    assert {"base", "engine", "application"} <= set(layers.values())
    # The graph is not empty (a resolver that found nothing would pass every rule).
    assert "wideminima.numeric._backend" in GRAPH["wideminima.numeric.lanczos"]
    assert {"wideminima.property_tests.engine", "wideminima.progress"} <= GRAPH["wideminima.cli.verify"]


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m in BASE))
def test_base_imports_only_the_base(module: str) -> None:
    assert {t for t in GRAPH[module] if t not in BASE} == set()


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith(ENGINES)))
def test_engines_import_no_application(module: str) -> None:
    assert {t for t in GRAPH[module] if _layer(t) in ("application", "facade")} == set()


def test_no_import_circle() -> None:
    # Tarjan's strongly connected components; a component of more than one module is a circle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(GRAPH[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    assert circles == []


def test_the_resolver_sees_a_planted_circle_and_an_upward_import(tmp_path: Path) -> None:
    # The checker's power: an engine module importing the CLI, and a two-module circle, are found.
    planted = tmp_path / "m.py"
    planted.write_text("from wideminima.cli import main\nfrom . import lanczos\n")
    found = _imports("wideminima.numeric.operator", planted)
    assert "wideminima.cli" in found and "wideminima.numeric.lanczos" in found
    assert _layer("wideminima.cli") == "application"
