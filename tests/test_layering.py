"""The floors of the package: every import points to the same floor or one below.

Each module lives on a floor of FLOORS, found by the longest dotted prefix of its name. An
import inside ``src/digitnet`` (at the top of a module or lazily in a function, under
``TYPE_CHECKING`` or through ``importlib.import_module``) may reach the module's own floor
or a lower one, never a higher. The core (floors up to CORE) and the experiments above it
never import an interface library and never print; no module imports the package root
``digitnet``, the public API for users: ``from digitnet import X`` is allowed only where
``X`` is a submodule (``from digitnet import engines`` imports ``digitnet.engines``).

A new module needs a line in FLOORS (a module of no floor fails); docs/ARCHITECTURE.md
shows the same table.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import digitnet

PACKAGE = Path(digitnet.__file__).parent
ROOT = "digitnet"

#: Dotted name (or prefix of names) -> floor. Low floors are what everything may use.
FLOORS: dict[str, int] = {
    # 0 foundations: the words and tools every module may use
    "digitnet.errors": 0,
    "digitnet.extras": 0,
    "digitnet.version": 0,
    "digitnet.mnist_shape": 0,
    "digitnet.atomic": 0,
    "digitnet.pixels": 0,
    "digitnet.activations": 0,
    "digitnet.costs": 0,
    "digitnet.schedules": 0,
    "digitnet.interrupt": 0,
    # 1 data and single models: files, images, gates, networks and how to train them
    "digitnet.data": 1,
    "digitnet.imaging": 1,
    "digitnet.perceptron": 1,
    "digitnet.network": 1,
    "digitnet.decision": 1,
    "digitnet.settings": 1,
    "digitnet.conv": 1,  # a network kind: its layers and network beside network.py
    "digitnet.ensemble": 1,  # networks answering together, used like one
    # 2 measures of a network or a data set
    "digitnet.saturation": 2,
    "digitnet.metrics": 2,
    "digitnet.baselines": 2,
    "digitnet.handwriting": 2,
    # 3 engines: the updates, readable and fast, and the distortions
    "digitnet.backprop": 3,
    "digitnet.optimizer": 3,
    "digitnet.engines": 3,
    "digitnet.augment": 3,
    "digitnet.conv.backprop": 3,  # ... and its engine beside backprop.py and engines/
    "digitnet.conv.steps": 3,
    "digitnet.conv.kernels": 3,
    # 4 training: the loop, its history, the recipes
    "digitnet.training": 4,
    "digitnet.history": 4,
    "digitnet.training_state": 4,
    "digitnet.recipes": 4,
    "digitnet.footprint": 4,
    "digitnet.measuring": 4,
    "digitnet.explain": 4,
    # 5 records on disk
    "digitnet.modelfile": 5,
    "digitnet.checkpoint": 5,
    "digitnet.models_store": 5,
    # 6 experiments: the book's figures reproduced, sweeps of many runs
    "digitnet.reproduce": 6,
    "digitnet.sweep": 6,
    # 7 interfaces: pictures and the web app
    "digitnet.plots": 7,
    "digitnet.web": 7,
    "digitnet.progress": 7,
    # 8 the command line
    "digitnet.cli": 8,
    "digitnet.command": 8,
    "digitnet.process_end": 8,
    "digitnet.__main__": 8,
    # 9 the public API (re-exports for users), imported by no module of the package
    ROOT: 9,
}

#: Floors up to this one are the core.
CORE = 5
#: The first floor allowed to print and to use the interface libraries.
INTERFACES = 7
#: Libraries for people, not for numbers: only the interfaces may import them.
INTERFACE_LIBRARIES = {"click", "rich", "fastapi", "starlette", "pydantic", "uvicorn", "matplotlib"}


@dataclass(frozen=True)
class Module:
    name: str
    path: Path

    @property
    def package(self) -> str:
        """The package a relative import starts from."""
        return self.name if self.path.name == "__init__.py" else self.name.rpartition(".")[0]


def package_modules() -> list[Module]:
    modules = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules.append(Module(name, path))
    return modules


MODULES = package_modules()
NAMES = {module.name for module in MODULES}


def floor(name: str) -> int | None:
    """The floor of module ``name``: that of the longest prefix of it in FLOORS."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        if prefix in FLOORS:
            return FLOORS[prefix]
    return None


def imports(module: Module) -> Iterator[tuple[str, int]]:
    """Every module ``module`` imports, with the line: lazy ones and string ones included.

    ``from package import name`` imports ``package.name`` when that is a module of ours,
    else ``package`` itself.
    """
    for node in ast.walk(ast.parse(module.path.read_text(), filename=str(module.path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, up level - 1 packages
                anchor = module.package.split(".")[
                    : len(module.package.split(".")) - node.level + 1
                ]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                yield (submodule if submodule in NAMES else base), node.lineno
        elif isinstance(node, ast.Call) and _called_name(node) in {"import_module", "require"}:
            if node.args and isinstance(node.args[0], ast.Constant):
                if isinstance(node.args[0].value, str):
                    yield node.args[0].value, node.lineno


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    return call.func.attr if isinstance(call.func, ast.Attribute) else None


def ours(name: str) -> bool:
    return name == ROOT or name.startswith(ROOT + ".")


def module_id(module: Module) -> str:
    return module.name


# --- The table ----------------------------------------------------------------------------


@pytest.mark.parametrize("module", MODULES, ids=module_id)
def test_every_module_has_a_floor(module: Module) -> None:
    assert floor(module.name) is not None, f"add {module.name} to FLOORS in {__file__}"


def test_every_floor_of_the_table_names_a_module() -> None:
    stale = [
        name for name in FLOORS if not any(m == name or m.startswith(name + ".") for m in NAMES)
    ]
    assert not stale, f"FLOORS names modules that no longer exist: {stale}"


# --- Imports point down -------------------------------------------------------------------


@pytest.mark.parametrize("module", MODULES, ids=module_id)
def test_imports_point_to_the_same_floor_or_below(module: Module) -> None:
    own = floor(module.name)
    assert own is not None
    upward = [
        f"line {line}: {name} (floor {floor(name)}) from floor {own}"
        for name, line in imports(module)
        if ours(name) and name != ROOT and (floor(name) or 0) > own
    ]
    assert not upward, f"{module.name} imports upward: {'; '.join(upward)}"


@pytest.mark.parametrize("module", MODULES, ids=module_id)
def test_no_module_imports_the_package_root(module: Module) -> None:
    if module.name == ROOT:
        return
    lines = [line for name, line in imports(module) if name == ROOT]
    assert not lines, f"{module.name} imports the package root {ROOT!r} at lines {lines}"


# --- The core never talks to people -------------------------------------------------------

BELOW_INTERFACES = [m for m in MODULES if (floor(m.name) or 0) < INTERFACES]


@pytest.mark.parametrize("module", BELOW_INTERFACES, ids=module_id)
def test_core_and_experiments_import_no_interface_library(module: Module) -> None:
    bad = sorted(
        f"line {line}: {name}"
        for name, line in imports(module)
        if name.split(".")[0] in INTERFACE_LIBRARIES
    )
    assert not bad, f"{module.name} imports {', '.join(bad)}"


@pytest.mark.parametrize("module", BELOW_INTERFACES, ids=module_id)
def test_core_and_experiments_never_print(module: Module) -> None:
    tree = ast.parse(module.path.read_text())
    lines = [
        node.lineno
        for node in ast.walk(tree)
        if (isinstance(node, ast.Call) and _called_name(node) == "print")
        or (
            isinstance(node, ast.Attribute)
            and node.attr in {"stdout", "stderr"}
            and isinstance(node.value, ast.Name)
            and node.value.id == "sys"
        )
    ]
    assert not lines, f"{module.name} prints (print, sys.stdout or sys.stderr) at lines {lines}"


def test_the_core_is_what_the_style_guide_names() -> None:
    core = {name for name in NAMES if (floor(name) or 0) <= CORE}
    for concept in ("perceptron", "activations", "costs", "network", "training", "data"):
        assert f"{ROOT}.{concept}" in core
    for concept in ("modelfile", "imaging"):
        assert f"{ROOT}.{concept}" in core
    assert not core & {f"{ROOT}.{name}" for name in ("reproduce", "plots", "cli", "web")}


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(name: str) -> None:
        index[name] = lowest[name] = len(index)
        stack.append(name)
        for other in graph[name]:
            if other not in index:
                visit(other)
                lowest[name] = min(lowest[name], lowest[other])
            elif other in stack:
                lowest[name] = min(lowest[name], index[other])
        if lowest[name] == index[name]:
            component = [stack.pop()]
            while component[-1] != name:
                component.append(stack.pop())
            if len(component) > 1:
                cycles.append(sorted(component))

    for name in graph:
        if name not in index:
            visit(name)
    return cycles


def test_no_import_cycles() -> None:
    graph = {
        module.name: {name for name, _ in imports(module) if name in NAMES and name != module.name}
        for module in MODULES
    }
    assert import_cycles(graph) == []


def test_the_import_reader_sees_lazy_relative_and_string_imports(tmp_path: Path) -> None:
    source = tmp_path / "fake.py"
    source.write_text(
        "import numpy\n"
        "from . import session\n"
        "from .. import network\n"
        "from digitnet import __version__, engines\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from digitnet.reproduce import RowCurves\n"
        "def later():\n"
        "    import click\n"
        "    return require('matplotlib', 'plots', 'figures')\n"
    )
    found = {name for name, _ in imports(Module("digitnet.web.fake", source))}
    assert found == {
        "numpy", "digitnet.web.session", "digitnet.network", ROOT, "digitnet.engines",
        "typing", "digitnet.reproduce", "click", "matplotlib",
    }  # fmt: skip
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_pickle_is_never_used() -> None:
    for module in MODULES:
        assert "pickle" not in {name for name, _ in imports(module)}, module.name
        assert "allow_pickle=True" not in module.path.read_text(), module.name
