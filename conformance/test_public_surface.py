"""The names downstream services import from our packages are pinned in public_surface.json.

A name that disappears breaks someone's `from apij import X`; a new one must be a decision. Names
added to the generated modules by a new contract are pinned (and reported) by `make update-spec`
itself; to accept any other change, update conformance/public_surface.json with the lists printed
on failure.
"""

from __future__ import annotations

import importlib
import json

import pytest

from scripts.project import PUBLIC_SURFACE

PINNED: dict[str, list[str]] = json.loads(PUBLIC_SURFACE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("module_name", sorted(PINNED))
def test_public_names_are_the_pinned_ones(module_name: str) -> None:
    module = importlib.import_module(module_name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{module_name} must declare __all__"
    current = sorted(exported)
    removed = sorted(set(PINNED[module_name]) - set(current))
    added = sorted(set(current) - set(PINNED[module_name]))
    assert (removed, added) == ([], []), (
        f"{module_name}: public names changed (removed={removed}, added={added}); if intended, "
        f'set "{module_name}": {json.dumps(current)} in conformance/public_surface.json'
    )


@pytest.mark.parametrize("module_name", sorted(PINNED))
def test_every_pinned_name_resolves(module_name: str) -> None:
    module = importlib.import_module(module_name)
    missing = [name for name in PINNED[module_name] if not hasattr(module, name)]
    assert missing == [], f"{module_name} lists names it does not provide: {missing}"
