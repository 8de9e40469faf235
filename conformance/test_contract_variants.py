"""Whole upstream documents through `make update-spec`, then the gate (the suite `make test`
runs) and the face probe, each in a copy of the project.

Part of `make mutations`. The variants are the documents a maintainer will meet: CNAM's house style
(conformance/upstream/house-style.yaml), its Swagger 2.0 past, a 3.1 document equal in meaning to
the current upstream, an additive change, the house style with `default` and error bodies in `*/*`,
required fields renamed to camelCase (which the face could not read: refused), a renamed operation
(which the face could no longer import: refused), a broken document; and a control, the house style
with an overlay that documents no error response, which the face's needs now refuse (the probe's
own failure is shown in test_face_needs.py). The table goes to the terminal and to
reports/contract-variants.md.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from apij._contract import OPERATION_ID
from apij.openapi import HTTP_METHODS, referenced
from conformance._mutations import NotApplicable, camel_case_fields
from conformance._project_copy import GateRun, copy_project, environment, run_gate, update_spec
from scripts.documents import dump_document, parse_document
from scripts.project import OVERLAY, REPORTS, UPSTREAM, relative
from scripts.update_spec import EXIT_BREAKING, EXIT_COMPATIBLE, EXIT_REFUSED, EXIT_SAME_MEANING

pytestmark = pytest.mark.mutations

Spec = dict[str, Any]
WORKERS = 2
ACCEPTED = (EXIT_SAME_MEANING, EXIT_COMPATIBLE, EXIT_BREAKING)
FIXTURES = Path(__file__).with_name("upstream")


def _file(name: str) -> Callable[[Spec, Path], Path]:
    def write(_: Spec, folder: Path) -> Path:
        target = folder / name
        target.write_bytes((FIXTURES / name).read_bytes())
        return target

    return write


def _json(edit: Callable[[Spec], Spec]) -> Callable[[Spec, Path], Path]:
    def write(upstream: Spec, folder: Path) -> Path:
        target = folder / "upstream.json"
        target.write_text(json.dumps(edit(copy.deepcopy(upstream)), ensure_ascii=False))
        return target

    return write


def to_openapi_31(spec: Spec) -> Spec:
    """The same contract in OpenAPI 3.1: type arrays for `nullable`, numeric exclusive bounds,
    `examples` lists in schemas, and descriptions beside `$ref`s (which 3.1 allows)."""

    def schema(node: Any) -> None:
        if not isinstance(node, dict):
            return
        if node.pop("nullable", False) is True and isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
        for bound, flag in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
            if node.get(flag) is True and bound in node:
                node[flag] = node.pop(bound)
            elif node.get(flag) is False:
                node.pop(flag)
        if "example" in node:
            node["examples"] = [node.pop("example")]
        for key in ("items", "additionalProperties", "not"):
            schema(node.get(key))
        for key in ("allOf", "anyOf", "oneOf"):
            for sub in node.get(key) or []:
                schema(sub)
        for name, sub in (node.get("properties") or {}).items():
            if isinstance(sub, dict) and "$ref" in sub and "description" not in sub:
                sub["description"] = f"The {name} of this object."
            schema(sub)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "schema":
                    schema(value)
                elif key not in ("example", "examples"):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    spec["openapi"] = "3.1.0"
    for sub in ((spec.get("components") or {}).get("schemas") or {}).values():
        schema(sub)
    walk(spec.get("paths"))
    walk({k: v for k, v in (spec.get("components") or {}).items() if k != "schemas"})
    return spec


def _operation(spec: Spec) -> Spec:
    """The face's operation in the raw document (the object itself, to edit in place)."""
    for item in (spec.get("paths") or {}).values():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, dict) and operation.get("operationId") == OPERATION_ID:
                return operation
    raise NotApplicable(f"the upstream has no operation {OPERATION_ID}")


def additive(spec: Spec) -> Spec:
    """A new optional response field (a new enum, so a new model) and a new optional parameter."""
    operation = _operation(spec)
    spec.setdefault("components", {}).setdefault("schemas", {})["Regime"] = {
        "type": "string",
        "enum": ["general", "agricole"],
        "description": "Scheme that paid the line.",
        "x-reconstructed": "inferred",
    }
    for status, response in operation["responses"].items():
        if str(status).startswith("2"):
            media = next(iter(referenced(spec, response)["content"].values()))
            body = referenced(spec, media["schema"])
            lines = referenced(spec, referenced(spec, body["properties"]["paiements"])["items"])
            lines["properties"]["regime"] = {"$ref": "#/components/schemas/Regime"}
    operation.setdefault("parameters", []).append(
        {
            "name": "canal",
            "in": "query",
            "required": False,
            "description": "Channel of the request.",
            "x-reconstructed": "inferred",
            "schema": {"type": "string", "enum": ["web", "guichet"]},
        }
    )
    return spec


def breaking(spec: Spec) -> Spec:
    """The line's required fields renamed to camelCase: the generator snake-cases them back."""
    camel_case_fields(spec)
    return spec


def _house_style_errors(_: Spec, folder: Path) -> Path:
    """CNAM's house style with a `default` and a 404 response, each documented as `*/*`."""
    house = parse_document((FIXTURES / "house-style.yaml").read_text(encoding="utf-8"))
    error = {
        "type": "object",
        "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
    }
    operation = _operation(house)
    for status, said in (("default", "Erreur"), ("404", "Assuré inconnu")):
        operation["responses"][status] = {
            "description": said,
            "content": {"*/*": {"schema": copy.deepcopy(error)}},
        }
    target = folder / "house-style-errors.json"
    target.write_text(json.dumps(house, ensure_ascii=False), encoding="utf-8")
    return target


def renamed_operation(spec: Spec) -> Spec:
    """The face's operation under another operationId: the generated module is renamed."""
    _operation(spec)["operationId"] = "recupererPaiements"
    return spec


def broken(spec: Spec) -> Spec:
    """A reference to a schema the document does not have."""
    operation_schemas = (spec.get("components") or {}).get("schemas") or {}
    if not operation_schemas:
        raise NotApplicable("the upstream has no component schemas")
    name = next(iter(operation_schemas))
    operation_schemas[name] = {"$ref": "#/components/schemas/Absent"}
    return spec


def _overlay_without_errors(project: Path) -> None:
    """The control: an overlay that makes the house style generable (media type, security) and
    keeps the error schema the face imports, but documents no error response."""
    overlay = parse_document((project / relative(OVERLAY)).read_text(encoding="utf-8"))
    overlay["actions"] = [
        a
        for a in overlay["actions"]
        if str(a["x-name"]).startswith(("json-", "security-", "error-schema", "required-"))
    ]
    (project / relative(OVERLAY)).write_text(dump_document(overlay), encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "scripts.regenerate", "--record"],
        cwd=project,
        env=environment(project, None),
        check=True,
        capture_output=True,
    )


@dataclass(frozen=True)
class Variant:
    """An input document and what `update-spec`, the gate and the face probe must say of it."""

    name: str
    what: str
    write: Callable[[Spec, Path], Path]
    accepted: bool
    mentions: tuple[str, ...]
    gate_green: bool | None = None  # None: the gate is not run (refused, or the probe control)
    probe_ok: bool | None = None
    prepare: Callable[[Path], None] | None = None


VARIANTS = (
    Variant(
        "house-style",
        "CNAM's house style (conformance/upstream/house-style.yaml)",
        _file("house-style.yaml"),
        accepted=True,
        mentions=(
            "json-media-type-copy",
            "security-both-credentials",
            "status-400/401/403/404/429/500/502/503",
            "required-releve/ligne",
            "info-changed document info.version",
            "version: ",
        ),
        gate_green=True,
        probe_ok=True,
    ),
    Variant(
        "swagger-2",
        "its Swagger 2.0 past (conformance/upstream/swagger-2.yaml)",
        _file("swagger-2.yaml"),
        accepted=False,
        mentions=("Swagger 2.0", "swagger2openapi", "make update-spec SPEC="),
    ),
    Variant(
        "openapi-3.1",
        "the current upstream in OpenAPI 3.1, equal in meaning",
        _json(to_openapi_31),
        accepted=True,
        mentions=("wire cosmetic, Python API unchanged", "-> 3.1.0"),
        gate_green=True,
        probe_ok=True,
    ),
    Variant(
        "additive",
        "a new optional response field (new enum model) and a new optional parameter",
        _json(additive),
        accepted=True,
        mentions=("added apij_client.models.Regime (pinned)", "(additive)", "wire soft"),
        gate_green=True,
        probe_ok=True,
    ),
    Variant(
        "house-style-errors",
        "the house style with `default` and 404 bodies documented as `*/*`",
        _house_style_errors,
        accepted=True,
        mentions=("json-media-type-copy-default/404", "version: "),
        # Generated and accepted (the overlay normalised both bodies); the upstream's own 404 body
        # (no `Erreur`, nothing required) and a `default` documenting every status are what the
        # face's error tests and the exchange judge then name.
        gate_green=False,
        probe_ok=True,
    ),
    Variant(
        "breaking",
        "required response fields renamed to camelCase",
        _json(breaking),
        accepted=False,
        # The face reads the old field by name: refused, with the cause (item 5 of issue 16).
        mentions=("the face could not represent this contract", "is gone", "overlay action"),
    ),
    Variant(
        "renamed-operation",
        "the face's operation renamed (operationId)",
        _json(renamed_operation),
        accepted=False,
        mentions=("lacks a name the face imports", "get_paiements_ij", "overlay action"),
    ),
    Variant(
        "broken",
        "a dangling $ref",
        _json(broken),
        accepted=False,
        mentions=("dangling $ref '#/components/schemas/Absent'",),
    ),
    Variant(
        "house-style-no-error-overlay",
        "control: the house style with an overlay that documents no error response",
        _file("house-style.yaml"),
        # Refused since the face's needs cover the error body: without a 401 and a 404 body the
        # face could raise neither ApiKeyRejected/TokenRejected nor InsuredPersonNotFound. That
        # the probe itself can fail is shown in-process (test_face_needs.py).
        accepted=False,
        mentions=(
            "the face could not represent this contract",
            "401 documents no error body",
            "status-401",
        ),
        prepare=_overlay_without_errors,
    ),
)


@dataclass
class Result:
    variant: Variant
    skipped: str = ""
    update_exit: int = 0
    report: str = ""
    unchanged: bool = False
    gate: GateRun | None = None
    probe: str = ""
    probe_exit: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def judge(variant: Variant, scratch: Path) -> Result:
    project = copy_project(scratch / "project")
    if variant.prepare is not None:
        variant.prepare(project)
    upstream = parse_document((project / relative(UPSTREAM)).read_text(encoding="utf-8"))
    inputs = scratch / "inputs"
    inputs.mkdir()
    try:
        source = variant.write(upstream, inputs)
    except NotApplicable as exc:
        return Result(variant, skipped=str(exc))
    before = _snapshot(project)
    clock = time.monotonic()
    update_exit = update_spec(project, source, scratch / "update.log")
    result = Result(variant, update_exit=update_exit)
    result.seconds["update"] = time.monotonic() - clock
    result.report = (scratch / "update.log").read_text(encoding="utf-8")
    result.unchanged = _snapshot(project) == before
    if update_exit not in ACCEPTED:
        return result
    if variant.gate_green is not None:
        clock = time.monotonic()
        result.gate = run_gate(project, (), "gate", None)
        result.seconds["gate"] = time.monotonic() - clock
    probe = subprocess.run(
        [sys.executable, "conformance/face_probe.py"],
        cwd=project,
        env=environment(project, None),
        capture_output=True,
        text=True,
        check=False,
    )
    said = probe.stdout.strip() or (probe.stderr.strip().splitlines() or [""])[-1]
    result.probe, result.probe_exit = said, probe.returncode
    return result


def _judge_all(variants: list[Variant]) -> list[Result]:
    results = []
    for variant in variants:
        with tempfile.TemporaryDirectory(prefix=f"apij-variant-{variant.name}-") as scratch:
            results.append(judge(variant, Path(scratch)))
    return results


def _row(r: Result) -> str:
    if r.skipped:
        return f"| {r.variant.what} | skipped: {r.skipped} | - | - | - |"
    if r.update_exit not in ACCEPTED:
        first = next((line for line in r.report.splitlines() if line.startswith("update-spec")), "")
        update = f"refused (exit {r.update_exit}): {first.removeprefix('update-spec: refused: ')}"
        gate = "tree unchanged" if r.unchanged else "TREE CHANGED"
    else:
        said = next((line for line in r.report.splitlines() if line.startswith("verdict:")), "")
        update = f"accepted (exit {r.update_exit}); {said}"
        if r.gate is None:
            gate = "not run"
        elif r.gate.passed:
            gate = f"green ({r.gate.passed_count} passed)"
        else:
            checks = sorted(r.gate.checks)
            more = f" and {len(checks) - 6} more" if len(checks) > 6 else ""
            gate = f"red: {', '.join(checks[:6])}{more}"
    probe = "; ".join(r.probe.splitlines()) if r.probe else "-"
    took = f"{sum(r.seconds.values()):.0f}"
    return f"| {r.variant.what} | {update} | {gate} | {probe} | {took} |"


@pytest.fixture(scope="module")
def results(pytestconfig: pytest.Config) -> dict[str, Result]:
    started = time.monotonic()
    shares = [list(VARIANTS[i::WORKERS]) for i in range(WORKERS)]
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        found = {r.variant.name: r for share in pool.map(_judge_all, shares) for r in share}
    lines = [
        "# Contract variants",
        "",
        f"{len(VARIANTS)} input documents, {time.monotonic() - started:.0f} s on {WORKERS} "
        "workers. Gate: the whole suite `make test` runs, in a copy of the project updated by "
        "`make update-spec`; probe: conformance/face_probe.py in that copy.",
        "",
        "| input document | update-spec | make test | face probe | s |",
        "|---|---|---|---|---|",
        *(_row(found[v.name]) for v in VARIANTS),
    ]
    details = ["", "## update-spec reports", ""]
    for variant in VARIANTS:
        result = found[variant.name]
        details += [f"### {variant.name}", "", "```", result.report.strip(), "```"]
        if result.gate is not None and not result.gate.passed:
            details += [f"- {check}: {f}" for check, fs in result.gate.failures.items() for f in fs]
        details.append("")
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "contract-variants.md").write_text("\n".join(lines + details), encoding="utf-8")
    capture = pytestconfig.pluginmanager.get_plugin("capturemanager")
    terminal = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    if capture is not None and terminal is not None:
        with capture.global_and_fixture_disabled():
            terminal.write_line("")
            for line in [*lines, "(details: reports/contract-variants.md)"]:
                terminal.write_line(line)
    return found


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_variant_outcome(results: dict[str, Result], variant: Variant) -> None:
    result = results[variant.name]
    if result.skipped:
        pytest.skip(f"not applicable to the current upstream: {result.skipped}")
    for words in variant.mentions:
        assert words in result.report, result.report
    if not variant.accepted:
        assert result.update_exit == EXIT_REFUSED, result.report
        assert result.unchanged, "a refused document changed the tree"
        # A few lines (the face's refusal: at most 4 places, each with its overlay action).
        assert len(result.report.splitlines()) <= 12, result.report
        return
    assert result.update_exit in ACCEPTED, result.report
    if variant.gate_green is not None:
        assert result.gate is not None
        assert result.gate.passed == variant.gate_green, result.gate.failures or "green"
    if variant.probe_ok is not None:
        assert (result.probe_exit == 0) == variant.probe_ok, result.probe


def test_the_31_variant_changes_nothing_but_the_dialect(results: dict[str, Result]) -> None:
    result = results["openapi-3.1"]
    if result.skipped:
        pytest.skip(result.skipped)
    lines = result.report.splitlines()
    assert "Cosmetic on the wire (1):" in lines, result.report
    assert lines[lines.index("Cosmetic on the wire (1):") + 1].startswith(
        "  openapi-dialect-changed document openapi "
    )
    assert not any(line.startswith(("Breaking", "Soft", "Compatible")) for line in lines)
    assert result.update_exit == EXIT_SAME_MEANING


def test_the_variant_inputs_are_real_documents() -> None:
    # The fixtures themselves: the house style reads as OpenAPI 3.0 with `*/*` and OR security.
    house = parse_document((FIXTURES / "house-style.yaml").read_text(encoding="utf-8"))
    assert house["openapi"].startswith("3.0")
    assert len(house["security"]) == 2
    assert all(
        "*/*" in response["content"]
        for item in house["paths"].values()
        for op in item.values()
        for response in op["responses"].values()
    )
    assert "swagger" in parse_document((FIXTURES / "swagger-2.yaml").read_text(encoding="utf-8"))
