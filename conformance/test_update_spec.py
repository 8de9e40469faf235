"""`make update-spec` refuses what it cannot vendor and then changes nothing; it reports changes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A throwaway copy of the parts update-spec reads and writes."""
    copy = tmp_path / "project"
    for part in ("openapi", "scripts", "generated"):
        shutil.copytree(ROOT / part, copy / part, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def _update(
    project: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(project / "scripts" / "update_spec.py"), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_swagger_2_is_refused_and_nothing_changes(project: Path, tmp_path: Path) -> None:
    before = _snapshot(project)
    swagger = tmp_path / "swagger.yaml"
    swagger.write_text('swagger: "2.0"\ninfo: {title: t, version: "1"}\npaths: {}\n')
    result = _update(project, str(swagger))
    assert result.returncode == 4
    assert "Swagger 2.0" in result.stderr
    assert "swagger2openapi" in result.stderr
    assert _snapshot(project) == before


def test_invalid_openapi_is_refused_and_nothing_changes(project: Path, tmp_path: Path) -> None:
    before = _snapshot(project)
    broken = tmp_path / "broken.json"
    broken.write_text('{"openapi": "3.0.3", "info": {"title": "t"}, "paths": {}}')
    result = _update(project, str(broken))
    assert result.returncode == 4
    assert "not valid OpenAPI" in result.stderr
    assert _snapshot(project) == before


def test_unreachable_upstream_says_so_and_changes_nothing(project: Path) -> None:
    before = _snapshot(project)
    # Port 9 (discard) on loopback is closed here: a refused connection, no traffic leaves.
    result = _update(project, env={"APIJ_UPSTREAM_URL": "http://127.0.0.1:9/apij.yaml"})
    assert result.returncode == 3
    assert "cannot reach the upstream spec" in result.stderr
    assert "nothing changed" in result.stderr
    assert _snapshot(project) == before


def test_a_json_rename_is_vendored_regenerated_and_reported(project: Path, tmp_path: Path) -> None:
    import json

    import yaml

    spec = yaml.safe_load((project / "openapi" / "apij-1.0-apim.yaml").read_text())
    line = spec["components"]["schemas"]["PaiementIJ"]
    line["properties"]["nb_jours"] = line["properties"].pop("nombre_jours")
    line["required"] = ["nb_jours" if r == "nombre_jours" else r for r in line["required"]]
    mutated = tmp_path / "mutated.json"
    mutated.write_text(json.dumps(spec))
    result = _update(project, str(mutated))
    assert result.returncode == 0, result.stderr
    assert "- property PaiementIJ.nombre_jours" in result.stdout
    assert "+ property PaiementIJ.nb_jours" in result.stdout
    assert "BREAKING apij_client.models.paiement_ij.PaiementIJ.nombre_jours" in result.stdout
    model = (project / "generated" / "apij_client" / "models" / "paiement_ij.py").read_text()
    assert "nb_jours" in model
    assert "nombre_jours" not in model
    provenance = json.loads((project / "openapi" / "provenance.json").read_text())
    assert provenance["source"] == "file:mutated.json"


def test_a_document_the_generator_refuses_changes_nothing(project: Path, tmp_path: Path) -> None:
    import json

    import yaml

    before = _snapshot(project)
    spec = yaml.safe_load((project / "openapi" / "apij-1.0-apim.yaml").read_text())
    # Valid OpenAPI, but two schemas whose Python class names clash: the generator fails.
    spec["components"]["schemas"]["Paiement_IJ"] = spec["components"]["schemas"]["PaiementIJ"]
    clash = tmp_path / "clash.json"
    clash.write_text(json.dumps(spec))
    result = _update(project, str(clash))
    assert result.returncode == 4, result.stderr
    assert "the generator refused this document, so nothing changed" in result.stderr
    assert _snapshot(project) == before
