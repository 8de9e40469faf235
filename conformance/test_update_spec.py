"""`make update-spec` refuses what it cannot use and then changes nothing; it reports changes.

The refusals run in one interpreter (`_update_runner.py`) in a throwaway copy of the project,
the rename through `python -m scripts.update_spec` in another; the report's parts (contract
diff, version bump, public surface) are checked directly. The slow part, whole documents through
update-spec and then the whole gate, is `make mutations`' (test_contract_variants.py).
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

from apij.openapi import referenced
from conformance._support import document, paiements, success
from scripts.contract_diff import diff
from scripts.project import GENERATED, PUBLIC_SURFACE, ROOT, UPSTREAM, relative
from scripts.python_api import ApiReport, update_public_surface, version_bump

PARTS = ("openapi", "scripts", "generated", "src")
Spec = dict[str, Any]


def make_project(folder: Path) -> Path:
    """A throwaway copy of the parts update-spec reads and writes."""
    copy_root = folder / "project"
    for part in PARTS:
        shutil.copytree(ROOT / part, copy_root / part, ignore=shutil.ignore_patterns("__pycache__"))
    (copy_root / "conformance").mkdir()
    shutil.copy2(ROOT / "conformance" / "public_surface.json", copy_root / "conformance")
    shutil.copy2(ROOT / "conformance" / "_update_runner.py", copy_root / "conformance")
    shutil.copy2(ROOT / "pyproject.toml", copy_root)
    shutil.copy2(ROOT / "CHANGELOG.md", copy_root)
    return copy_root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path)


def _paths(project: Path) -> list[str]:
    return [str(project / "src"), str(project / "generated")]


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
            "PYTHONPATH": os.pathsep.join(_paths(project)),
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


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _mutated(project: Path, folder: Path, mutate: Callable[[Spec], None], name: str) -> Path:
    spec = upstream(project)
    mutate(spec)
    return _write(folder, f"{name}.json", json.dumps(spec))


def _dangle(spec: Spec) -> None:
    responses = _operation(spec)["responses"]
    first = next(iter(responses.values()))
    first["content"] = {"application/json": {"schema": {"$ref": "#/components/schemas/Nulle"}}}


def _external(spec: Spec) -> None:
    spec.setdefault("components", {}).setdefault("schemas", {})["Loin"] = {
        "$ref": "https://example.invalid/schemas.yaml#/Loin"
    }


def _invalid(spec: Spec) -> None:
    # A response without its description: the reader does not mind, the OpenAPI schema does.
    status = str(success(paiements()).status)
    referenced(spec, _operation(spec)["responses"][status]).pop("description")


def _two_bodies(spec: Spec) -> None:
    # Two operations answering `*/*`: the overlay's copy must take its source from one node.
    op = _operation(spec)
    media = op["responses"]["200"]["content"]
    media["*/*"] = media.pop(next(iter(media)))
    path = next(p for p, item in spec["paths"].items() if op in item.values())
    twin = copy.deepcopy(spec["paths"][path])
    for item in twin.values():
        if isinstance(item, dict) and "operationId" in item:
            item["operationId"] += "Bis"
    spec["paths"][path + "-bis"] = twin


def _clash(spec: Spec) -> None:
    # Valid OpenAPI, but two schemas whose Python class names clash: the generator fails.
    schemas = spec["components"]["schemas"]
    name = next(iter(schemas))
    schemas[name + "_"] = copy.deepcopy(schemas[name])  # the same Python class name


SWAGGER = 'swagger: "2.0"\ninfo: {title: t, version: "1"}\npaths: {}\n'
# name -> (the input: a text or an edit of the current upstream, the words the refusal says)
REFUSALS: dict[str, tuple[str | Callable[[Spec], None], tuple[str, ...]]] = {
    "swagger-2": (SWAGGER, ("Swagger 2.0", "swagger2openapi", "make update-spec SPEC=")),
    "yaml-syntax": (
        "openapi: 3.0.3\ninfo:\n  title: [unclosed\n",
        ("not valid YAML", "line 4, column 1"),
    ),
    "json-syntax": (
        '{\n  "openapi": "3.0.3",\n  "info": {,}\n}',
        ("not valid JSON", "line 3, column 12"),
    ),
    "dangling-ref": (_dangle, ("dangling $ref '#/components/schemas/Nulle'", "#/paths/")),
    "external-ref": (_external, ("only local references", "#/components/schemas/Loin")),
    "dialect": (lambda spec: spec.update(openapi="3.2.0"), ("unsupported OpenAPI version 3.2.0",)),
    "invalid": (_invalid, ("is not valid OpenAPI", "at #/paths/")),
    "overlay-cannot-apply": (
        _two_bodies,
        ("apij.overlay.yaml cannot be applied", "json-media-type-copy"),
    ),
    "generator-refuses": (
        _clash,
        ("the generator refused the effective document", "openapi-python-client failed"),
    ),
}


@pytest.fixture(scope="module")
def refusals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Every refusal case, plus an unreachable upstream, run by update-spec in one copy."""
    root = tmp_path_factory.mktemp("refusals")
    project = make_project(root)
    inputs = root / "inputs"
    inputs.mkdir()
    cases: list[dict[str, Any]] = []
    for name, (given, _) in REFUSALS.items():
        source = (
            _write(inputs, f"{name}.yaml", given)
            if isinstance(given, str)
            else _mutated(project, inputs, given, name)
        )
        cases.append({"args": [str(source)]})
    # Port 9 (discard) on loopback is closed here: a refused connection, no traffic leaves.
    cases.append({"args": [], "env": {"APIJ_UPSTREAM_URL": "http://127.0.0.1:9/apij.yaml"}})
    (root / "cases.json").write_text(json.dumps(cases), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "conformance/_update_runner.py", str(root / "cases.json")],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(project), *_paths(project)])},
        check=True,
    )
    results = json.loads(done.stdout)
    return dict(zip([*REFUSALS, "unreachable"], results, strict=True))


@pytest.mark.parametrize("name", REFUSALS)
def test_an_unusable_document_is_refused_in_a_few_lines_and_changes_nothing(
    refusals: dict[str, dict[str, Any]], name: str
) -> None:
    result = refusals[name]
    message = result["stderr"]
    assert result["exit"] == 4, message
    for words in REFUSALS[name][1]:
        assert words in message, message
    assert "Nothing changed." in message
    assert len(message.splitlines()) <= 8, f"not a few lines:\n{message}"
    assert "Traceback" not in message
    assert result["unchanged"], "a refused document changed the tree"


def test_an_unreachable_upstream_says_so_and_changes_nothing(
    refusals: dict[str, dict[str, Any]],
) -> None:
    result = refusals["unreachable"]
    assert result["exit"] == 3
    assert "cannot reach the upstream spec" in result["stderr"]
    assert "Nothing changed." in result["stderr"]
    assert result["unchanged"]


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

    source = _mutated(project, tmp_path, rename, "mutated")
    before = _version_text(project)
    major, minor, _ = _version(project)
    result = update(project, str(source))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    where = f"{paiements().method} {paiements().path} {success(paiements()).status}"
    assert f"- property {where} /paiements[]/nombre_jours: required" in out
    assert f"+ property {where} /paiements[]/nb_jours: " in out
    assert "BREAKING apij_client.models." in out
    assert out.index("BREAKING") < out.index("added apij_client")
    assert major == 0, "the bump rule asserted here is the 0.x one"
    assert f"version: {before} -> 0.{minor + 1}.0 (breaking)" in out
    # The bump is written: the version and a CHANGELOG section naming the new contract.
    assert _version_text(project) == f"0.{minor + 1}.0"
    changelog = (project / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.index(f"## 0.{minor + 1}.0 ") < changelog.index(f"## {before} ")
    assert (project / relative(UPSTREAM)).read_bytes() == source.read_bytes()  # as received
    models = "".join(p.read_text() for p in (project / "generated").rglob("models/*.py"))
    assert "nb_jours" in models
    assert "nombre_jours" not in models
    provenance = json.loads((project / "openapi" / "provenance.json").read_text())
    assert provenance["source"] == "file:mutated.json"


def test_the_contract_diff_names_an_info_version_change() -> None:
    old = document()
    new = copy.deepcopy(old)
    new["info"]["version"] = f"{old['info']['version']}-bis"
    assert [str(change) for change in diff(old, new)] == [
        f"~ info.version: {old['info']['version']} -> {old['info']['version']}-bis",
    ]


def _amount_document(dialect: str, montant: dict[str, Any]) -> Spec:
    body = {"type": "object", "properties": {"csg": montant}, "required": ["csg"]}
    return {
        "openapi": dialect,
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/p": {
                "get": {
                    "operationId": "o",
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": body}},
                        }
                    },
                }
            }
        },
    }


def test_a_30_and_a_31_document_of_equal_meaning_differ_only_by_their_dialect() -> None:
    old = _amount_document(
        "3.0.3", {"type": "number", "nullable": True, "minimum": 0, "exclusiveMinimum": True}
    )
    new = _amount_document("3.1.0", {"type": ["number", "null"], "exclusiveMinimum": 0})
    assert [str(change) for change in diff(old, new)] == ["~ openapi: 3.0.3 -> 3.1.0"]
    # And a real change of meaning is one.
    stricter = _amount_document("3.1.0", {"type": "number", "exclusiveMinimum": 0})
    assert len(diff(old, stricter)) == 2


@pytest.mark.parametrize(
    ("current", "api", "contract_changed", "line"),
    [
        ("0.2.0", ApiReport(breaking=["BREAKING x"]), True, "version: 0.2.0 -> 0.3.0 (breaking)"),
        ("0.2.3", ApiReport(removed=["x"]), True, "version: 0.2.3 -> 0.3.0 (breaking)"),
        ("0.2.3", ApiReport(added=["x"]), True, "version: 0.2.3 -> 0.2.4 (additive)"),
        ("0.2.3", ApiReport(changed=["x"]), True, "version: 0.2.3 -> 0.2.4 (additive)"),
        ("0.2.3", ApiReport(), True, "version: 0.2.3 -> 0.2.4 (contract only, same Python API)"),
        ("0.2.3", ApiReport(), False, "version: 0.2.3 (unchanged: nothing changed)"),
        ("1.4.2", ApiReport(breaking=["BREAKING x"]), True, "version: 1.4.2 -> 2.0.0 (breaking)"),
        ("1.4.2", ApiReport(added=["x"]), True, "version: 1.4.2 -> 1.5.0 (additive)"),
    ],
)
def test_the_version_bump_follows_the_rule(
    current: str, api: ApiReport, contract_changed: bool, line: str
) -> None:
    assert version_bump(current, api, contract_changed) == line


def test_additive_names_are_pinned_and_removed_ones_left_for_a_decision(tmp_path: Path) -> None:
    surface = tmp_path / "public_surface.json"
    pinned = json.loads(PUBLIC_SURFACE.read_text(encoding="utf-8"))
    models = pinned["apij_client.models"]
    # As if the committed client had one name more than the pin: an additive change.
    surface.write_text(json.dumps({**pinned, "apij_client.models": models[1:]}), encoding="utf-8")
    lines = update_public_surface(GENERATED, surface)
    assert lines == [f"added apij_client.models.{models[0]} (pinned)", f"{surface} updated"]
    assert json.loads(surface.read_text())["apij_client.models"] == models
    # As if a pinned name had disappeared: breaking, the pin stays and the test will say so.
    surface.write_text(json.dumps({**pinned, "apij_client": [*pinned["apij_client"], "Gone"]}))
    before = surface.read_bytes()
    assert update_public_surface(GENERATED, surface) == [
        "REMOVED apij_client.Gone (pin kept: the test will fail)"
    ]
    assert surface.read_bytes() == before


def _version_text(project: Path) -> str:
    data = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    return str(data["project"]["version"])


def _version(project: Path) -> tuple[int, int, int]:
    major, minor, patch = (int(part) for part in _version_text(project).split("."))
    return major, minor, patch
