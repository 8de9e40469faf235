"""Regenerating from the upstream and the overlay reproduces the committed generated/ tree
(the effective contract and the client) byte for byte."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from scripts.project import EFFECTIVE_NAME, GENERATED, PACKAGE, ROOT


def _tree(root: Path) -> dict[str, bytes]:
    files = {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted((root / PACKAGE).rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }
    files[EFFECTIVE_NAME] = (root / EFFECTIVE_NAME).read_bytes()
    return files


def test_regeneration_reproduces_the_committed_tree(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "scripts.regenerate", "--output", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    fresh, committed = _tree(tmp_path), _tree(GENERATED)
    differing = sorted(
        name for name in fresh.keys() & committed.keys() if fresh[name] != committed[name]
    )
    missing = sorted(committed.keys() - fresh.keys())
    extra = sorted(fresh.keys() - committed.keys())
    assert (differing, missing, extra) == ([], [], []), (
        "generated/ drifted from the upstream and the overlay (run `make regenerate`): "
        f"differing={differing} stale-only-in-committed={missing} new-in-fresh={extra}"
    )


def test_every_generated_file_says_it_is_generated() -> None:
    for name, content in _tree(GENERATED).items():
        assert content.startswith(b"# GENERATED FILE - DO NOT EDIT."), name
        assert b"make regenerate" in content.splitlines()[2], name
    assert not list((GENERATED / PACKAGE).rglob(".ruff_cache"))
