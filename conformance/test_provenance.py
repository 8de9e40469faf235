"""The provenance record matches the upstream, the overlay, the generator config and the tools."""

from __future__ import annotations

from apij_client.spec import SPEC_SHA256

from scripts.project import (
    EFFECTIVE,
    GENERATOR_CONFIG,
    OVERLAY,
    UPSTREAM,
    load_provenance,
    sha256,
    tool_versions,
)


def test_spec_sha256_matches_provenance() -> None:
    recorded = load_provenance()["sha256"]
    assert sha256(UPSTREAM) == recorded, (
        "openapi/apij-1.0-apim.yaml changed without its provenance: the upstream is vendored as "
        "received; correct it in the overlay, or bring a new one in with `make update-spec`"
    )


def test_overlay_sha256_matches_provenance() -> None:
    assert sha256(OVERLAY) == load_provenance()["overlay"]["sha256"], (
        "openapi/apij.overlay.yaml changed: record it with `make regenerate RECORD=1`"
    )


def test_embedded_spec_is_the_effective_one() -> None:
    assert sha256(EFFECTIVE) == SPEC_SHA256, "generated/apij_client is stale: run `make regenerate`"


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
