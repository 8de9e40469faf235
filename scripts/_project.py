"""Paths, hashes, provenance and generated-file headers shared by the maintainer scripts."""

from __future__ import annotations

import hashlib
import json
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi" / "apij-1.0-apim.yaml"
GENERATOR_CONFIG = ROOT / "openapi" / "generator-config.yaml"
PROVENANCE = ROOT / "openapi" / "provenance.json"
GENERATED = ROOT / "generated"
PACKAGE = "apij_client"
UPSTREAM_URL = "https://api.swaggerhub.com/apis/meeoen/apij/1.0-apim"

# Tools whose version shapes the generated tree; pinned in pyproject.toml and requirements/dev.lock.
SHAPING_TOOLS = ("openapi-python-client", "ruff")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tool_versions() -> dict[str, str]:
    return {tool: version(tool) for tool in SHAPING_TOOLS}


def header(versions: dict[str, str]) -> str:
    """The banner every generated file starts with: what made it and how to remake it."""
    return (
        "# GENERATED FILE - DO NOT EDIT.\n"
        f"# Generated from openapi/apij-1.0-apim.yaml by openapi-python-client "
        f"{versions['openapi-python-client']}, formatted by ruff {versions['ruff']}.\n"
        "# Regenerate with `make regenerate` (scripts/regenerate.py); see CONTRIBUTING.md.\n"
    )


def load_provenance() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PROVENANCE.read_text(encoding="utf-8"))
    return data


def save_provenance(data: dict[str, Any]) -> None:
    PROVENANCE.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
