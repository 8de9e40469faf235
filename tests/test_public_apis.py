"""`src/` uses only the public parts of its HTTP libraries (httpx, httpcore, h11, aiohttp).

A private name (one starting with `_`) of a library can change in any patch release, silently.
Read from the source, this finds: a private module or name imported or reached through the
library's module (`httpx._config`, `from aiohttp.client import _RequestContextManager`), a
library class subclassed other than those made for it, and any `._name` attribute reached on
something other than the code's own `self`/`cls` whose name is private in those libraries
(but on a name imported from elsewhere, such as the generated client's modules).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
LIBRARIES = ("httpx", "httpcore", "h11", "aiohttp")
# Classes of those libraries meant to be subclassed by their users.
MADE_FOR_SUBCLASSING = {
    "httpx.BaseTransport",
    "httpx.AsyncBaseTransport",
    "httpx.SyncByteStream",
    "httpx.AsyncByteStream",
    "httpcore.NetworkStream",
    "httpcore.NetworkBackend",
    "aiohttp.TCPConnector",  # its documented `connect()` is overridden, nothing private
}


def _private_names() -> set[str]:
    """Every `_name` (not dunder) defined by a module or class of the libraries."""
    names: set[str] = set()
    for library in LIBRARIES:
        package = importlib.import_module(library)
        modules = [package]
        for info in pkgutil.walk_packages(package.__path__, f"{library}."):
            try:
                modules.append(importlib.import_module(info.name))
            except ImportError:  # an optional backend (trio...) not installed
                continue
        for module in modules:
            for name, value in vars(module).items():
                names.add(name)
                if inspect.isclass(value):
                    for klass in value.__mro__:
                        names.update(vars(klass))
                        names.update(getattr(klass, "__slots__", ()))
    return {n for n in names if n.startswith("_") and not n.startswith("__")}


def _sources(src: Path) -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(src.rglob("*.py")):
        yield path.relative_to(src).as_posix(), ast.parse(path.read_text(), str(path))


def _library_of(dotted: str) -> str | None:
    root = dotted.split(".", 1)[0]
    return root if root in LIBRARIES or root == "httpx_aiohttp" else None


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return "?"


def violations(src: Path = SRC) -> set[tuple[str, str]]:
    """(file, what) for every private use found under `src`."""
    private = _private_names()
    found: set[tuple[str, str]] = set()
    for where, tree in _sources(src):
        # Names this file imports from elsewhere (the generated client's modules...).
        elsewhere = {
            (a.asname or a.name).split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom))
            and not _library_of(getattr(node, "module", None) or node.names[0].name)
            for a in node.names
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and _library_of(node.module):
                if node.module == "httpx_aiohttp" or node.module.startswith("httpx_aiohttp."):
                    found.add((where, node.module))  # a library built on the others' privates
                if any(part.startswith("_") for part in node.module.split(".")):
                    found.add((where, node.module))
                found.update((where, a.name) for a in node.names if a.name.startswith("_"))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if _library_of(alias.name) and (
                        alias.name.startswith("httpx_aiohttp") or "._" in alias.name
                    ):
                        found.add((where, alias.name))
            elif isinstance(node, ast.Attribute) and node.attr.startswith("_"):
                dotted = _dotted(node)
                if _library_of(dotted) and not node.attr.startswith("__"):
                    found.add((where, dotted))  # httpx._config, aiohttp.client._x...
                elif node.attr in private and not (
                    (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
                    or dotted.split(".")[0] in elsewhere
                ):
                    found.add((where, node.attr))
            elif isinstance(node, ast.ClassDef):
                for base in node.bases:
                    dotted = _dotted(base)
                    if _library_of(dotted) and dotted not in MADE_FOR_SUBCLASSING:
                        found.add((where, f"class {node.name}({dotted})"))
    return found


def test_src_uses_only_public_parts_of_its_http_libraries() -> None:
    assert violations() == set()


def test_the_check_sees_what_it_looks_for(tmp_path: Path) -> None:
    # The shapes the transports had before (a private attribute overwritten in a subclass of
    # httpx's transport, a subclass of httpx-aiohttp's) and a private module reached.
    (tmp_path / "apij").mkdir()
    (tmp_path / "apij" / "old.py").write_text(
        "import httpx, httpcore\n"
        "from httpx_aiohttp import AiohttpTransport as _Library\n"
        "class T(httpx.HTTPTransport):\n"
        "    def __init__(self):\n"
        "        self._pool = httpcore.ConnectionPool()\n"
        "class A(_Library):\n"
        "    pass\n"
        "def f(client):\n"
        "    return client._transport_for_url, httpx._config.DEFAULT_LIMITS\n"
    )
    assert violations(tmp_path) == {
        ("apij/old.py", "httpx_aiohttp"),
        ("apij/old.py", "class T(httpx.HTTPTransport)"),
        ("apij/old.py", "_transport_for_url"),
        ("apij/old.py", "httpx._config"),
    }
