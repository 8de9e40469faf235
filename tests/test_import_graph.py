"""The import graph of the shipped packages (grimp): no cycle anywhere, and a pure double core."""

from __future__ import annotations

import grimp
import pytest

# The hand-written package and the generated one (src/ and generated/); grimp reads packages,
# so the one top-level module, the pytest plugin, is checked as a name that nothing imports.
PACKAGES = ("apij", "apij_client")


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    # Every import counts: function-level (lazy) ones and those under TYPE_CHECKING too.
    return grimp.build_graph(*PACKAGES, include_external_packages=True, cache_dir=None)


def test_no_import_cycle(graph: grimp.ImportGraph) -> None:
    cycles = []
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back is not None:
                cycles.append(" -> ".join((module, *back)))
    assert cycles == []


def test_the_plugin_closes_no_cycle(graph: grimp.ImportGraph) -> None:
    # It imports apij; as long as nothing in the packages imports it, no cycle runs through it.
    assert "apij_pytest_plugin" not in graph.modules


@pytest.mark.parametrize("library", ["httpx", "respx", "uvicorn"])
@pytest.mark.parametrize("core", ["apij.double.core", "apij.double.franceconnect.provider"])
def test_the_double_core_knows_no_door(graph: grimp.ImportGraph, library: str, core: str) -> None:
    assert library in graph.modules  # imported by the doors: the check below means something
    chain = graph.find_shortest_chain(importer=core, imported=library)
    assert chain is None, " -> ".join(chain or ())
