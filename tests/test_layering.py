"""The layers of the package hold: nothing imports upwards, and there are no cycles.

    gpu  <  model  <  formats, tools, render, ai  <  session  <  ui, cli

(architecture.md). ``model`` must load with every higher layer made unimportable, so the
segmentation, its write path and undo work in any program that has them alone.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from .conftest import REPO_ROOT

APP = REPO_ROOT / "app"
LAYER_OF = {"gpu": 0, "atomic": 0, "model": 1, "formats": 2, "tools": 2, "render": 2,
            "ai": 2, "session": 3, "ui": 4, "cli": 4, "__main__": 5, "__init__": 0}


def _modules() -> dict[str, Path]:
    """Dotted names (below ``demarcate``) of every module in app/."""
    modules = {}
    for path in APP.rglob("*.py"):
        parts = path.relative_to(APP).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1] or ("__init__",)
        modules[".".join(parts)] = path
    return modules


def _imports(name: str, path: Path) -> set[str]:
    """Package-internal modules ``name`` imports (also inside functions)."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            elif node.module and node.module.startswith("demarcate."):
                target = node.module.removeprefix("demarcate.")
            else:
                continue
            found.add(target)
            found |= {f"{target}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name.removeprefix("demarcate.") for a in node.names
                      if a.name.startswith("demarcate.")}
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: {t for t in _imports(name, path) if t in modules and t != name}
            for name, path in modules.items()}


def test_no_module_imports_a_higher_layer():
    wrong = []
    for name, targets in _graph().items():
        layer = LAYER_OF[name.split(".")[0]]
        for target in targets:
            if LAYER_OF[target.split(".")[0]] > layer:
                wrong.append(f"{name} -> {target}")
    assert not wrong, "upward imports: " + ", ".join(sorted(wrong))


def test_the_same_layer_is_imported_only_within_its_package():
    """formats, tools and render sit side by side and do not use each other."""
    wrong = [f"{name} -> {target}" for name, targets in _graph().items()
             for target in targets
             if name.split(".")[0] != target.split(".")[0]
             and LAYER_OF[name.split(".")[0]] == LAYER_OF[target.split(".")[0]] == 2]
    assert not wrong, ", ".join(sorted(wrong))


def test_no_import_cycles():
    graph = _graph()
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*trail, name, target]))
            if target not in state:
                visit(target, [*trail, name])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])


def test_model_loads_with_the_higher_layers_blocked():
    blocked = ["formats", "tools", "render", "ui", "session", "cli"]
    script = f"""
import importlib, pkgutil, sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if any(name == f"demarcate.{{b}}" or name.startswith(f"demarcate.{{b}}.")
               for b in {blocked!r}):
            raise ImportError(f"{{name}} is above the model")
sys.meta_path.insert(0, Block())
import demarcate.model as model
for info in pkgutil.iter_modules(model.__path__):
    importlib.import_module(f"demarcate.model.{{info.name}}")
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
