"""The version and CHANGELOG follow the contract: update-spec writes the bump it reports.

The package version says which contract the client was generated from (CONTRIBUTING.md,
"Versions"): every contract brought in by `make update-spec` moves it by the rule of
`scripts.python_api.next_version`, renames the contract in pyproject's description, and opens a
CHANGELOG section naming the contract (version, source, sha256) with what the report found.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from scripts.project import CHANGELOG, PYPROJECT

_VERSION_LINE = re.compile(r'^version = "[^"]*"$', re.M)
_DESCRIBED_CONTRACT = re.compile(r"generated from contract apij \S+?(?=\")")


def contract_line(provenance: dict[str, Any]) -> str:
    """How a CHANGELOG section names its contract (tests/test_packaging.py checks it)."""
    return (
        f"Contract: apij {provenance['version']} ({provenance['source']}), "
        f"sha256 `{provenance['sha256']}`."
    )


def record(
    version: str,
    why: str,
    provenance: dict[str, Any],
    notes: list[str],
    pyproject: Path = PYPROJECT,
    changelog: Path = CHANGELOG,
) -> None:
    """Write `version` into pyproject.toml and open its CHANGELOG section."""
    text = pyproject.read_text(encoding="utf-8")
    text = _VERSION_LINE.sub(f'version = "{version}"', text, count=1)
    text = _DESCRIBED_CONTRACT.sub(f"generated from contract apij {provenance['version']}", text)
    pyproject.write_text(text, encoding="utf-8")
    log = changelog.read_text(encoding="utf-8")
    first = log.find("\n## ")
    head, rest = (log, "") if first < 0 else (log[: first + 1], log[first + 1 :])
    section = [
        f"## {version} — unreleased",
        "",
        contract_line(provenance),
        "",
        f"Contract brought in by `make update-spec` ({why}):",
        *(f"- {note}" for note in notes),
        "",
        "",
    ]
    changelog.write_text(head + "\n".join(section) + rest, encoding="utf-8")
