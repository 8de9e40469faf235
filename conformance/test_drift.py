"""Regenerating from the vendored spec reproduces the committed generated/ tree byte for byte."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "generated" / "apij_client"


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_regeneration_reproduces_the_committed_client(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "regenerate.py"), "--output", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    fresh, committed = _tree(tmp_path / "apij_client"), _tree(COMMITTED)
    differing = sorted(
        name for name in fresh.keys() & committed.keys() if fresh[name] != committed[name]
    )
    missing = sorted(committed.keys() - fresh.keys())
    extra = sorted(fresh.keys() - committed.keys())
    assert (differing, missing, extra) == ([], [], []), (
        "generated/apij_client drifted from the spec (run `make regenerate`): "
        f"differing={differing} stale-only-in-committed={missing} new-in-fresh={extra}"
    )


def test_every_generated_file_says_it_is_generated() -> None:
    for name, content in _tree(COMMITTED).items():
        assert content.startswith(b"# GENERATED FILE - DO NOT EDIT."), name
        assert b"make regenerate" in content.splitlines()[2], name
    assert not list(COMMITTED.rglob(".ruff_cache"))
