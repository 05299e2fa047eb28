"""Imports go one way: every module's imports, read from its source, obey the package's layers.

Bottom to top (docs: the architecture of the package, and CONTRIBUTING in the README)::

    errors, options, progress  <-  simulation.{state, ledger, parameters, scenario, numerics, lending}
            <-  agents  <-  simulation (submodels, model)
            <-  store  <-  experiments | results  <-  validation, classroom, cli, testing

A module may import from its own layer and the layers below. ``experiments`` and ``results`` share
the store and never import each other; ``classroom`` and ``validation`` never import the command
line. Every import counts: at the top of a module, inside a function, and under
``TYPE_CHECKING``. No two modules may import each other, directly or through others.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

import computemarket

PACKAGE = "computemarket"
ROOT = Path(computemarket.__file__).parent

LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("foundation", ("computemarket.errors", "computemarket.options", "computemarket.progress")),
    (
        "schema",
        (
            "computemarket.simulation.state",
            "computemarket.simulation.ledger",
            "computemarket.simulation.parameters",
            "computemarket.simulation.scenario",
            "computemarket.simulation.numerics",
            "computemarket.simulation.lending",
        ),
    ),
    ("agents", ("computemarket.agents",)),
    ("model", ("computemarket.simulation",)),
    ("store", ("computemarket.store",)),
    ("experiments", ("computemarket.experiments",)),
    ("results", ("computemarket.results",)),
    (
        "top",
        (
            "computemarket.validation",
            "computemarket.classroom",
            "computemarket.cli",
            "computemarket.testing",
            "computemarket",
        ),
    ),
)
"""Layers, bottom first, each a list of module prefixes; the longest matching prefix wins."""

SIBLINGS_APART = ({"experiments", "results"},)
"""Layers that must not import each other, whatever their order."""


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    """Every module of the package, by dotted name."""
    return {_module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _is_package(name: str) -> bool:
    return modules()[name].name == "__init__.py"


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    package = module if _is_package(module) else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def _imports(module: str) -> Iterator[str]:
    """The package's modules that ``module`` imports, anywhere in its source."""
    tree = ast.parse(modules()[module].read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, node)
            # `from pkg import name` imports the module pkg.name if there is one, else pkg.
            names = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules() else base
                for alias in node.names
            ]
        else:
            continue
        for name in names:
            if name == PACKAGE or name.startswith(f"{PACKAGE}."):
                yield name


@cache
def edges() -> frozenset[tuple[str, str]]:
    """(importer, imported) for every import between two modules of the package."""
    return frozenset(
        (module, target) for module in modules() for target in _imports(module) if target != module
    )


def layer_of(module: str) -> str:
    """The layer of a module: the layer of its longest matching prefix."""
    best, length = None, -1
    for layer, prefixes in LAYERS:
        for prefix in prefixes:
            matches = module == prefix or module.startswith(f"{prefix}.")
            if matches and len(prefix) > length:
                best, length = layer, len(prefix)
    assert best is not None, f"{module} belongs to no layer: add it to LAYERS"
    return best


RANK = {layer: rank for rank, (layer, _) in enumerate(LAYERS)}


def _upward(importer: str, imported: str) -> bool:
    return RANK[layer_of(imported)] > RANK[layer_of(importer)]


# ------------------------------------------------------------------------------------------ tests
def test_the_scan_finds_the_package_and_its_imports():
    assert {"computemarket.cli", "computemarket.store.runs", "computemarket.errors"} <= set(
        modules()
    )
    assert ("computemarket.cli", "computemarket.errors") in edges()
    # Imports inside functions count too (the runner is imported when a run starts).
    assert ("computemarket.cli", "computemarket.simulation.runner") in edges()


def test_every_imported_module_exists():
    missing = sorted({imported for _, imported in edges() if imported not in modules()})
    assert missing == []


def test_every_module_belongs_to_a_layer():
    for module in modules():
        layer_of(module)


def test_no_module_imports_a_higher_layer():
    upward = sorted(
        f"{importer} -> {imported}" for importer, imported in edges() if _upward(importer, imported)
    )
    assert upward == []


def test_agents_do_not_import_the_model():
    found = sorted(
        f"{importer} -> {imported}"
        for importer, imported in edges()
        if layer_of(importer) == "agents" and layer_of(imported) == "model"
    )
    assert found == []


def test_experiments_and_results_do_not_import_each_other():
    crossing = sorted(
        f"{importer} -> {imported}"
        for importer, imported in edges()
        if {layer_of(importer), layer_of(imported)} in SIBLINGS_APART
    )
    assert crossing == []


@pytest.mark.parametrize("part", ["computemarket.classroom", "computemarket.validation"])
def test_the_classroom_and_validation_do_not_import_the_command_line(part):
    found = sorted(
        f"{importer} -> {imported}"
        for importer, imported in edges()
        if importer.startswith(part) and imported == "computemarket.cli"
    )
    assert found == []


def test_simulation_never_imports_experiments_results_or_the_store():
    found = sorted(
        f"{importer} -> {imported}"
        for importer, imported in edges()
        if importer.startswith("computemarket.simulation")
        and layer_of(imported) in ("store", "experiments", "results", "top")
    )
    assert found == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_cycle_finder_finds_a_cycle_through_three_modules():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_circle_of_files():
    graph: dict[str, set[str]] = {}
    for importer, imported in edges():
        graph.setdefault(importer, set()).add(imported)
    assert _cycles(graph) == []
