"""The one spec reader: references resolved here, schemas as JSON Schema 2020-12, clean refusals."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import jsonschema_rs
import pytest

from apij._contract import compile_operation
from apij.errors import ApijError, ContractError
from apij.openapi import effective, read, referenced


def document(dialect: str = "3.0.3", **schemas: Any) -> dict[str, Any]:
    """A one-operation document whose 200 body is `Body`, written in `dialect`."""
    return {
        "openapi": dialect,
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/me/paiements": {
                "parameters": [{"$ref": "#/components/parameters/Debut"}],
                "get": {
                    "operationId": "getPaiementsIJ",
                    "parameters": [
                        {"name": "dateFin", "in": "query", "schema": {"type": "string"}}
                    ],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Body"},
                                    "examples": {"one": {"$ref": "#/components/examples/One"}},
                                }
                            },
                        },
                        "429": {"$ref": "#/components/responses/Busy"},
                        "default": {"description": "other"},
                    },
                },
            }
        },
        "components": {
            "parameters": {
                "Debut": {
                    "name": "dateDebut",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string", "format": "date"},
                }
            },
            "responses": {
                "Busy": {
                    "description": "busy",
                    "headers": {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}},
                }
            },
            "headers": {"RetryAfter": {"required": True, "schema": {"type": "integer"}}},
            "examples": {"One": {"value": {"montant": 1}}},
            "schemas": {"Body": {"type": "object"}, **schemas},
        },
    }


def body_schema(doc: dict[str, Any]) -> dict[str, Any]:
    schema = read(doc).operation("getPaiementsIJ").response(200)
    assert schema is not None
    assert schema.schema is not None
    return schema.schema


def test_references_are_resolved_everywhere_by_the_reader() -> None:
    doc = document(Body={"type": "object", "properties": {"m": {"$ref": "#/components/schemas/M"}}})
    doc["components"]["schemas"]["M"] = {"type": "number", "description": "dropped", "x-a": 1}
    contract = read(doc)
    operation = contract.operation("getPaiementsIJ")
    assert [(p.name, p.required) for p in operation.parameters] == [
        ("dateDebut", True),
        ("dateFin", False),
    ]
    assert operation.statuses == {200, 429}
    assert operation.default_response is not None
    busy = operation.response(429)
    assert busy is not None
    header = busy.header("retry-after")
    assert header is not None
    assert header.required
    assert header.schema == {"type": "integer"}
    ok = operation.response(200)
    assert ok is not None
    assert ok.content[0].examples == (("one", {"montant": 1}),)
    assert body_schema(doc) == {"type": "object", "properties": {"m": {"type": "number"}}}


def test_the_effective_contract_compiles_without_any_validator_dereferencing() -> None:
    # The regression of issue 8: the body schema is self-contained, no `$ref` left for a
    # validator library to resolve (jsonschema-rs 0.61 stopped resolving those of OpenAPI
    # documents).
    response = effective().operation("getPaiementsIJ").response(200)
    assert response is not None
    assert response.schema is not None
    assert "$ref" not in repr(response.schema)
    jsonschema_rs.Draft202012Validator(response.schema)


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (lambda d: d["components"]["schemas"].pop("Body"), ["dangling", "Body", "200"]),
        (
            lambda d: d["components"]["schemas"].update(Body={"$ref": "other.yaml#/Body"}),
            ["unsupported $ref", "other.yaml"],
        ),
        (
            lambda d: d["components"]["schemas"].update(
                Body={
                    "type": "object",
                    "properties": {"self": {"$ref": "#/components/schemas/Body"}},
                }
            ),
            ["recursive schema", "Body"],
        ),
        (
            lambda d: d["components"]["responses"].update(
                Busy={"$ref": "#/components/responses/Busy"}
            ),
            ["$ref loop"],
        ),
        (lambda d: d.update(openapi="2.0"), ["unsupported OpenAPI version 2.0"]),
        (lambda d: d.update(swagger="2.0"), ["Swagger 2.0"]),
        (lambda d: d["paths"]["/me/paiements"].update(get=[]), ["is not an object"]),
    ],
)
def test_unusable_documents_raise_one_clear_contract_error(mutate: Any, words: list[str]) -> None:
    doc = document()
    mutate(doc)
    with pytest.raises(ContractError) as caught:
        read(doc)
    message = str(caught.value)
    assert isinstance(caught.value, ApijError)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_openapi_30_nullable_and_boolean_bounds_become_2020_12() -> None:
    schema = body_schema(
        document(
            Body={
                "type": "number",
                "nullable": True,
                "minimum": 0,
                "exclusiveMinimum": True,
                "maximum": 9,
                "exclusiveMaximum": False,
                "enum": [1, 2],
            }
        )
    )
    assert schema == {
        "type": ["number", "null"],
        "exclusiveMinimum": 0,
        "maximum": 9,
        "enum": [1, 2, None],
    }


def test_openapi_31_schemas_are_kept_as_they_are_dialect_wise() -> None:
    doc = document(
        "3.1.0",
        Body={"type": ["number", "null"], "exclusiveMinimum": 0, "nullable": True},
    )
    assert body_schema(doc) == {"type": ["number", "null"], "exclusiveMinimum": 0}


def test_a_31_ref_with_siblings_keeps_both() -> None:
    doc = document(
        "3.1.0",
        Body={
            "type": "object",
            "properties": {"n": {"$ref": "#/components/schemas/N", "maximum": 5}},
        },
    )
    doc["components"]["schemas"]["N"] = {"type": "integer", "minimum": 1}
    assert body_schema(doc)["properties"]["n"] == {
        "allOf": [{"type": "integer", "minimum": 1}, {"maximum": 5}]
    }


def montant_document(dialect: str, montant: dict[str, Any]) -> dict[str, Any]:
    return document(
        dialect,
        Body={
            "type": "object",
            "properties": {
                "lignes": {"type": "array", "items": {"$ref": "#/components/schemas/L"}}
            },
        },
        L={"type": "object", "properties": {"csg": montant}},
    )


@pytest.mark.parametrize(
    ("dialect", "montant"),
    [
        ("3.0.3", {"type": "number", "nullable": True, "minimum": 0, "exclusiveMinimum": True}),
        ("3.1.0", {"type": ["number", "null"], "exclusiveMinimum": 0}),
    ],
)
def test_the_face_judges_30_and_31_documents_of_equal_meaning_alike(
    dialect: str, montant: dict[str, Any]
) -> None:
    body = compile_operation(read(montant_document(dialect, copy.deepcopy(montant)))).bodies[200]
    assert body.violation({"lignes": [{"csg": Decimal("0.01")}, {"csg": None}]}) is None
    assert body.violation({"lignes": [{"csg": Decimal(0)}]}) == "/lignes/0/csg (exclusiveMinimum)"
    assert body.violation({"lignes": [{"csg": "1"}]}) == "/lignes/0/csg (type)"


def test_every_reference_is_checked_even_unused_but_example_data_is_not() -> None:
    doc = document()
    doc["components"]["schemas"]["Unused"] = {"$ref": "#/components/schemas/Nowhere"}
    with pytest.raises(ContractError, match=r"dangling \$ref .* at #/components/schemas/Unused"):
        read(doc)
    doc = document()
    # Data that looks like a reference, in an example value: not a reference.
    doc["components"]["examples"]["One"]["value"] = {"$ref": "#/not/a/reference"}
    doc["components"]["parameters"]["Debut"]["example"] = {"$ref": "elsewhere.yaml"}
    read(doc)


def test_referenced_gives_the_raw_object_a_reference_chain_stands_for() -> None:
    doc = document()
    doc["components"]["responses"]["Alias"] = {"$ref": "#/components/responses/Busy"}
    target = referenced(doc, {"$ref": "#/components/responses/Alias"})
    assert target is doc["components"]["responses"]["Busy"]
    assert (
        referenced(doc, doc["components"]["schemas"]["Body"])
        is doc["components"]["schemas"]["Body"]
    )
    with pytest.raises(ContractError, match="dangling"):
        referenced(doc, {"$ref": "#/components/responses/Nope"})


def test_a_property_named_like_a_keyword_is_still_searched_for_references() -> None:
    # In a schema no operation uses: only the document-wide check can see it.
    doc = document(
        Unused={
            "type": "object",
            "properties": {"default": {"$ref": "#/components/schemas/Missing"}},
            "examples": [{"$ref": "a 3.1 example value, not a reference"}],
        }
    )
    with pytest.raises(ContractError, match=r"at #/components/schemas/Unused/properties/default"):
        read(doc)
    del doc["components"]["schemas"]["Unused"]["properties"]
    read(doc)  # the example list alone is data
