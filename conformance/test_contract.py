"""The vendored contract: valid OpenAPI, examples valid and consistent, every element traced."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import yaml
from openapi_spec_validator import validate

SPEC_PATH = Path(__file__).resolve().parent.parent / "openapi" / "apij-1.0-apim.yaml"
SPEC: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
CENT = Decimal("0.01")


def test_spec_is_valid_openapi_3_0() -> None:
    assert SPEC["openapi"].startswith("3.0.")
    validate(SPEC)


def test_spec_identity() -> None:
    assert SPEC["info"]["version"] == "1.0-apim"
    urls = [server["url"] for server in SPEC["servers"]]
    assert urls == [
        "https://partenaires.api.ameli.fr/test/v1/indemnites-journalieres",
        "https://partenaires.api.ameli.fr/v1/indemnites-journalieres",
    ]
    # Both credentials in ONE requirement object: AND, not the sister API's OR.
    assert SPEC["security"] == [{"API-Key-Cnam": [], "Access-Token-France-Connect": []}]


def _validator(schema: dict[str, Any]) -> jsonschema_rs.Draft4Validator:
    # jsonschema_rs: exact multipleOf on decimals (python-jsonschema rejects 0.07 for 0.01).
    root = {**schema, "components": SPEC["components"]}
    return jsonschema_rs.Draft4Validator(root, validate_formats=True)


def _examples() -> Iterator[tuple[str, dict[str, Any], Any]]:
    for path, item in SPEC["paths"].items():
        for method, op in item.items():
            for status, response in op["responses"].items():
                if "$ref" in response:
                    name = response["$ref"].rsplit("/", 1)[-1]
                    response = SPEC["components"]["responses"][name]
                for media, content in response.get("content", {}).items():
                    where = f"{method.upper()} {path} {status} {media}"
                    if "example" in content:
                        yield where, content["schema"], content["example"]
                    for key, example in content.get("examples", {}).items():
                        yield f"{where} ({key})", content["schema"], example["value"]
    for name, param in SPEC["components"]["parameters"].items():
        if "example" in param:
            yield f"parameter {name}", param["schema"], param["example"]


EXAMPLES = list(_examples())
# Found by operationId: the path is the contract's to move (update-spec absorbs a new path).
(OPERATION,) = [
    op
    for item in SPEC["paths"].values()
    for op in item.values()
    if op.get("operationId") == "getPaiementsIJ"
]


def test_there_are_examples_for_every_documented_status() -> None:
    statuses = {where.split()[2] for where, _, _ in EXAMPLES if where.startswith("GET")}
    documented = set(OPERATION["responses"])
    assert statuses == documented


@pytest.mark.parametrize(("where", "schema", "example"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_example_validates_against_its_schema(
    where: str, schema: dict[str, Any], example: Any
) -> None:
    errors = [error.message for error in _validator(schema).iter_errors(example)]
    assert errors == [], f"{where}: {errors}"


def _decimal_lines(example: Any) -> list[dict[str, Any]]:
    # Re-read through JSON with Decimal so the check sees the literal, not a float.
    lines: list[dict[str, Any]] = json.loads(json.dumps(example), parse_float=Decimal)["paiements"]
    return lines


def test_success_examples_obey_the_payment_invariants() -> None:
    checked = 0
    for where, _, example in EXAMPLES:
        if not isinstance(example, dict) or "paiements" not in example:
            continue
        for line in _decimal_lines(example):
            gross = line["nombre_jours"] * line["montant_journalier"]
            csg = (gross * Decimal("0.062")).quantize(CENT, rounding=ROUND_HALF_UP)
            crds = (gross * Decimal("0.005")).quantize(CENT, rounding=ROUND_HALF_UP)
            assert (line["csg"], line["crds"]) == (csg, crds), where
            days = _days_between(line["date_debut"], line["date_fin"])
            assert line["nombre_jours"] == days, where
            checked += 1
    assert checked >= 2


def test_the_worked_example_of_contract_md_is_the_one_in_the_spec() -> None:
    # CONTRACT.md: 14 days x 32.87 EUR = 460.18 gross, CSG 28.53, CRDS 2.30, net 429.35.
    example = OPERATION["responses"]["200"]["content"]["application/json"]["examples"][
        "deuxLignes"
    ]["value"]
    line = _decimal_lines(example)[0]
    gross = line["nombre_jours"] * line["montant_journalier"]
    assert gross == Decimal("460.18")
    assert (line["csg"], line["crds"]) == (Decimal("28.53"), Decimal("2.30"))
    assert gross - line["csg"] - line["crds"] == Decimal("429.35")


def _days_between(first: str, last: str) -> int:
    return (date.fromisoformat(last) - date.fromisoformat(first)).days + 1


def _traced_elements() -> Iterator[tuple[str, dict[str, Any]]]:
    yield "info", SPEC["info"]
    for server in SPEC["servers"]:
        yield f"server {server['url']}", server
    for tag in SPEC.get("tags", []):
        yield f"tag {tag['name']}", tag
    for path, item in SPEC["paths"].items():
        for method, op in item.items():
            yield f"operation {method.upper()} {path}", op
            for status, response in op["responses"].items():
                if "$ref" not in response:
                    yield f"response {status}", response
    components = SPEC["components"]
    for kind in ("securitySchemes", "parameters", "headers", "responses"):
        for name, element in components.get(kind, {}).items():
            yield f"{kind} {name}", element
    for name, schema in components["schemas"].items():
        yield f"schema {name}", schema
        for prop, sub in schema.get("properties", {}).items():
            if "$ref" not in sub:
                yield f"property {name}.{prop}", sub


def test_every_element_is_traced_to_a_fact_or_marked_inferred() -> None:
    provenance = json.loads((SPEC_PATH.parent / "provenance.json").read_text(encoding="utf-8"))
    if "x-reconstructed" not in SPEC["info"]:
        # A vendored upstream document is its own source: provenance must say where it came from.
        assert provenance["source"] != "reconstruction"
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
