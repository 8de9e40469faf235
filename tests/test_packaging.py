"""The package says which contract it was generated from: pyproject and CHANGELOG agree with
openapi/provenance.json (a new contract therefore needs a new version; CONTRIBUTING, "Versions").

What the built artifacts contain is checked on the artifacts themselves by `make test-dist`.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from scripts.release import contract_line

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
PROVENANCE = json.loads((ROOT / "openapi" / "provenance.json").read_text(encoding="utf-8"))
CHANGELOG = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def _changelog_entry(version: str) -> str:
    """The CHANGELOG section of ``version`` (its heading up to the next one)."""
    sections = re.split(r"^## ", CHANGELOG, flags=re.M)[1:]
    matching = [s for s in sections if s.split()[0] == version]
    assert matching, f"CHANGELOG.md has no section '## {version}'"
    return matching[0]


def test_latest_changelog_entry_is_the_current_version() -> None:
    latest = re.search(r"^## (\S+)", CHANGELOG, flags=re.M)
    assert latest is not None
    assert latest.group(1) == PROJECT["version"]


def test_current_version_names_the_vendored_contract() -> None:
    entry = _changelog_entry(PROJECT["version"])
    contract = contract_line(PROVENANCE)
    assert contract in entry, (
        f"the contract changed since {PROJECT['version']} was described: bump the version "
        f"(CONTRIBUTING.md, 'Versions') and open its CHANGELOG section with: {contract}"
    )
    assert f"generated from contract apij {PROVENANCE['version']}" in PROJECT["description"]


def test_license_is_declared_and_shipped() -> None:
    assert PROJECT["license"] == "MIT"
    assert PROJECT["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
