"""The project's paths, defined once, and the provenance record and hashes they are checked by."""

from __future__ import annotations

import hashlib
import json
from importlib.metadata import version
from pathlib import Path
from typing import Any, Final

ROOT: Final = Path(__file__).resolve().parent.parent
# The upstream document as received, byte for byte (today: the reconstruction).
UPSTREAM: Final = ROOT / "openapi" / "apij-1.0-apim.yaml"
# The project's corrections to it: an OpenAPI Overlay, hand-written, each action with its reason.
OVERLAY: Final = ROOT / "openapi" / "apij.overlay.yaml"
PROVENANCE: Final = ROOT / "openapi" / "provenance.json"
GENERATOR_CONFIG: Final = ROOT / "openapi" / "generator-config.yaml"
GENERATED: Final = ROOT / "generated"
# Upstream + overlay, derived by `make regenerate`: what generation, the face, the double and the
# suite read (the face and the double through its embedded copy, `apij_client.spec`).
EFFECTIVE_NAME: Final = "apij-effective.yaml"
EFFECTIVE: Final = GENERATED / EFFECTIVE_NAME
PACKAGE: Final = "apij_client"
PUBLIC_SURFACE: Final = ROOT / "conformance" / "public_surface.json"
PYPROJECT: Final = ROOT / "pyproject.toml"
CHANGELOG: Final = ROOT / "CHANGELOG.md"
REPORTS: Final = ROOT / "reports"
UPSTREAM_URL: Final = "https://api.swaggerhub.com/apis/meeoen/apij/1.0-apim"
# What update-spec reads and writes: a copy of these is a project it can run in.
UPDATE_SPEC_PARTS: Final = (
    "openapi",
    "scripts",
    "generated",
    "src",
    "conformance/public_surface.json",
    "pyproject.toml",
    "CHANGELOG.md",
)

# Tools whose version shapes the generated tree; pinned in pyproject.toml and requirements/dev.lock.
SHAPING_TOOLS: Final = ("openapi-python-client", "ruff")


def relative(path: Path) -> str:
    """`path` as the project names it (relative to the root, forward slashes), if inside it."""
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tool_versions() -> dict[str, str]:
    return {tool: version(tool) for tool in SHAPING_TOOLS}


def header(versions: dict[str, str]) -> str:
    """The banner every generated file starts with: what made it and how to remake it."""
    return (
        "# GENERATED FILE - DO NOT EDIT.\n"
        f"# Generated from {relative(EFFECTIVE)} by openapi-python-client "
        f"{versions['openapi-python-client']}, formatted by ruff {versions['ruff']}.\n"
        "# Regenerate with `make regenerate` (python -m scripts.regenerate); see CONTRIBUTING.md.\n"
    )


def effective_header() -> str:
    """The banner of the effective document (YAML comments: the document itself is unchanged)."""
    return (
        "# GENERATED FILE - DO NOT EDIT.\n"
        f"# The effective APIJ contract: {relative(UPSTREAM)} with {relative(OVERLAY)} applied.\n"
        "# Regenerate with `make regenerate` (python -m scripts.regenerate); see CONTRIBUTING.md.\n"
    )


def load_provenance() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PROVENANCE.read_text(encoding="utf-8"))
    return data


def save_provenance(data: dict[str, Any]) -> None:
    PROVENANCE.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
