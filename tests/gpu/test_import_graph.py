"""No module of demarcate.gpu imports, even lazily inside a function, a module that
imports it back: a cycle works only as long as the import order happens to suit it."""

from __future__ import annotations

import ast
import graphlib
import pkgutil
from pathlib import Path

import demarcate.gpu

PACKAGE = "demarcate.gpu"


def package_modules() -> dict[str, Path]:
    folder = Path(demarcate.gpu.__file__).parent
    modules = {PACKAGE: folder / "__init__.py"}
    for info in pkgutil.iter_modules([str(folder)]):
        modules[f"{PACKAGE}.{info.name}"] = folder / f"{info.name}.py"
    return modules


def imported_modules(name: str, path: Path, known: set[str]) -> set[str]:
    """The modules of the package that ``path`` imports anywhere (top level, functions,
    ``TYPE_CHECKING`` blocks), relative or absolute."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0]
                base = f"{parent}.{base}" if base else parent
            # ``from . import region`` imports a module; ``from .region import x`` a name
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(t for t in targets if t in known and t != name)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = package_modules()
    return {name: imported_modules(name, path, set(modules)) for name, path in modules.items()}


def test_gpu_import_graph_has_no_cycle():
    graph = import_graph()
    # Not vacuous: the parser sees the imports there are, also the lazy ones.
    assert f"{PACKAGE}.region" in graph[f"{PACKAGE}.components"]
    assert f"{PACKAGE}.backend" in graph[f"{PACKAGE}.distance"]
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as error:
        raise AssertionError(f"import cycle in {PACKAGE}: {' -> '.join(error.args[1])}") from None


def test_lazy_imports_inside_functions_are_edges(tmp_path):
    module = tmp_path / "lazy.py"
    module.write_text("def f():\n    from .region import region_grow\n    from . import otsu\n")
    known = {f"{PACKAGE}.region", f"{PACKAGE}.otsu", f"{PACKAGE}.lazy"}
    assert imported_modules(f"{PACKAGE}.lazy", module, known) == {
        f"{PACKAGE}.region", f"{PACKAGE}.otsu"}
