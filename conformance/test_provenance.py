"""The provenance record matches the spec, the generator config and the tools in use."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from _project import GENERATOR_CONFIG, SPEC, load_provenance, sha256, tool_versions  # noqa: E402
from apij_client.spec import SPEC_SHA256  # noqa: E402


def test_spec_sha256_matches_provenance() -> None:
    recorded = load_provenance()["sha256"]
    assert sha256(SPEC) == recorded, (
        "openapi/apij-1.0-apim.yaml changed without its provenance: bring a new contract in "
        "with `make update-spec SPEC=<file>`, never by editing the vendored file"
    )


def test_embedded_spec_is_the_vendored_one() -> None:
    assert sha256(SPEC) == SPEC_SHA256, "generated/apij_client is stale: run `make regenerate`"


def test_generator_config_and_tools_match_provenance() -> None:
    generator = load_provenance()["generator"]
    assert generator["config_sha256"] == sha256(GENERATOR_CONFIG)
    for tool, installed in tool_versions().items():
        assert generator[tool] == installed, (
            f"{tool} {installed} installed, {generator[tool]} recorded"
        )


def test_provenance_says_where_the_spec_comes_from() -> None:
    provenance = load_provenance()
    assert provenance["source"]
    assert provenance["date"]
    assert provenance["upstream"].startswith("https://api.swaggerhub.com/apis/meeoen/apij/")
