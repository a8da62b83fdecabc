"""The package's import graph, read from the source (ast), keeps its shape: first-level packages
form a layer order with no import running back up it, no module cycles inside a package, and no
package reaches into another package's ``_private`` modules. Every import counts, including the
ones inside functions and under ``TYPE_CHECKING``: a lazy import is still a dependency.

Each package also imports on its own in a fresh interpreter (no hidden import-order dependency).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "pytest_netopsbench"
TOP = "pytest_netopsbench"

#: first-level units (subpackages and top-level modules), bottom to top, as docs/architecture.md
#: draws them. A unit may import only units listed before it. ``agents`` has its place reserved for
#: the built-in agents once they live inside the package (they use diagnosis, evidence, faults,
#: topology, toolkit; plugin, sdk and cli may name them).
LAYERS: tuple[str, ...] = (
    "_version",
    "errors",
    "topology",
    "settings",
    "diagnosis",
    "records",
    "runtime",
    "evidence",
    "faults",
    "scenario",
    "trace",
    "toolkit",
    "scoring",
    "report",
    "episode",
    "agents",
    "sandbox",
    "campaign",
    "plugin",
    "sdk",
    "cli",
)

#: the lazy facade (``pytest_netopsbench/__init__.py``) sits above everything by construction
ABOVE_ALL = {TOP}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


MODULES = _modules()


def _is_package(name: str) -> bool:
    return (ROOT.parent / name.replace(".", "/") / "__init__.py").exists()


def _resolve(importer: str, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = importer.split(".")
    if not _is_package(importer):
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _targets(importer: str, tree: ast.AST) -> Iterator[str]:
    """Every module of this package that ``importer`` imports, anywhere in its body."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(TOP):
                    yield _known(alias.name)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(importer, node)
            if not target.startswith(TOP):
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                yield sub if sub in MODULES else _known(target)


def _known(name: str) -> str:
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        graph[name] = {t for t in _targets(name, tree) if t != name}
    return graph


GRAPH = _graph()


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else TOP


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _edges() -> Iterator[tuple[str, str]]:
    for src, targets in GRAPH.items():
        for dst in targets:
            yield src, dst


def package_cycles() -> list[list[str]]:
    graph: dict[str, set[str]] = {}
    for src, dst in _edges():
        if src in ABOVE_ALL:
            continue
        a, b = _unit(src), _unit(dst)
        if a != b:
            graph.setdefault(a, set()).add(b)
    return _cycles(graph)


def module_cycles() -> list[list[str]]:
    graph: dict[str, set[str]] = {}
    for src, dst in _edges():
        if _unit(src) == _unit(dst) and src not in ABOVE_ALL:
            graph.setdefault(src, set()).add(dst)
    return _cycles(graph)


def upward_imports() -> list[str]:
    rank = {name: i for i, name in enumerate(LAYERS)}
    bad = []
    for src, dst in sorted(_edges()):
        if src in ABOVE_ALL:
            continue
        a, b = _unit(src), _unit(dst)
        if a != b and rank[b] > rank[a]:
            bad.append(f"{src} -> {dst}")
    return bad


def _private_owner(module: str) -> str | None:
    """The package a private module belongs to: ``a.b._c.d`` -> ``a.b`` (None when public)."""
    parts = module.split(".")
    for i, part in enumerate(parts):
        if part.startswith("_"):
            return ".".join(parts[:i])
    return None


def private_imports() -> list[str]:
    bad = []
    for src, dst in sorted(_edges()):
        owner = _private_owner(dst)
        if owner is None or owner == TOP:  # top-level _version is the package's own
            continue
        if not (src == owner or src.startswith(owner + ".")):
            bad.append(f"{src} -> {dst}")
    return bad


def test_every_unit_has_a_layer() -> None:
    units = {_unit(m) for m in MODULES} - {TOP}
    assert units <= set(LAYERS), sorted(units - set(LAYERS))


def test_no_cycles_between_packages() -> None:
    assert package_cycles() == []


def test_no_cycles_between_modules_of_a_package() -> None:
    assert module_cycles() == []


def test_no_import_runs_up_the_layers() -> None:
    assert upward_imports() == []


def test_no_private_module_imported_from_another_package() -> None:
    assert private_imports() == []


def test_the_graph_is_read() -> None:
    # guards against a resolver that silently finds nothing: these edges are known to exist
    assert f"{TOP}.scoring._score" in GRAPH
    assert any(_unit(d) == "diagnosis" for d in GRAPH[f"{TOP}.scoring._score"])
    assert sum(len(t) for t in GRAPH.values()) > 200


PACKAGES = [
    "records",
    "diagnosis",
    "scoring",
    "report",
    "episode",
    "plugin",
    "sdk",
    "toolkit",
    "evidence",
    "faults",
    "runtime",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_package_imports_first(name: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", f"import pytest_netopsbench.{name}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr


if __name__ == "__main__":  # a quick census: python tests/stats/test_imports.py
    for label, found in (
        ("package cycles", package_cycles()),
        ("module cycles", module_cycles()),
        ("upward imports", upward_imports()),
        ("private cross-imports", private_imports()),
    ):
        print(f"{label}: {len(found)}")
        for item in found:
            print("   ", item)
