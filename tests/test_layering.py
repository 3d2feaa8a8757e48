"""The core never imports the CLI, the web app or their libraries, and never prints."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import digitnet

PACKAGE = Path(digitnet.__file__).parent
INTERFACES = {"__main__.py", "plots.py"}  # they use the core, which never imports them
INTERFACE_PACKAGES = {"cli", "web"}
CORE = sorted(
    path
    for path in PACKAGE.rglob("*.py")
    if path.name not in INTERFACES and not INTERFACE_PACKAGES & set(path.relative_to(PACKAGE).parts)
)
FORBIDDEN = {
    "click",
    "rich",
    "fastapi",
    "starlette",
    "uvicorn",
    "matplotlib",
    "digitnet.cli",
    "digitnet.plots",
}


def is_within(name: str, modules: set[str]) -> bool:
    """Whether module ``name`` is one of ``modules`` or inside one (``digitnet.cli.train``)."""
    return any(name == module or name.startswith(module + ".") for module in modules)


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_core_module_imports_no_interface_library(path: Path) -> None:
    imports = imported_modules(path)
    bad = {
        name for name in imports if name.split(".")[0] in FORBIDDEN or is_within(name, FORBIDDEN)
    }
    assert not bad, f"{path.name} imports {bad}"


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_core_module_never_prints(path: Path) -> None:
    calls = [
        node
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print"
    ]
    assert not calls, f"{path.name} calls print()"


def test_pickle_is_never_used() -> None:
    for path in PACKAGE.rglob("*.py"):
        assert "pickle" not in imported_modules(path), path
        assert "allow_pickle=True" not in path.read_text(), path


@pytest.mark.parametrize("path", sorted((PACKAGE / "web").glob("*.py")), ids=lambda p: p.name)
def test_web_app_shares_the_core_not_the_command_line(path: Path) -> None:
    cli = {name for name in imported_modules(path) if is_within(name, {"digitnet.cli"})}
    assert not cli, f"web/{path.name} imports {cli}"
