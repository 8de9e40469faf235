"""`make update-spec` refuses what it cannot use and then changes nothing; it reports changes.

Each test runs `python -m scripts.update_spec` in a throwaway copy of the project. The slow
part, the whole gate on the updated copy, is `make mutations`' (conformance/test_spec_mutations.py).
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from _support import document, paiements, success

from apij.openapi import referenced
from scripts.project import ROOT, UPSTREAM, relative

PARTS = ("openapi", "scripts", "generated", "src")
Spec = dict[str, Any]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A throwaway copy of the parts update-spec reads and writes."""
    copy_root = tmp_path / "project"
    for part in PARTS:
        shutil.copytree(ROOT / part, copy_root / part, ignore=shutil.ignore_patterns("__pycache__"))
    (copy_root / "conformance").mkdir()
    shutil.copy2(ROOT / "conformance" / "public_surface.json", copy_root / "conformance")
    shutil.copy2(ROOT / "pyproject.toml", copy_root)
    return copy_root


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def update(
    project: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scripts.update_spec", *args],
        cwd=project,
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(project / "src"), str(project / "generated")]),
            **(env or {}),
        },
        check=False,
    )


def upstream(project: Path) -> Spec:
    data: Spec = yaml.safe_load((project / relative(UPSTREAM)).read_text(encoding="utf-8"))
    return data


def _operation(spec: Spec) -> Spec:
    """The face's operation in a raw document, found by its operationId (not by its path)."""
    for item in spec["paths"].values():
        for op in item.values():
            if isinstance(op, dict) and op.get("operationId") == paiements().operation_id:
                return op
    raise AssertionError("the face's operation is not in the document")


def _refused(project: Path, source: Path, *words: str) -> str:
    before = snapshot(project)
    result = update(project, str(source))
    assert result.returncode == 4, result.stdout + result.stderr
    message = result.stderr
    for word in words:
        assert word in message, message
    assert "Nothing changed." in message
    assert len(message.splitlines()) <= 8, f"not a few lines:\n{message}"
    assert "Traceback" not in message
    assert snapshot(project) == before, "a refused document changed the tree"
    return message


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _mutated(project: Path, tmp_path: Path, mutate: Callable[[Spec], None]) -> Path:
    spec = upstream(project)
    mutate(spec)
    return _write(tmp_path, "mutated.json", json.dumps(spec))


def test_swagger_2_is_refused_with_the_command_that_converts_it(
    project: Path, tmp_path: Path
) -> None:
    swagger = _write(
        tmp_path, "swagger.yaml", 'swagger: "2.0"\ninfo: {title: t, version: "1"}\npaths: {}\n'
    )
    _refused(project, swagger, "Swagger 2.0", "swagger2openapi", "make update-spec SPEC=")


def test_a_yaml_syntax_error_is_refused_with_its_line_and_column(
    project: Path, tmp_path: Path
) -> None:
    broken = _write(tmp_path, "broken.yaml", "openapi: 3.0.3\ninfo:\n  title: [unclosed\n")
    _refused(project, broken, "not valid YAML", "line 4, column 1")


def test_a_json_syntax_error_is_refused_with_its_line_and_column(
    project: Path, tmp_path: Path
) -> None:
    broken = _write(tmp_path, "broken.json", '{\n  "openapi": "3.0.3",\n  "info": {,}\n}')
    _refused(project, broken, "not valid JSON", "line 3, column 12")


def test_a_dangling_ref_is_refused_naming_it_and_where(project: Path, tmp_path: Path) -> None:
    def dangle(spec: Spec) -> None:
        responses = _operation(spec)["responses"]
        first = next(iter(responses.values()))
        first["content"] = {"application/json": {"schema": {"$ref": "#/components/schemas/Nulle"}}}

    source = _mutated(project, tmp_path, dangle)
    _refused(project, source, "dangling $ref '#/components/schemas/Nulle'", "#/paths/")


def test_an_external_ref_is_refused(project: Path, tmp_path: Path) -> None:
    def external(spec: Spec) -> None:
        spec.setdefault("components", {}).setdefault("schemas", {})["Loin"] = {
            "$ref": "https://example.invalid/schemas.yaml#/Loin"
        }

    source = _mutated(project, tmp_path, external)
    _refused(project, source, "only local references", "#/components/schemas/Loin")


def test_an_unsupported_dialect_is_refused(project: Path, tmp_path: Path) -> None:
    source = _mutated(project, tmp_path, lambda spec: spec.update(openapi="3.2.0"))
    _refused(project, source, "unsupported OpenAPI version 3.2.0")


def test_an_invalid_document_is_refused_naming_the_location(project: Path, tmp_path: Path) -> None:
    # A response without its description: the reader does not mind, the OpenAPI schema does.
    def invalid(spec: Spec) -> None:
        status = str(success(paiements()).status)
        referenced(spec, _operation(spec)["responses"][status]).pop("description")

    source = _mutated(project, tmp_path, invalid)
    message = _refused(project, source, "is not valid OpenAPI", "at #/paths/")
    assert "not valid under any of the schemas" in message


def test_an_overlay_that_cannot_apply_is_refused_naming_the_action(
    project: Path, tmp_path: Path
) -> None:
    # Two operations answering `*/*`: the overlay's copy must take its source from one node.
    def two_bodies(spec: Spec) -> None:
        op = _operation(spec)
        media = op["responses"]["200"]["content"]
        media["*/*"] = media.pop(next(iter(media)))
        path = next(p for p, item in spec["paths"].items() if op in item.values())
        twin = copy.deepcopy(spec["paths"][path])
        for item in twin.values():
            if isinstance(item, dict) and "operationId" in item:
                item["operationId"] += "Bis"
        spec["paths"][path + "-bis"] = twin

    source = _mutated(project, tmp_path, two_bodies)
    _refused(project, source, "apij.overlay.yaml cannot be applied", "json-media-type-copy")


def test_a_document_the_generator_refuses_changes_nothing(project: Path, tmp_path: Path) -> None:
    # Valid OpenAPI, but two schemas whose Python class names clash: the generator fails.
    def clash(spec: Spec) -> None:
        schemas = spec["components"]["schemas"]
        name = next(iter(schemas))
        schemas[name + "_"] = copy.deepcopy(schemas[name])  # the same Python class name

    source = _mutated(project, tmp_path, clash)
    message = _refused(project, source, "the generator refused the effective document")
    assert "openapi-python-client failed" in message


def test_an_unreachable_upstream_says_so_and_changes_nothing(project: Path) -> None:
    before = snapshot(project)
    # Port 9 (discard) on loopback is closed here: a refused connection, no traffic leaves.
    result = update(project, env={"APIJ_UPSTREAM_URL": "http://127.0.0.1:9/apij.yaml"})
    assert result.returncode == 3
    assert "cannot reach the upstream spec" in result.stderr
    assert "Nothing changed." in result.stderr
    assert snapshot(project) == before


def _line_schema(spec: Spec) -> Any:
    """The raw payment-line schema: the items of the success body's `paiements`, refs followed."""
    status = str(success(paiements()).status)
    response = referenced(spec, _operation(spec)["responses"][status])
    releve = referenced(spec, next(iter(response["content"].values()))["schema"])
    return referenced(spec, releve["properties"]["paiements"]["items"])


def test_a_rename_is_vendored_regenerated_and_reported_as_breaking(
    project: Path, tmp_path: Path
) -> None:
    def rename(spec: Spec) -> None:
        line = _line_schema(spec)
        line["properties"]["nb_jours"] = line["properties"].pop("nombre_jours")
        if "required" in line:  # CNAM's house style states none
            line["required"] = ["nb_jours" if r == "nombre_jours" else r for r in line["required"]]

    source = _mutated(project, tmp_path, rename)
    result = update(project, str(source))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    where = f"{paiements().method} {paiements().path} {success(paiements()).status}"
    assert f"- property {where} /paiements[]/nombre_jours: required" in out
    assert f"+ property {where} /paiements[]/nb_jours: " in out
    assert "BREAKING apij_client.models." in out
    assert out.index("BREAKING") < out.index("added apij_client")
    major, minor, _ = _version(project)
    assert major == 0, "the bump rule asserted here is the 0.x one"
    assert f"version: {_version_text(project)} -> 0.{minor + 1}.0 (breaking)" in out
    assert (project / relative(UPSTREAM)).read_bytes() == source.read_bytes()  # as received
    models = "".join(p.read_text() for p in (project / "generated").rglob("models/*.py"))
    assert "nb_jours" in models
    assert "nombre_jours" not in models
    provenance = json.loads((project / "openapi" / "provenance.json").read_text())
    assert provenance["source"] == "file:mutated.json"


def test_an_additive_change_pins_the_new_public_names_and_bumps_the_patch(
    project: Path, tmp_path: Path
) -> None:
    def add(spec: Spec) -> None:
        spec["components"]["schemas"]["Regime"] = {
            "type": "string",
            "enum": ["general", "agricole"],
            "x-reconstructed": "inferred",
        }
        _line_schema(spec)["properties"]["regime"] = {"$ref": "#/components/schemas/Regime"}

    source = _mutated(project, tmp_path, add)
    result = update(project, str(source))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "added apij_client.models.Regime (pinned)" in out
    assert "BREAKING" not in out
    major, minor, patch = _version(project)
    assert major == 0, "the bump rule asserted here is the 0.x one"
    assert f"version: {_version_text(project)} -> 0.{minor}.{patch + 1} (additive)" in out
    pinned = json.loads((project / "conformance" / "public_surface.json").read_text())
    assert "Regime" in pinned["apij_client.models"]


def test_the_report_names_the_dialect_and_version_changes(project: Path, tmp_path: Path) -> None:
    version = document()["info"]["version"]

    def relabel(spec: Spec) -> None:
        spec["info"]["version"] = f"{version}-bis"

    result = update(project, str(_mutated(project, tmp_path, relabel)))
    assert result.returncode == 0, result.stderr
    assert f"~ info.version: {version} -> {version}-bis" in result.stdout
    assert "(contract only, same Python API)" in result.stdout


def _version_text(project: Path) -> str:
    data = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    return str(data["project"]["version"])


def _version(project: Path) -> tuple[int, int, int]:
    major, minor, patch = (int(part) for part in _version_text(project).split("."))
    return major, minor, patch
