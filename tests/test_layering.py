"""The house's layout: imports follow the layers of docs/index.md, with no circle.

Read from the source (the AST), so that an import inside a function counts exactly like
one at the top of a module: a lazy import that dodges a circle is still a circle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("evaluation", "ganzoo")
MAX_LINES = 500

# Bottom up (docs/index.md, "The layers"): a module may import from its own layer and
# the layers below, never from above. The first matching prefix wins.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("evaluation",),
    ("ganzoo._validation", "ganzoo._version", "ganzoo._progress", "ganzoo._torch_compat", "ganzoo._threads", "ganzoo._malloc",
     "ganzoo._manifest"),
    ("ganzoo.losses", "ganzoo._penalties", "ganzoo.remedies", "ganzoo._networks", "ganzoo._inference", "ganzoo._module_ensemble", "ganzoo._paper_networks", "ganzoo._optim", "ganzoo._streams",
     "ganzoo._history", "ganzoo._checkpoint", "ganzoo._reference", "ganzoo._targets", "ganzoo._plots",
     "ganzoo._traces", "ganzoo._causes", "ganzoo._animation", "ganzoo._tensorboard"),
    ("ganzoo._config",),
    ("ganzoo.engine",),
    ("ganzoo._trainer", "ganzoo._member_reports", "ganzoo._autograd_step"),
    ("ganzoo._gan_state", "ganzoo._gan"),
    ("ganzoo.variants", "ganzoo._convergence"),
    ("ganzoo.study",),
    ("ganzoo.literature",),
    ("ganzoo._cli", "ganzoo._train_cli", "ganzoo.__main__"),
)  # fmt: skip


def source_files() -> dict[str, Path]:
    """Every module of the two packages by its dotted name (a package by its own name)."""
    files = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            files[".".join(parts)] = path
    return files


def imports_of(name: str, path: Path, known: set[str]) -> list[tuple[str, int, bool]]:
    """``(module, line, inside a function)`` for each project module that ``name`` imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []

    def visit(node: ast.AST, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = nested or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            targets: list[str] = []
            if isinstance(child, ast.Import):
                targets = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                # `from pkg import submodule` imports the submodule; `from mod import name` the module.
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in child.names]
            for target in targets:
                while target and target not in known:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    found.append((target, child.lineno, nested))
            visit(child, inner)

    visit(tree, False)
    return found


def layer_of(module: str) -> int:
    for rank, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return rank
    return len(LAYERS)  # the package ganzoo itself: the public API, above everything


FILES = source_files()
GRAPH = {name: imports_of(name, path, set(FILES)) for name, path in FILES.items()}


def test_every_module_has_a_layer():
    assert [m for m in FILES if m != "ganzoo" and layer_of(m) == len(LAYERS)] == []


def test_no_import_goes_up_a_layer():
    upward = [
        f"{module} (layer {layer_of(module)}) imports {target} (layer {layer_of(target)}) at line {line}"
        for module, edges in GRAPH.items()
        for target, line, _ in edges
        if layer_of(target) > layer_of(module)
    ]
    assert upward == []


def test_evaluation_imports_nothing_of_ganzoo():
    assert [(m, t) for m, edges in GRAPH.items() if m.startswith("evaluation") for t, _, _ in edges if t.startswith("ganzoo")] == []


def test_no_import_circle_at_module_or_function_level():
    """Depth-first search for a cycle in the graph of every import, nested ones included."""
    state: dict[str, str] = {}
    cycles = []

    def walk(module: str, path: list[str]) -> None:
        state[module] = "open"
        for target, _, _ in GRAPH[module]:
            if state.get(target) == "open":
                cycles.append(path[path.index(target) :] + [target])
            elif target not in state:
                walk(target, [*path, target])
        state[module] = "done"

    for module in GRAPH:
        if module not in state:
            walk(module, [module])
    nested = sum(inner for edges in GRAPH.values() for _, _, inner in edges)
    assert cycles == [], f"import circles ({nested} function-level imports in all): {cycles}"


@pytest.mark.parametrize("name", sorted(FILES))
def test_no_source_file_is_over_the_limit(name):
    lines = FILES[name].read_text().count("\n")
    assert lines <= MAX_LINES, f"{FILES[name]} has {lines} lines; split it by job (limit {MAX_LINES})"


def test_implementation_modules_are_private():
    """Public names live in each package's __init__; every other module starts with '_'."""
    public_packages = {"evaluation", "ganzoo", "ganzoo.engine", "ganzoo.literature", "ganzoo.losses", "ganzoo.remedies", "ganzoo.study", "ganzoo.variants"}
    public_modules = {"evaluation.__main__", "ganzoo.__main__"}
    exposed = [m for m in FILES if m not in public_packages | public_modules and not m.rpartition(".")[2].startswith("_")]
    assert exposed == []
