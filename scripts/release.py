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
_CONTRACT_LINE = re.compile(r"^Contract: apij .*$", re.M)


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


def rerecord(
    current: str,
    provenance: dict[str, Any],
    pyproject: Path = PYPROJECT,
    changelog: Path = CHANGELOG,
) -> bool:
    """A contract of the same meaning in new bytes: name it in the current version's section.

    Only while that section is unreleased (its heading says so): its contract line is replaced
    by the new one, with a line saying why. Returns False when the section is released (the
    caller bumps the patch version instead) or has no contract line.
    """
    log = changelog.read_text(encoding="utf-8")
    heading = re.search(rf"^## {re.escape(current)} — unreleased$", log, flags=re.M)
    if heading is None:
        return False
    end = log.find("\n## ", heading.end())
    section = log[heading.end() : end if end >= 0 else len(log)]
    line = _CONTRACT_LINE.search(section)
    if line is None:
        return False
    new_line = contract_line(provenance) + (
        " Re-recorded by `make update-spec`: the same contract on the wire as the one it replaces."
    )
    section = section[: line.start()] + new_line + section[line.end() :]
    tail = log[end:] if end >= 0 else ""
    changelog.write_text(log[: heading.end()] + section + tail, encoding="utf-8")
    text = pyproject.read_text(encoding="utf-8")
    text = _DESCRIBED_CONTRACT.sub(f"generated from contract apij {provenance['version']}", text)
    pyproject.write_text(text, encoding="utf-8")
    return True
