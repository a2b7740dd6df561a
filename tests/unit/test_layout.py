"""The package's shape, checked: data flows one way between its packages, no module imports itself
back through another (function-level imports counted), modules and functions stay small enough to
read.  See CONTRIBUTING.md for the layout these rules describe."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from helpers import REPO

PKG = REPO / "liplanet_cert"

# Each package may import its own modules and those of lower layers, never a higher one.
LAYERS = {
    "errors": 0, "version": 0, "units": 1, "infra": 1, "spc": 1, "catalogue": 2,
    "lca": 3, "bundle": 3, "criteria": 4, "roundrobin": 4, "assessment": 5,
    "reporters": 6, "dossier": 6, "integrity": 7, "batch": 7,
    "reporters.views": 8, "cli": 9,  # views show the objects of integrity and batch too
}  # fmt: skip
MAX_MODULE_LINES = 400
LONG_MODULES = {"dossier/charts.py"}  # one concept: the SVG charts of the dossier
MAX_FUNCTION_LINES = 80


def _modules() -> dict[str, Path]:
    out = {}
    for p in PKG.rglob("*.py"):
        parts = list(p.relative_to(REPO).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """The package modules ``name`` imports, anywhere in its body."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                target = f"{node.module}.{alias.name}"
                found.add(target if target in MODULES else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _layer(module: str) -> int | None:
    """The layer of a module: that of the longest package prefix named in LAYERS."""
    parts = module.split(".")[1:]
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in LAYERS:
            return LAYERS[".".join(parts[:n])]
    return None


def test_no_import_cycles():
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    assert cycles == []


def test_data_flows_one_way_between_packages():
    upward = []
    for name, targets in GRAPH.items():
        mine = _layer(name)
        for t in targets:
            theirs = _layer(t)
            if mine is not None and theirs is not None and theirs > mine:
                upward.append(f"{name} -> {t}")
    assert sorted(upward) == []


def test_every_module_is_placed_in_a_layer():
    top = {m.split(".")[1] for m in MODULES if m.count(".") >= 1}
    assert top - set(LAYERS) - {"__main__"} == set()


def test_the_package_root_only_re_exports():
    tree = ast.parse((PKG / "__init__.py").read_text(encoding="utf-8"))
    defined = [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    assert defined == ["__getattr__"]  # the lazy re-export of the core functions


def _body_lines(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines of a function's body, from its first statement after the docstring: a command's
    signature (its Typer options, one per declaration) and its help text are not code to read."""
    body = fn.body
    if len(body) > 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return fn.end_lineno - body[0].lineno + 1


@pytest.mark.parametrize("path", sorted(PKG.rglob("*.py")), ids=lambda p: p.relative_to(PKG).as_posix())
def test_modules_and_functions_stay_small(path: Path):
    rel = path.relative_to(PKG).as_posix()
    text = path.read_text(encoding="utf-8")
    if rel not in LONG_MODULES:
        assert len(text.splitlines()) <= MAX_MODULE_LINES, f"{rel}: split it into modules of one concept each"
    long = [
        f"{n.name} ({_body_lines(n)} lines)"
        for n in ast.walk(ast.parse(text))
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and _body_lines(n) > MAX_FUNCTION_LINES
    ]
    assert long == []
