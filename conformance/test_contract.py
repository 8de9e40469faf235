"""The effective contract: valid OpenAPI, examples valid and consistent, every element traced,
every overlay action explained."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from openapi_spec_validator import validate

from conformance._support import contract, document, operations, paiements, success, validator
from scripts.documents import parse_document
from scripts.project import OVERLAY, load_provenance

CENT = Decimal("0.01")


def test_the_effective_document_is_valid_openapi() -> None:
    # openapi-spec-validator picks the dialect (3.0 or 3.1) from the document itself.
    validate(document())


@pytest.mark.parametrize("operation", operations(), ids=lambda op: f"{op.method} {op.path}")
def test_every_operation_demands_both_credentials_together(operation: Any) -> None:
    # One requirement object naming the partner key and the bearer token (AND), not the house
    # style's two alternatives (OR), which would let a call through with either alone.
    schemes = contract().security_schemes
    kinds = {
        name: (scheme.get("type"), str(scheme.get("scheme", scheme.get("in", ""))).lower())
        for name, scheme in schemes.items()
    }
    assert len(operation.security) == 1, f"alternatives: {operation.security}"
    (requirement,) = operation.security
    assert sorted(kinds[name] for name in requirement) == [("apiKey", "header"), ("http", "bearer")]


def _examples() -> Iterator[tuple[str, dict[str, Any], Any]]:
    for operation in operations():
        where = f"{operation.method} {operation.path}"
        for response in operation.responses:
            for media in response.content:
                for name, example in media.examples:
                    if media.schema is not None:
                        yield (
                            f"{where} {response.status} {media.name} ({name})",
                            media.schema,
                            example,
                        )
        for parameter in operation.parameters:
            for example in parameter.examples:
                yield f"{where} parameter {parameter.name}", parameter.schema, example


EXAMPLES = list(_examples())


@pytest.mark.parametrize(("where", "schema", "example"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_example_validates_against_its_schema(
    where: str, schema: dict[str, Any], example: Any
) -> None:
    errors = [error.message for error in validator(schema).iter_errors(example)]
    assert errors == [], f"{where}: {errors}"


def _lines(example: Any) -> list[dict[str, Any]]:
    # Re-read through JSON with Decimal so the check sees the literal, not a float.
    body = json.loads(json.dumps(example), parse_float=Decimal)
    if not isinstance(body, dict):
        return []
    lines: list[dict[str, Any]] = body.get("paiements") or []
    return lines


SUCCESS_LINES = [
    pytest.param(line, id=f"{where} line {i}")
    for where, _, example in EXAMPLES
    for i, line in enumerate(_lines(example))
]


@pytest.mark.parametrize("line", SUCCESS_LINES)
def test_example_lines_obey_the_payment_invariants(line: dict[str, Any]) -> None:
    gross = line["nombre_jours"] * line["montant_journalier"]
    csg = (gross * Decimal("0.062")).quantize(CENT, rounding=ROUND_HALF_UP)
    crds = (gross * Decimal("0.005")).quantize(CENT, rounding=ROUND_HALF_UP)
    assert (line["csg"], line["crds"]) == (csg, crds)
    days = (date.fromisoformat(line["date_fin"]) - date.fromisoformat(line["date_debut"])).days
    assert line["nombre_jours"] == days + 1


def test_the_contract_accepts_the_worked_example_and_no_sub_cent_amount() -> None:
    # The IJ rules' worked example: 14 days x 32.87 EUR = 460.18 gross, CSG 28.53, CRDS 2.30.
    schema = success(paiements()).schema
    assert schema is not None
    line = {
        "date_debut": "2025-03-04",
        "date_fin": "2025-03-17",
        "nombre_jours": 14,
        "montant_journalier": 32.87,
        "csg": 28.53,
        "crds": 2.3,
    }
    body = {"date_debut": "2025-01-01", "date_fin": "2025-06-30", "paiements": [line]}
    assert validator(schema).is_valid(body)
    assert not validator(schema).is_valid({**body, "paiements": [{**line, "csg": 28.531}]})


def _traced_elements() -> Iterator[tuple[str, dict[str, Any]]]:
    spec = document()
    yield "info", spec["info"]
    for server in spec.get("servers", []):
        yield f"server {server['url']}", server
    for tag in spec.get("tags", []):
        yield f"tag {tag['name']}", tag
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            yield f"operation {method.upper()} {path}", op
            for status, response in op["responses"].items():
                if "$ref" not in response:
                    yield f"response {status}", response
    components = spec.get("components", {})
    for kind in ("securitySchemes", "parameters", "headers", "responses"):
        for name, element in components.get(kind, {}).items():
            yield f"{kind} {name}", element
    for name, schema in components.get("schemas", {}).items():
        yield f"schema {name}", schema
        for prop, sub in schema.get("properties", {}).items():
            if "$ref" not in sub:
                yield f"property {name}.{prop}", sub


def test_every_element_of_a_reconstruction_is_traced_to_a_fact_or_marked_inferred() -> None:
    if "x-reconstructed" not in document()["info"]:
        # A vendored upstream document is its own source: provenance must say where it came from.
        assert load_provenance()["source"] != "reconstruction"
        return
    untraced = [
        where
        for where, element in _traced_elements()
        if "Source:" not in element.get("description", "") and "x-reconstructed" not in element
    ]
    assert untraced == [], (
        "these elements of the reconstruction neither cite a public fact ('Source:' in their "
        f"description) nor carry x-reconstructed: {untraced}"
    )


def test_every_overlay_action_says_why_and_cites_its_source() -> None:
    overlay = parse_document(OVERLAY.read_text(encoding="utf-8"))
    names = [action.get("x-name") for action in overlay["actions"]]
    assert len(set(names)) == len(names), "overlay actions need distinct x-name (the report's key)"
    unexplained = [
        action.get("x-name")
        for action in overlay["actions"]
        if "Source:" not in str(action.get("description", ""))
    ]
    assert unexplained == []
