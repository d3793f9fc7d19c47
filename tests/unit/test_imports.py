"""Import hygiene of the package, read from the source with `ast` (nothing is imported).

Two rules:

* **No private name of another module.** A name is private when it starts with one
  underscore and is not a dunder (`_seed_from` is private, `__version__` is not). A module
  may not `from M import _name`, nor read `m._name` where `m` is a module it imported.
  Private *modules* (`data/_numeric.py`) are the exception that packages are built from:
  they may be imported by the modules of the package that holds them (and its
  subpackages), by no one else. Attribute access on objects (`model._layout()`) is not
  checked here: that is the model contract, not an import.
* **No import cycle at module top level.** An edge A → B is an import that runs when A is
  imported: statements of the module body (also inside top-level `if`, `try` and class
  bodies), but not inside functions and not under `if TYPE_CHECKING:`. `from P import n`
  is an edge to the submodule `P.n` when there is one, else to `P`. The implicit import of
  parent packages is not an edge: Python runs them first, so they cannot close a cycle that
  fails on a partially initialised module the way `from . import __version__` did.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = "fairsynth"
ROOT = Path(__file__).resolve().parents[2] / PACKAGE


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def read_package(root: Path = ROOT, package: str = PACKAGE) -> dict[str, tuple[str, bool]]:
    """Module name → (source, is a package) for every .py file under `root`."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        is_pkg = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_pkg else parts)
        modules[name] = (path.read_text(encoding="utf-8"), is_pkg)
    return modules


def absolute(importer: str, is_pkg: bool, level: int, module: str | None) -> str:
    """The absolute name of the module in `from <level dots><module> import ...`."""
    if level == 0:
        return module or ""
    base = importer.split(".") if is_pkg else importer.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, module] if module else base)


def imported_modules(node, importer: str, is_pkg: bool, modules) -> list[tuple[str, str | None]]:
    """(module, imported name or None) for each name an import statement brings in; the
    module is the submodule itself when `from P import n` names one."""
    if isinstance(node, ast.Import):
        return [(alias.name, None) for alias in node.names]
    source = absolute(importer, is_pkg, node.level, node.module)
    out = []
    for alias in node.names:
        sub = f"{source}.{alias.name}"
        out.append((sub, None) if sub in modules else (source, alias.name))
    return out


def owning_module(name: str, modules) -> str | None:
    """The longest prefix of the dotted `name` that is one of `modules`."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        if ".".join(parts[:i]) in modules:
            return ".".join(parts[:i])
    return None


def private_module_outsider(target: str, importer: str) -> bool:
    """True when `target` has a private component whose package does not hold `importer`."""
    parts = target.split(".")
    for i, part in enumerate(parts):
        if is_private(part) and importer.split(".")[:i] != parts[:i]:
            return True
    return False


def private_uses(importer: str, source: str, is_pkg: bool, modules) -> list[str]:
    """Every use of another module's private name in one module, as readable lines."""
    tree = ast.parse(source)
    found = []
    aliases: dict[str, str] = {}  # local name → fairsynth module it is bound to
    for node in ast.walk(tree):
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        for (target, name), alias in zip(
            imported_modules(node, importer, is_pkg, modules), node.names, strict=True
        ):
            where = f"{importer}:{node.lineno}"
            if private_module_outsider(target, importer):
                found.append(f"{where} imports the private module {target}")
            if name is not None and is_private(name) and target != importer:
                found.append(f"{where} imports the private name {name} from {target}")
            if name is None and target in modules:
                if alias.asname:
                    aliases[alias.asname] = target
                elif isinstance(node, ast.Import):  # `import a.b` binds `a`
                    aliases[target.split(".")[0]] = target.split(".")[0]
                else:
                    aliases[alias.name] = target
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and is_private(node.attr):
            module = dotted_module(node.value, aliases, modules)
            if module is not None and module != importer:
                found.append(f"{importer}:{node.lineno} reads the private name {node.attr}")
    return found


def dotted_module(node, aliases: dict[str, str], modules) -> str | None:
    """The module that an expression like `fio` or `fairsynth.io` names, else None."""
    chain = []
    while isinstance(node, ast.Attribute):
        chain.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in aliases:
        return None
    name = ".".join([aliases[node.id], *reversed(chain)])
    return name if name in modules else None


def top_level_imports(tree: ast.Module):
    """Import statements that run when the module is imported (see the module docstring)."""
    pending = list(tree.body)
    while pending:
        node = pending.pop(0)
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
            if name != "TYPE_CHECKING":
                pending.extend(node.body)
            pending.extend(node.orelse)
        elif isinstance(node, ast.Try):
            pending.extend(node.body + node.orelse + node.finalbody)
            for handler in node.handlers:
                pending.extend(handler.body)
        elif isinstance(node, ast.ClassDef | ast.With):
            pending.extend(node.body)


def import_graph(modules) -> dict[str, set[str]]:
    """Module → the package's modules it imports at top level."""
    graph = {}
    for importer, (source, is_pkg) in modules.items():
        edges = set()
        for node in top_level_imports(ast.parse(source)):
            for target, _ in imported_modules(node, importer, is_pkg, modules):
                owner = owning_module(target, modules)
                if owner is not None and owner != importer:
                    edges.add(owner)
        graph[importer] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
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
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, pending = set(), [start]
    while pending:
        for w in graph.get(pending.pop(), ()):
            if w not in seen:
                seen.add(w)
                pending.append(w)
    return seen


# ------------------------------------------------------------------------ the package
MODULES = read_package()


def test_the_package_was_found():
    assert "fairsynth.persist.bundle" in MODULES and len(MODULES) > 40


def test_no_module_uses_another_modules_private_name():
    found = [
        line
        for name, (source, is_pkg) in MODULES.items()
        for line in private_uses(name, source, is_pkg, MODULES)
    ]
    assert not found, "\n".join(found)


def test_no_import_cycle_at_module_top_level():
    assert cycles(import_graph(MODULES)) == []


@pytest.mark.parametrize("module", ["fairsynth.persist", "fairsynth.registry"])
def test_persistence_imports_no_model(module):
    # models import persist to save themselves; the reverse edge would close a cycle
    graph = import_graph(MODULES)
    models = {m for m in reachable(graph, module) if m.startswith("fairsynth.models")}
    assert not models


# ------------------------------------------------------- the checks catch what they should
def fake(sources: dict[str, str]) -> dict[str, tuple[str, bool]]:
    """A package from {module name: source}; names ending in `/` are packages."""
    return {k.rstrip("/"): (v, k.endswith("/")) for k, v in sources.items()}


def test_private_imports_and_attributes_are_caught():
    modules = fake(
        {
            "p/": "",
            "p.a": "def _helper(): ...\n",
            "p.sub/": "",
            "p.sub._impl": "x = 1\n",
            "p.sub.user": "from ._impl import x\nfrom . import _impl\n",
            "p.b": (
                "from .a import _helper\n"
                "from . import a\n"
                "import p.a as pa\n"
                "from .sub._impl import x\n"
                "from . import __version__\n"
                "a._helper(); pa._helper(); a.public()\n"
                "def f():\n    from .a import _helper\n"
            ),
        }
    )
    assert private_uses("p.sub.user", *modules["p.sub.user"], modules) == []
    found = private_uses("p.b", *modules["p.b"], modules)
    assert found == [
        "p.b:1 imports the private name _helper from p.a",
        "p.b:4 imports the private module p.sub._impl",
        "p.b:8 imports the private name _helper from p.a",
        "p.b:6 reads the private name _helper",
        "p.b:6 reads the private name _helper",
    ]


def test_cycles_count_top_level_imports_only():
    modules = fake(
        {
            "p/": "from .a import A\n",
            "p.a": "from . import __version__\nA = 1\n",
            "p.b": "from .c import C\n",
            "p.c": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from .b import B\n"
                "def f():\n    from .b import B\n"
            ),
        }
    )
    assert cycles(import_graph(modules)) == [["p", "p.a"]]
