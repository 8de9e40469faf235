"""`make update-spec` refuses what it cannot use and then changes nothing; it reports changes.

The refusals run in one interpreter (`_update_runner.py`) in a throwaway copy of the project,
the rename through `python -m scripts.update_spec` in another; the report's parts (contract
diff, version bump, public surface) are checked directly. The slow part, whole documents through
update-spec and then the whole gate, is `make mutations`' (test_contract_variants.py).
"""

from __future__ import annotations

import copy
import hashlib
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
from conformance._mutations import (
    NotApplicable,
    camel_case_fields,
    close_line_schema,
    make_nullable,
    remove_error_code,
    rename_parameter,
)
from conformance._support import document, paiements, success
from scripts import regenerate
from scripts.documents import parse_document
from scripts.effective import derive, load
from scripts.project import (
    GENERATED,
    OVERLAY,
    PUBLIC_SURFACE,
    ROOT,
    UPSTREAM,
    relative,
    tool_versions,
)
from scripts.python_api import ApiReport, update_public_surface, version_bump
from scripts.update_spec import EXIT_BREAKING, EXIT_SAME_MEANING
from scripts.wire import classify, verdict

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
    "face-nullable-field": (
        make_nullable,
        ("the face could not represent this contract", "may be null", "overlay action"),
    ),
    "face-camel-case-fields": (
        camel_case_fields,
        ("the face could not represent", "$.paiements[*].date_debut is gone", "change the face"),
    ),
    "face-renamed-parameter": (
        rename_parameter,
        ("the face could not represent", "query:dateDebut is gone", "`name: dateDebut`"),
    ),
    "face-error-code-removed": (
        remove_error_code,
        ("the face could not represent", "401 $.code is gone", "document `code` again"),
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
    skipped: dict[str, str] = {}
    for name, (given, _) in REFUSALS.items():
        try:
            source = (
                _write(inputs, f"{name}.yaml", given)
                if isinstance(given, str)
                else _mutated(project, inputs, given, name)
            )
        except NotApplicable as exc:  # the edit finds nothing to change in this upstream
            skipped[name] = str(exc)
            source = _write(inputs, f"{name}.yaml", SWAGGER)
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
    results = dict(zip([*REFUSALS, "unreachable"], json.loads(done.stdout), strict=True))
    for name, reason in skipped.items():
        results[name] = {"skipped": reason}
    return results


@pytest.mark.parametrize("name", REFUSALS)
def test_an_unusable_document_is_refused_in_a_few_lines_and_changes_nothing(
    refusals: dict[str, dict[str, Any]], name: str
) -> None:
    result = refusals[name]
    if "skipped" in result:
        pytest.skip(f"not applicable to this upstream: {result['skipped']}")
    message = result["stderr"]
    assert result["exit"] == 4, message
    for words in REFUSALS[name][1]:
        assert words in message, message
    assert "Nothing changed." in message
    # A few lines: the face's refusal shows at most 4 places, each with its overlay action.
    assert len(message.splitlines()) <= 12, f"not a few lines:\n{message}"
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


def test_a_breaking_change_is_vendored_regenerated_and_reported_first(
    project: Path, tmp_path: Path
) -> None:
    # A change the face absorbs (a required parameter it does not send would be refused): the
    # payment line closed to other members, breaking on the wire and in the generated model.
    source = _mutated(project, tmp_path, close_line_schema, "mutated")
    before = _version_text(project)
    major, minor, _ = _version(project)
    result = update(project, str(source))
    assert result.returncode == EXIT_BREAKING, result.stderr
    out = result.stdout.splitlines()
    assert major == 0, "the bump rule asserted here is the 0.x one"
    # Verdict and bump first, then the breaking wire line with its rule id, then the Python API.
    assert out[1].startswith("verdict: BREAKING"), out
    assert f"version: {before} -> 0.{minor + 1}.0 (breaking: Python API and wire)" in out[1]
    wire = f"  schema-changed {paiements().method} {paiements().path} "
    assert any(line.startswith(wire) for line in out), out
    first_api = next(i for i, line in enumerate(out) if "BREAKING apij_client." in line)
    assert out.index("Breaking on the wire (1):") < first_api
    assert all(len(line) <= 160 for line in out)
    # The bump is written: the version and a CHANGELOG section naming the new contract.
    assert _version_text(project) == f"0.{minor + 1}.0"
    changelog = (project / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.index(f"## 0.{minor + 1}.0 ") < changelog.index(f"## {before} ")
    assert "- schema-changed GET" in changelog
    assert (project / relative(UPSTREAM)).read_bytes() == source.read_bytes()  # as received
    provenance = json.loads((project / "openapi" / "provenance.json").read_text())
    assert provenance["source"] == "file:mutated.json"


PYTEST = ("--rootdir", ".", "tests/test_packaging.py")


def _reversed(node: Any, key: str = "") -> Any:
    """`node` with its keys in reverse order, where the order carries no meaning for the
    generator (it follows the order of properties and responses)."""
    if isinstance(node, dict):
        items = list(node.items())
        if key not in ("properties", "responses"):
            items.reverse()
        return {k: _reversed(v, k) for k, v in items}
    return node


def test_the_same_contract_in_other_bytes_is_same_meaning_and_leaves_the_tree_green(
    project: Path, tmp_path: Path
) -> None:
    source = _write(tmp_path, "apij.json", json.dumps(_reversed(upstream(project)), indent=4))
    before = _version_text(project)
    result = update(project, "--json", str(source))
    assert result.returncode == EXIT_SAME_MEANING, result.stderr
    report = json.loads(result.stdout)
    assert report["verdict"] == "same-meaning"
    assert [f["rule"] for f in report["wire"]] == ["serialisation-changed"]
    assert report["python_api"] == []
    assert report["version"] == {"current": before, "next": before}
    provenance = json.loads((project / "openapi" / "provenance.json").read_text())
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    assert provenance["sha256"] == report["sha256"] == digest
    assert provenance["source"] == "file:apij.json"
    # The packaging test, which wants the current version to name the vendored contract.
    (project / "tests").mkdir()
    shutil.copy2(ROOT / "tests" / "test_packaging.py", project / "tests")
    shutil.copy2(ROOT / "LICENSE", project)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", *PYTEST],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(project), *_paths(project)])},
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert "3 passed" in done.stdout


def test_a_one_element_type_list_in_31_is_read_as_the_type_itself(project: Path) -> None:
    spec = upstream(project)
    spec["openapi"] = "3.1.0"
    lists = 0
    for schema in ((spec.get("components") or {}).get("schemas") or {}).values():
        if isinstance(schema.get("type"), str):
            schema["type"] = [schema["type"]]
            lists += 1
    assert lists, "the upstream has no component schema with a type"
    overlay = load(OVERLAY, "overlay")
    effective = derive(spec, overlay)
    assert len(effective.normalised) == lists
    findings = classify(derive(upstream(project), overlay).document, effective.document)
    # Nothing but the dialect (none at all when the upstream already is 3.1).
    said = [f.line() for f in findings]
    assert {f.rule for f in findings} <= {"openapi-dialect-changed"}, said
    assert ("openapi-dialect-changed" in {f.rule for f in findings}) == (
        not str(upstream(project)["openapi"]).startswith("3.1")
    ), said
    # And the generated names are those of the plain spelling (no `ErreurType0`).
    target = project / "regenerated"
    regenerate.generate(target, tool_versions(), effective.document)

    def models(root: Path) -> list[str]:
        return sorted(p.name for p in (root / "apij_client" / "models").glob("*.py"))

    assert models(target) == models(GENERATED)


def test_a_generator_refusal_names_the_operation_and_status_in_words(tmp_path: Path) -> None:
    spec = copy.deepcopy(document())  # shared: never annotate it in place
    operation = _operation(spec)
    operation["responses"]["418"] = {
        "description": "teapot",
        "content": {"*/*": {"schema": {"type": "string"}}},
    }
    with pytest.raises(regenerate.RegenerateError) as refused:
        regenerate.generate(tmp_path, tool_versions(), spec)
    message = str(refused.value)
    assert f"{paiements().method} {paiements().path}, status 418: media type */*" in message
    assert "object at 0x" not in message
    assert "overlay action" in message


def test_the_overlay_normalises_star_media_types_on_the_known_statuses() -> None:
    house_style = ROOT / "conformance" / "upstream" / "house-style.yaml"
    house = parse_document(house_style.read_text(encoding="utf-8"))
    body = {"content": {"*/*": {"schema": {"type": "object"}}}}
    _operation(house)["responses"]["default"] = {"description": "error", **copy.deepcopy(body)}
    _operation(house)["responses"]["404"] = {"description": "unknown", **copy.deepcopy(body)}
    effective = _operation(derive(house, load(OVERLAY, "overlay")).document)
    for status in ("200", "default", "404"):
        assert list(effective["responses"][status]["content"]) == ["application/json"], status
    assert effective["responses"]["default"]["content"]["application/json"] == {
        "schema": {"type": "object"}
    }


def test_an_info_version_change_is_cosmetic() -> None:
    old = document()
    new = copy.deepcopy(old)
    new["info"]["version"] = f"{old['info']['version']}-bis"
    findings = classify(old, new)
    version = old["info"]["version"]
    assert [(f.rule, f.path, f.detail) for f in findings] == [
        ("info-changed", "info.version", f"{version} -> {version}-bis"),
    ]
    assert verdict(findings) == "cosmetic"


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
    assert [f.rule for f in classify(old, new)] == ["openapi-dialect-changed"]
    # A real change of meaning is one: null no longer allowed, which a client may ignore...
    stricter = _amount_document("3.1.0", {"type": "number", "exclusiveMinimum": 0})
    rules = {f.rule for f in classify(old, stricter)}
    assert rules == {"openapi-dialect-changed", "response-narrowed"}
    # ...and null newly allowed, which breaks it.
    assert "response-property-became-nullable" in {f.rule for f in classify(stricter, new)}


BREAKING_X = ["BREAKING x"]
RETYPED = ["BREAKING x: annotation date -> date | None"]


@pytest.mark.parametrize(
    ("current", "api", "wire", "line"),
    [
        ("0.2.0", ApiReport(breaking=BREAKING_X), "compatible", "0.3.0 (breaking: Python API)"),
        ("0.2.0", ApiReport(), "breaking", "0.3.0 (breaking: wire)"),
        ("0.2.0", ApiReport(removed=["x"]), "breaking", "0.3.0 (breaking: Python API and wire)"),
        ("0.2.0", ApiReport(retyped=RETYPED), "cosmetic", "0.3.0 (breaking: Python API)"),
        ("0.2.0", ApiReport(added=["x"]), "compatible", "0.2.1 (additive)"),
        ("0.2.0", ApiReport(changed=["x"]), "cosmetic", "0.2.1 (additive)"),
        ("0.2.0", ApiReport(), "soft", "0.2.1 (soft wire change)"),
        ("0.2.0", ApiReport(), "compatible", "0.2.1 (compatible wire change)"),
        ("0.2.0", ApiReport(), "cosmetic", "(unchanged: same meaning)"),
        ("0.2.0", ApiReport(), None, "(unchanged: nothing changed)"),
        ("1.4.2", ApiReport(), "breaking", "2.0.0 (breaking: wire)"),
        ("1.4.2", ApiReport(added=["x"]), "cosmetic", "1.5.0 (additive)"),
        ("1.4.2", ApiReport(), "soft", "1.5.0 (soft wire change)"),
    ],
)
def test_the_version_bump_follows_the_worse_of_wire_and_python_api(
    current: str, api: ApiReport, wire: str | None, line: str
) -> None:
    arrow = "" if line.startswith("(") else "-> "
    assert version_bump(current, api, wire) == f"version: {current} {arrow}{line}"


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
